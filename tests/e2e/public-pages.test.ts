import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { consoleLog } from '../../api/errors.ts';
import { listen, type RunningServer } from '../../server.node.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { chromiumPath, launchChromium } from './browser.ts';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true } satisfies BrowserContextOptions;
const WIDE = { viewport: { width: 1280, height: 900 } } satisfies BrowserContextOptions;

/** axe's WCAG 2.2 AA violations on the page as it is now, one line each. */
async function axeViolations(page: Page, name: string): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const violations: string[] = await page.evaluate(async (tags) => {
    const result = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  }, WCAG_TAGS);
  return violations.map((violation) => `${name} — ${violation}`);
}

/** The element that has focus, as «tag#id[role]: text». */
const focused = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return element ? `${element.tagName.toLowerCase()}#${element.id}[${element.getAttribute('role') ?? ''}]: ${element.textContent?.trim()}` : '';
  });

describe.skipIf(!chromiumPath)('the public pages in Chromium: home, search, feedback and branding', () => {
  let t: TestStore;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestStore('fixture');
    server = await listen({ store: t.store, log: consoleLog, port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    t?.cleanup();
  });

  it('passes axe (WCAG 2.2 AA) on a phone and on a wide screen, the filters open or closed', async () => {
    const failures: string[] = [];
    for (const [size, options] of [
      ['phone', PHONE],
      ['wide', WIDE],
    ] as const) {
      const context = await browser.newContext({ ...options, bypassCSP: true });
      const page = await context.newPage();
      for (const path of [
        '/',
        '/buscar?q=pasaporte',
        '/buscar?q=licencia&categoria=vehiculos-y-transporte',
        '/buscar?q=zzqqxx',
        '/buscar?q=zzqqxx&aviso=gracias',
        '/buscar?q=zzqqxx&aviso=error',
        '/tramites/prueba-emision-dui?opinion=gracias&tipo=useful',
        '/tramites/prueba-emision-dui?opinion=error&campo=message',
      ]) {
        expect((await page.goto(server.url + path))?.status(), path).toBe(200);
        failures.push(...(await axeViolations(page, `${size} ${path}`)));
      }
      // The filters opened on a phone.
      await page.goto(`${server.url}/buscar?q=pasaporte`);
      if (size === 'phone') await page.locator('.facets-toggle > summary').click();
      failures.push(...(await axeViolations(page, `${size} filters opened`)));
      await context.close();
    }
    expect(failures).toEqual([]);
  });

  it('shows the identity banner and the site name in the header', async () => {
    const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.url + '/');
    expect(await page.locator('header .identity-banner').textContent()).toMatch(/no es un portal oficial/);
    expect(await page.locator('header .brand').textContent()).toBe('Trámites El Salvador');
    expect(await page.title()).toBe('Trámites El Salvador');
    await context.close();
  });

  it('on a phone without JavaScript, puts the filters in one closed line before the results, which opens', async () => {
    const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/buscar?q=pasaporte`);
    const summary = page.locator('.facets-toggle > summary');
    const filterLink = page.getByRole('link', { name: /Solo trámites en línea/ });
    const firstResult = page.locator('main .cards a').first();
    expect(await summary.isVisible()).toBe(true);
    expect(await filterLink.isVisible()).toBe(false);
    expect(await page.locator('.facets-title').isVisible()).toBe(false);
    const summaryBox = (await summary.boundingBox())!;
    const resultBox = (await firstResult.boundingBox())!;
    expect(summaryBox.y).toBeLessThan(resultBox.y);
    // The results start on the first screen.
    expect(resultBox.y).toBeLessThan(PHONE.viewport.height);
    await summary.click();
    expect(await filterLink.isVisible()).toBe(true);
    await Promise.all([page.waitForURL(/en_linea=1/), filterLink.click()]);
    // A chosen filter leaves the block open, saying so.
    expect(await page.locator('.facets-toggle').getAttribute('open')).not.toBeNull();
    expect(await summary.textContent()).toContain('1 filtro aplicado');
    await context.close();
  });

  it('on a wide screen without JavaScript, shows the filters beside the results, open, under their heading', async () => {
    const context = await browser.newContext({ ...WIDE, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/buscar?q=pasaporte`);
    expect(await page.getByRole('heading', { name: 'Filtrar resultados', level: 2 }).isVisible()).toBe(true);
    expect(await page.locator('.facets-toggle > summary').isVisible()).toBe(false);
    const filterLink = page.getByRole('link', { name: /Solo trámites en línea/ });
    expect(await filterLink.isVisible()).toBe(true);
    const filterBox = (await filterLink.boundingBox())!;
    const resultBox = (await page.locator('main .cards a').first().boundingBox())!;
    expect(filterBox.x).toBeLessThan(resultBox.x);
    // Reachable from the keyboard like any link.
    await filterLink.focus();
    expect(await focused(page)).toMatch(/^a#/);
    await context.close();
  });

  for (const javaScriptEnabled of [false, true]) {
    const how = javaScriptEnabled ? 'with JavaScript' : 'without JavaScript';

    it(`${how}: fills the missing-procedure form with the search and moves focus to the thanks`, async () => {
      const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
      const page = await context.newPage();
      await page.goto(`${server.url}/buscar?q=${encodeURIComponent('permiso para perro')}`);
      const field = page.getByLabel('Trámite que buscaba');
      expect(await field.inputValue()).toBe('permiso para perro');
      await page.getByLabel('Más detalles (opcional)').fill('Para registrar a mi perro en la alcaldía');
      await Promise.all([page.waitForURL(/aviso=gracias#falta$/), page.getByRole('button', { name: 'Avisar que falta' }).click()]);
      await expect.poll(() => focused(page)).toMatch(/^p#falta\[status\]: Gracias\./);
      await context.close();
    });

    it(`${how}: after «¿Le fue útil?» the thanks takes focus and is a status message`, async () => {
      const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
      const page = await context.newPage();
      await page.goto(`${server.url}/tramites/prueba-emision-dui`);
      await Promise.all([page.waitForURL(/opinion=gracias.*#opinion$/), page.getByRole('button', { name: 'Sí', exact: true }).click()]);
      await expect.poll(() => focused(page)).toBe('p#opinion[status]: Gracias por su opinión.');
      // Tab goes on from the message to the next control, not from the top of the page.
      await page.keyboard.press('Tab');
      expect(await focused(page)).toMatch(/^button#/);
      // A wrong-entry report without text comes back as an error, focused too.
      await Promise.all([
        page.waitForURL(/opinion=error.*#opinion$/),
        page
          .getByRole('button', { name: /Enviar/ })
          .last()
          .click(),
      ]);
      await expect.poll(() => focused(page)).toMatch(/^p#opinion\[alert\]: Error:/);
      await context.close();
    });
  }
});
