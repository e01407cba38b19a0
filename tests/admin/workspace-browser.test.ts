import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { consoleLog } from '../../api/errors.ts';
import { createPerson } from '../../store/people/people.ts';
import { listen, type RunningServer } from '../../server.node.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { FAST_ITERATIONS } from '../fixtures/web.ts';
import { chromiumPath, launchChromium } from '../e2e/browser.ts';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const OFFICER = 'oficial-navegador@rnpn.gob.sv';

/** The officers' catalog pages in a real browser: on a 360 px phone, with and without JavaScript. */
describe.skipIf(!chromiumPath)("the officers' catalog workspace in Chromium", () => {
  let t: TestStore;
  let server: RunningServer;
  let browser: Browser;
  let password = '';

  beforeAll(async () => {
    t = await createTestStore('fixture');
    server = await listen({ store: t.store, log: consoleLog, port: 0, host: '127.0.0.1', jobSpeed: 0, passwordIterations: FAST_ITERATIONS });
    browser = await launchChromium();
    password = (
      await createPerson(t.store, { email: OFFICER, name: 'Ana Martínez', role: 'officer', institutionSlug: 'rnpn' }, null, { iterations: FAST_ITERATIONS })
    ).oneTimePassword;
    await t.store.batch([
      'UPDATE people SET must_change_password = 0',
      "INSERT INTO feedback (procedure_id, kind, part, message) SELECT id, 'not_like_this', 'costo', 'Ya no es gratis' FROM procedures WHERE slug = 'prueba-emision-dui'",
      "INSERT INTO feedback (procedure_id, kind) SELECT id, 'want_online' FROM procedures WHERE slug = 'prueba-emision-dui'",
      // Dates already passed, so the editor's «Fechas que ya pasaron» box is checked too.
      "UPDATE procedures SET document = json_insert(document, '$.steps[#]', 'Pida cita hasta el 31 de agosto de 2026, cuando cierra la agenda especial que el RNPN anunció en marzo de 2026 para quienes viven lejos de un Duicentro', '$.steps[#]', 'Desde el 24 de diciembre de 2024 rige una ley nueva') WHERE slug = 'prueba-emision-dui'",
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    t?.cleanup();
  });

  async function signedIn(options: { bypassCSP?: boolean; javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {}) {
    const context: BrowserContext = await browser.newContext(options);
    const page: Page = await context.newPage();
    await page.goto(`${server.url}/admin/entrar`);
    await page.getByLabel('Correo').fill(OFFICER);
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

  it('fits a 360 px screen without sideways scrolling and passes axe, verify and undo included', async () => {
    const { context, page } = await signedIn({ bypassCSP: true, viewport: { width: 360, height: 740 } });
    const failures: string[] = [];
    const check = async (name: string) => {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) failures.push(`${name}: ${overflow} px wider than the screen`);
      for (const violation of await axeViolations(page)) failures.push(`${name} — ${violation}`);
    };
    await check('Mis trámites');
    await Promise.all([page.waitForURL(/aviso=verificado/), page.getByRole('button', { name: /^Verificado hoy.*Emisión de prueba del DUI/ }).click()]);
    await check('after «Verificado hoy»');
    await Promise.all([page.waitForURL(/aviso=verificacion-deshecha/), page.getByRole('button', { name: /^Deshacer/ }).click()]);
    await check('after undo');
    await page.goto(`${server.url}/admin?q=dui`);
    await check('filtered');
    await page.goto(`${server.url}/admin/tramites/prueba-emision-dui`);
    expect(await page.getByRole('heading', { name: 'Fechas que ya pasaron' }).count()).toBe(1);
    await page.getByText('Otras fechas ya pasadas').click();
    await check('editor, dates box open');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Vista previa' }).click()]);
    await expect.poll(() => page.getByRole('heading', { name: 'Vista previa (aún no publicada)' }).count()).toBe(1);
    await check('preview');
    await page.goto(`${server.url}/admin/opiniones`);
    await check('feedback');
    await page.goto(`${server.url}/admin/tramites/prueba-emision-dui/historial`);
    await check('history');
    await context.close();
    expect(failures).toEqual([]);
  });

  it('shows each checkbox on the line of its label', async () => {
    const { context, page } = await signedIn({ viewport: { width: 360, height: 740 } });
    await page.goto(`${server.url}/admin/tramites/prueba-emision-dui`);
    const box = await page.getByRole('checkbox', { name: 'En oficina' }).boundingBox();
    const text = await page.locator('label.choice', { hasText: 'En oficina' }).locator('span').boundingBox();
    expect(box && text).toBeTruthy();
    expect(Math.abs(box!.y + box!.height / 2 - (text!.y + text!.height / 2))).toBeLessThan(8);
    expect(box!.x).toBeLessThan(text!.x);
    expect(box!.width).toBeLessThan(40);
    await context.close();
  });

  it('adds an office and publishes it with JavaScript disabled', async () => {
    const { context, page } = await signedIn({ javaScriptEnabled: false });
    await page.goto(`${server.url}/admin/tramites/prueba-emision-dui`);
    await expect.poll(() => page.getByRole('group', { name: /^Oficina \d$/ }).count()).toBe(2);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Agregar otra oficina' }).click()]);
    await expect.poll(() => page.getByRole('group', { name: /^Oficina \d$/ }).count()).toBe(3);
    const second = page.getByRole('group', { name: 'Oficina 2' });
    await second.getByLabel('Nombre de la oficina').fill('Duicentro de Santa Tecla');
    await second.getByLabel('Departamento').fill('La Libertad');
    await second.getByLabel('Municipio').fill('La Libertad Sur');
    await second.getByLabel('Distrito').fill('Santa Tecla');
    await second.getByLabel('Costo en esta oficina (opcional)').fill('Gratuito');
    await page.getByLabel('Nota del cambio').fill('Se agregó el Duicentro de Santa Tecla');
    await Promise.all([page.waitForURL(/aviso=publicado/), page.getByRole('button', { name: 'Publicar' }).click()]);
    const stored = JSON.parse(String((await t.store.db.execute("SELECT document FROM procedures WHERE slug = 'prueba-emision-dui'")).rows[0].document));
    expect(stored.offices.map((office: { name: string }) => office.name)).toEqual(['Duicentro de prueba', 'Duicentro de Santa Tecla']);
    expect(stored.offices[1]).toMatchObject({ district: 'Santa Tecla', fee: 'Gratuito' });
    await context.close();
  });
});
