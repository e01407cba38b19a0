import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { consoleLog } from '../../api/errors.ts';
import { createPerson } from '../../store/people/people.ts';
import { formatTrackingCode } from '../../store/reports/tracking-code.ts';
import { listen, type RunningServer } from '../../server.node.ts';
import { fileReport } from '../fixtures/reports.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { FAST_ITERATIONS } from '../fixtures/web.ts';
import { chromiumPath, launchChromium } from './browser.ts';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const OPERATOR = 'operadora@portal.test';

describe.skipIf(!chromiumPath)('the case workspace in Chromium', () => {
  let t: TestStore;
  let server: RunningServer;
  let browser: Browser;
  let password = '';
  let code = '';

  beforeAll(async () => {
    t = await createTestStore('fixture');
    server = await listen({ store: t.store, log: consoleLog, port: 0, host: '127.0.0.1', jobSpeed: 0, passwordIterations: FAST_ITERATIONS });
    browser = await launchChromium();
    password = (await createPerson(t.store, { email: OPERATOR, role: 'operator', queue: 'emergencias' }, null, { iterations: FAST_ITERATIONS }))
      .oneTimePassword;
    await t.store.batch(['UPDATE people SET must_change_password = 0']);
    code = formatTrackingCode(await fileReport(t, 'emergency'));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    t?.cleanup();
  });

  /** A browser signed in as the emergencias operator, through the sign-in form. */
  async function signedIn(options: { bypassCSP?: boolean; javaScriptEnabled?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/entrar`);
    await page.getByLabel('Correo').fill(OPERATOR);
    await page.getByLabel('Contraseña').fill(password);
    await Promise.all([page.waitForURL(`${server.url}/admin`), page.getByRole('button', { name: 'Entrar' }).click()]);
    return { context, page };
  }

  async function axeViolations(page: Page): Promise<string[]> {
    await page.addScriptTag({ content: axeSource });
    return page.evaluate(async (tags) => {
      const result = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
    }, WCAG_TAGS);
  }

  it('passes axe (WCAG 2.2 AA) on the dashboard, the queue and a case page, errors included', async () => {
    // CSP bypassed only so axe can be injected; the pages' own scripts load as files either way.
    const { context, page } = await signedIn({ bypassCSP: true });
    const failures: string[] = [];
    for (const path of ['/admin', '/admin/casos', '/admin/casos?vencidos=1', `/admin/casos/${code}`]) {
      expect((await page.goto(server.url + path))?.status(), path).toBe(200);
      for (const violation of await axeViolations(page)) failures.push(`${path} — ${violation}`);
    }
    // A form drawn again with its errors.
    await page.goto(`${server.url}/admin/casos/${code}`);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Enviar respuesta' }).click()]);
    await expect.poll(() => page.locator('.error-summary').count()).toBe(1);
    for (const violation of await axeViolations(page)) failures.push(`case page with errors — ${violation}`);
    await context.close();
    expect(failures).toEqual([]);
  });

  it('replies in public using only the keyboard', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${server.url}/admin/casos/${code}`);
    let reached = false;
    for (let i = 0; i < 80 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'campo-responder-message');
    }
    expect(reached, 'the reply box is reachable with Tab').toBe(true);
    await page.keyboard.type('Una unidad va en camino.');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Enviar respuesta');
    await Promise.all([page.waitForURL(/\?aviso=responder$/), page.keyboard.press('Enter')]);
    expect(await page.getByRole('status').first().textContent()).toContain('Respuesta enviada');
    expect(await page.locator('.timeline-item.is-public', { hasText: 'Una unidad va en camino.' }).count()).toBe(1);
    await context.close();
  });

  it('announces, with JavaScript, a case filed while the queue is open, and shows it without a reload', async () => {
    const { context, page } = await signedIn();
    // The stream is open once the browser has asked for it. Waited for from before the page is
    // asked for: the stream's answer can come before goto returns, and a wait begun after it
    // would never end.
    const streamOpen = page.waitForResponse((response) => response.url().includes('/admin/casos/eventos'));
    await page.goto(`${server.url}/admin/casos`);
    const loads: string[] = [];
    page.on('load', () => loads.push(page.url()));
    await streamOpen;
    const fresh = formatTrackingCode(await fileReport(t, 'emergency'));
    await expect.poll(() => page.locator('[data-live-status]').textContent(), { timeout: 10_000 }).toBe('Hay casos nuevos.');
    expect(await page.locator('#casos-region').textContent()).toContain(fresh);
    expect(await page.getByRole('status').filter({ hasText: 'Hay casos nuevos.' }).count()).toBe(1);
    expect(loads, 'no page reload').toEqual([]);
    await context.close();
  }, 20_000);

  it('without JavaScript, offers «Actualizar» instead', async () => {
    const { context, page } = await signedIn({ javaScriptEnabled: false });
    await page.goto(`${server.url}/admin/casos`);
    const fresh = formatTrackingCode(await fileReport(t, 'emergency'));
    await page.getByRole('link', { name: 'Actualizar' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#casos-region').textContent()).toContain(fresh);
    await context.close();
  });
});
