import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { consoleLog } from '../../api/errors.ts';
import { getPublicReport } from '../../store/reports/reports.ts';
import { listen, type RunningServer } from '../../server.node.ts';
import { FAST_ITERATIONS } from '../fixtures/web.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { chromiumPath, launchChromium } from './browser.ts';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const STORY = 'En la ventanilla me dijeron que volviera mañana tres veces seguidas y nunca me atendieron.';

describe.skipIf(!chromiumPath)('reports in Chromium: /denuncia and /seguimiento', () => {
  let t: TestStore;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestStore('seed');
    server = await listen({ store: t.store, log: consoleLog, port: 0, host: '127.0.0.1', passwordIterations: FAST_ITERATIONS, jobSpeed: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    t?.cleanup();
  });

  /** Presses Tab until the element matching `selector` has focus (the keyboard is all she uses). */
  async function tabTo(page: Page, selector: string, max = 120): Promise<void> {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    }
    throw new Error(`Tab never reached ${selector}`);
  }

  const focused = (page: Page) => page.evaluate(() => document.activeElement?.className ?? '');
  const trackingCode = (page: Page) => page.locator('.tracking-code [aria-hidden="true"]').textContent();

  async function axe(page: Page): Promise<string[]> {
    await page.addScriptTag({ content: axeSource });
    return page.evaluate(async (tags) => {
      const result = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
    }, WCAG_TAGS);
  }

  it('files a complaint with the keyboard only, shows the code, and follows it at /seguimiento', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/denuncia`);
    await tabTo(page, 'a[href="/denuncia?tipo=queja"]');
    await Promise.all([page.waitForURL(/\/denuncia\?tipo=queja$/), page.keyboard.press('Enter')]);

    await tabTo(page, '#campo-description');
    await page.keyboard.type(STORY);
    expect(await page.locator('[data-counter]').textContent()).toMatch(/Quedan [\d,]+ caracteres/);
    await tabTo(page, '#campo-department');
    // A closed select changes with the arrows; the municipality list then keeps only that department's.
    await page.keyboard.press('ArrowDown');
    const department = await page.locator('#campo-department').inputValue();
    expect(department).not.toBe('');
    const groups = await page.locator('#campo-municipality optgroup').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-parent')));
    expect(new Set(groups)).toEqual(new Set([department]));
    await tabTo(page, 'button[type="submit"].button:not(.secondary)');
    expect(await page.locator(':focus').textContent()).toBe('Enviar');
    await Promise.all([page.waitForURL(/\/denuncia\/recibida$/), page.keyboard.press('Enter')]);

    const code = (await trackingCode(page))!;
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
    expect(page.url()).not.toContain(code.replace(/-/g, ''));
    expect((await getPublicReport(t.store, code))?.kind).toBe('complaint');
    // A reload shows it again (the code is in a sealed cookie, not in the address).
    await page.reload();
    expect(await trackingCode(page)).toBe(code);

    await tabTo(page, 'a.button[href="/seguimiento"]');
    await Promise.all([page.waitForURL(/\/seguimiento$/), page.keyboard.press('Enter')]);
    await tabTo(page, '#campo-codigo');
    await page.keyboard.type(code.toLowerCase());
    await Promise.all([page.waitForURL(/\/seguimiento\/caso$/), page.keyboard.press('Enter')]);
    expect(await page.locator('h1').textContent()).toBe('Queja por un servicio público');
    expect(await page.locator('dd.code').textContent()).toBe(code);
    expect(await page.locator('.timeline').textContent()).toContain('Recibimos su caso.');

    // She answers, with the keyboard too.
    await tabTo(page, '#campo-message');
    await page.keyboard.type('Hoy volví y sigue igual.');
    await tabTo(page, 'form[action="/seguimiento/caso/mensaje"] button');
    await Promise.all([page.waitForURL(/hecho=mensaje/), page.keyboard.press('Enter')]);
    expect(await page.locator('.timeline').textContent()).toContain('Hoy volví y sigue igual.');
    await context.close();
  });

  it('works with JavaScript disabled: the procedure search, errors that take focus, the code and the case', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/denuncia?tipo=requisito`);
    // No JavaScript: «Usar mi ubicación» is not offered, the counter is not drawn.
    expect(await page.locator('[data-locate]').isVisible()).toBe(false);

    // Sent empty: the error summary comes back focused, each field says what to fix.
    await Promise.all([page.waitForURL(/tipo=requisito/), page.getByRole('button', { name: 'Enviar' }).click()]);
    expect(await focused(page)).toContain('error-summary');
    expect(await page.locator('.error-summary').textContent()).toContain('Elija el trámite en el que le pidieron el requisito.');
    expect(await page.locator('#campo-description-error').textContent()).toContain('Cuente con al menos 10 caracteres');

    await page.getByLabel('Buscar el trámite').fill('licencia');
    await Promise.all([page.waitForURL(/tramite_q=licencia/), page.getByRole('button', { name: 'Buscar el trámite' }).click()]);
    const first = page.locator('input[name="procedure"]').first();
    expect(await page.locator('input[name="procedure"]').count()).toBeGreaterThan(0);
    await first.check();
    const slug = await first.inputValue();
    await page.getByLabel('¿Qué pasó? (obligatorio)').fill(STORY);
    await page.getByLabel('Departamento').selectOption({ label: 'San Salvador' });
    await page.getByLabel('Municipio').selectOption({ label: 'San Salvador Centro' });
    await page.getByLabel('Distrito').selectOption({ label: 'Mejicanos' });
    await page.getByLabel('Correo electrónico').check();
    await page.getByLabel('Su usuario de Telegram, número de teléfono o correo').fill('vecina@correo.test');
    await Promise.all([page.waitForURL(/\/denuncia\/recibida$/), page.getByRole('button', { name: 'Enviar' }).click()]);
    const code = (await trackingCode(page))!;
    const report = await getPublicReport(t.store, code);
    expect(report?.kind).toBe('missing_requirement');
    expect(report?.procedure?.slug).toBe(slug);
    expect(report?.contactChannel).toBe('email');

    await page.goto(`${server.url}/seguimiento`);
    await page.getByLabel('Código de seguimiento').fill(code);
    await Promise.all([page.waitForURL(/\/seguimiento\/caso$/), page.getByRole('button', { name: 'Ver mi caso' }).click()]);
    expect(await page.locator('h1').textContent()).toBe('Me pidieron un requisito que no está en el catálogo');
    await Promise.all([page.waitForURL(/contacto-borrado/), page.getByRole('button', { name: 'Borrar mis datos de contacto' }).click()]);
    expect((await getPublicReport(t.store, code))?.hasContact).toBe(false);
    await Promise.all([page.waitForURL(/hecho=retirado/), page.getByRole('button', { name: 'Retirar mi caso' }).click()]);
    await Promise.all([page.waitForURL(/hecho=salida/), page.getByRole('button', { name: 'Salir', exact: true }).click()]);
    await page.goto(`${server.url}/seguimiento/caso`);
    expect(page.url()).toMatch(/\/seguimiento\?error=caducado$/);
    await context.close();
  });

  it('with JavaScript, «Buscar el trámite» answers in place and keeps what she wrote', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/denuncia?tipo=queja`);
    await page.getByLabel('¿Qué pasó? (obligatorio)').fill(STORY);
    await page.getByLabel('Buscar el trámite').fill('pasaporte');
    await page.getByRole('button', { name: 'Buscar el trámite' }).click();
    await expect.poll(() => page.locator('input[name="procedure"]').count()).toBeGreaterThan(1);
    expect(page.url()).toMatch(/\?tipo=queja$/);
    expect(await page.getByLabel('¿Qué pasó? (obligatorio)').inputValue()).toBe(STORY);
    expect(await page.locator('[data-procedure-status]').textContent()).toMatch(/encontrados para «pasaporte»/);
    expect(await page.locator('#campo-procedure').count()).toBe(1);
    await context.close();
  });

  it('has no axe violations (WCAG 2.2 AA) on any report page, errors included', async () => {
    // CSP bypassed only so axe can be injected; the pages' own scripts load as files either way.
    const context: BrowserContext = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const failures: string[] = [];
    const check = async (name: string) => {
      for (const violation of await axe(page)) failures.push(`${name} (${new URL(page.url()).pathname}) — ${violation}`);
    };
    await page.goto(`${server.url}/denuncia`);
    await check('choose');
    await page.goto(`${server.url}/denuncia?tipo=violencia`);
    await check('violence form');
    await page.goto(`${server.url}/denuncia?tipo=queja&tramite_q=licencia`);
    await check('procedure search');
    await page.getByLabel('¿Qué pasó? (obligatorio)').fill('corto');
    await page.getByLabel('Mensaje de texto (SMS)').check();
    await Promise.all([page.waitForURL(/tipo=queja/), page.getByRole('button', { name: 'Enviar' }).click()]);
    expect(await page.locator('.error-summary').count()).toBe(1);
    await check('form with errors');
    await page.getByLabel('¿Qué pasó? (obligatorio)').fill(STORY);
    await page.getByLabel('No, gracias: seguiré el caso con mi código').check();
    await Promise.all([page.waitForURL(/\/denuncia\/recibida$/), page.getByRole('button', { name: 'Enviar' }).click()]);
    await check('received');
    const code = (await trackingCode(page))!;
    await page.goto(`${server.url}/seguimiento`);
    await check('follow-up');
    await page.getByLabel('Código de seguimiento').fill('0000-0000-0000-00');
    await Promise.all([page.waitForURL(/error=no-encontrado/), page.getByRole('button', { name: 'Ver mi caso' }).click()]);
    expect(await focused(page)).toContain('error-summary');
    await check('follow-up with an error');
    await page.getByLabel('Código de seguimiento').fill(code);
    await Promise.all([page.waitForURL(/\/seguimiento\/caso$/), page.getByRole('button', { name: 'Ver mi caso' }).click()]);
    await check('case');
    await context.close();
    expect(failures).toEqual([]);
  });
});
