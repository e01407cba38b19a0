import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { consoleLog } from '../../api/errors.ts';
import { listen, type RunningServer } from '../../server.node.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { chromiumPath, launchChromium } from './browser.ts';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

describe.skipIf(!chromiumPath)('the site in Chromium', () => {
  let t: TestStore;
  let server: RunningServer;
  let browser: Browser;
  let procedureSlug: string;

  beforeAll(async () => {
    t = await createTestStore('seed');
    server = await listen({ store: t.store, log: consoleLog, port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
    const row = await t.store.db.execute("SELECT slug FROM procedures WHERE online = 1 AND document LIKE '%\"offices\":[{%' LIMIT 1");
    procedureSlug = String(row.rows[0].slug);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    t?.cleanup();
  });

  const pages = () => [
    ['home', '/'],
    ['search', '/buscar?q=pasaporte'],
    ['search without results', '/buscar?q=zzqqxx'],
    ['procedure', `/tramites/${procedureSlug}`],
    ['themes', '/categorias'],
    ['theme', '/categorias/identidad'],
    ['institutions', '/instituciones'],
    ['institution', '/instituciones/rnpn'],
    ['not found', '/tramites/no-existe'],
    ['198', '/198'],
    ['emergency', '/emergencia'],
    ['complaint', '/denuncia'],
  ];

  it('loads every page type with no axe violations (WCAG 2.2 AA)', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const failures: string[] = [];
    for (const [name, path] of pages()) {
      const response = await page.goto(server.url + path);
      expect(response?.status(), name).toBe(name === 'not found' ? 404 : 200);
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(async (tags) => {
        const result = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } });
        return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
      }, WCAG_TAGS);
      for (const violation of violations) failures.push(`${name} (${path}) — ${violation}`);
    }
    await context.close();
    expect(failures).toEqual([]);
  });

  it('searches with JavaScript disabled', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url + '/');
    await page.getByLabel('¿Qué trámite necesita?').fill('pasaporte');
    await Promise.all([page.waitForURL(/\/buscar\?q=pasaporte/), page.getByRole('button', { name: 'Buscar' }).first().click()]);
    const first = page.locator('main .cards a').first();
    await expect.poll(() => first.textContent()).toMatch(/pasaporte/i);
    await first.click();
    await page.waitForURL(/\/tramites\//);
    expect(await page.locator('h1').textContent()).toMatch(/pasaporte/i);
    await context.close();
  });

  it('is usable from the keyboard: the first Tab reaches the skip link, which moves focus to the content', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/tramites/${procedureSlug}`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Saltar al contenido principal');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('contenido');
    await context.close();
  });

  it('prints only the requirements checklist and the procedure', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/tramites/${procedureSlug}`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-header').isVisible()).toBe(false);
    expect(await page.locator('.checklist').first().isVisible()).toBe(true);
    await context.close();
  });
});
