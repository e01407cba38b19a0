import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { consoleLog } from '../../api/errors.ts';
import { listen, type RunningServer } from '../../server.node.ts';
import { createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';
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
    const row = await t.store.db.execute('SELECT slug FROM procedures WHERE online = 1 AND document LIKE \'%"offices":[{%\' LIMIT 1');
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
    ['checklist to print', `/tramites/${procedureSlug}/lista`],
    ['a service of every alcaldía (district picker)', '/tramites/partida-nacimiento-certificada-alcaldia'],
    ['the alcaldía of a chosen district', '/tramites/partida-nacimiento-certificada-alcaldia?distrito=050602'],
    ['themes', '/categorias'],
    ['theme', '/categorias/identidad'],
    ['institutions', '/instituciones'],
    ['institution', '/instituciones/rnpn'],
    ['not found', '/tramites/no-existe'],
    ['198', '/198'],
    ['emergency', '/emergencia'],
    ['complaint', '/denuncia'],
    ['about', '/acerca'],
    ['privacy', '/privacidad'],
    ['accessibility', '/accesibilidad'],
    ['contact', '/contacto'],
    ['site map', '/mapa-del-sitio'],
    ['transparency', '/transparencia'],
    ['transparency with a bad filter (400)', '/transparencia?desde=2026-13-01&institucion=no-existe'],
    ['open data', '/datos'],
  ];

  it('loads every page type with no axe violations (WCAG 2.2 AA)', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const failures: string[] = [];
    for (const [name, path] of pages()) {
      const response = await page.goto(server.url + path);
      expect(response?.status(), name).toBe(name === 'not found' ? 404 : name.endsWith('(400)') ? 400 : 200);
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

  it('shows results as you type as an ARIA combobox, usable from the keyboard', async () => {
    // CSP bypassed only so axe can be injected below; the page's own script is loaded as a file either way.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.goto(server.url + '/');
    const input = page.getByRole('combobox', { name: '¿Qué trámite necesita?' });
    await input.pressSequentially('pasap', { delay: 30 });
    const listbox = page.getByRole('listbox', { name: 'Trámites sugeridos' });
    await expect.poll(() => listbox.isVisible(), { timeout: 5000 }).toBe(true);
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    expect(await page.getByRole('status').textContent()).toMatch(/trámites encontrados/);
    await input.press('ArrowDown');
    const active = await input.getAttribute('aria-activedescendant');
    expect(active).toBeTruthy();
    expect(await page.locator(`[id="${active}"]`).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator(`[id="${active}"]`).textContent()).toMatch(/pasaporte/i);

    // The open list passes axe too.
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(
      async (tags) => (await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } })).violations.map((v: any) => v.id),
      WCAG_TAGS,
    );
    expect(violations).toEqual([]);

    await input.press('Escape');
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    await input.press('ArrowDown');
    await expect.poll(() => input.getAttribute('aria-expanded')).toBe('true');
    await input.press('ArrowDown');
    await Promise.all([page.waitForURL(/\/tramites\//), input.press('Enter')]);
    expect(await page.locator('h1').textContent()).toMatch(/pasaporte/i);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the 911 and 198 help above the suggestions when what she types reads like danger, announced and axe-clean', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(server.url + '/');
    const input = page.getByRole('combobox', { name: '¿Qué trámite necesita?' });
    await input.pressSequentially('mi esposo me golpea', { delay: 20 });
    const help = page.locator('.danger-help[role="alert"]');
    await expect.poll(() => help.isVisible(), { timeout: 5000 }).toBe(true);
    expect(await help.textContent()).toMatch(/198/);
    expect(await help.locator('a[href^="tel:"]').count()).toBeGreaterThan(0);
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(
      async (tags) => (await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } })).violations.map((v: any) => v.id),
      WCAG_TAGS,
    );
    expect(violations).toEqual([]);
    // Typing something else takes it away.
    await input.fill('');
    await input.pressSequentially('pasaporte', { delay: 20 });
    await expect.poll(() => help.isVisible(), { timeout: 5000 }).toBe(false);
    await context.close();
  });

  it("runs the officers' workspace in the browser with no axe violations", async () => {
    const { createPerson } = await import('../../store/people/people.ts');
    const { oneTimePassword } = await createPerson(t.store, { email: 'oficial-e2e@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, null, {
      iterations: 1000,
    });
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const failures: string[] = [];
    const check = async (name: string) => {
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(
        async (tags) =>
          (await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } })).violations.map(
            (v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`,
          ),
        WCAG_TAGS,
      );
      for (const violation of violations) failures.push(`${name} — ${violation}`);
    };
    await page.goto(`${server.url}/admin`);
    expect(page.url()).toContain('/admin/entrar');
    await page.getByLabel('Correo').fill('oficial-e2e@rnpn.gob.sv');
    await page.getByLabel('Contraseña').fill('equivocada');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.waitForSelector('.error-summary');
    await expect.poll(() => page.evaluate(() => document.activeElement?.className)).toContain('error-summary');
    await check('entrar con error');
    await page.getByLabel('Contraseña').fill(oneTimePassword);
    await Promise.all([page.waitForURL(/\/admin\/clave/), page.getByRole('button', { name: 'Entrar' }).click()]);
    await check('clave');
    await page.getByLabel('Contraseña de un solo uso').fill(oneTimePassword);
    await page.getByLabel('Contraseña nueva', { exact: true }).fill('cometa-arroyo-violeta-doce');
    await page.getByLabel('Repita la contraseña nueva').fill('cometa-arroyo-violeta-doce');
    await Promise.all([page.waitForURL(/\/admin\?aviso=clave/), page.getByRole('button', { name: 'Guardar contraseña' }).click()]);
    await check('mis trámites');
    const slug = String(
      (await t.store.db.execute("SELECT p.slug FROM procedures p JOIN institutions i ON i.id = p.institution_id WHERE i.slug = 'rnpn' LIMIT 1")).rows[0].slug,
    );
    // A bulk import's proposals for the drafts page: a change to a published entry and a new one
    // (its summary kept within the 600 characters allowed, whatever the seed entry's length).
    const { importCatalog } = await import('../../store/catalog/import.ts');
    const { getPublishedProcedure } = await import('../../store/catalog/procedures.ts');
    const { systemActor } = await import('../../store/policy.ts');
    // Dated by the test's clock, whatever the seed entry says (the seed may be newer than it).
    const { verified_at: _verified, ...stored } = (await getPublishedProcedure(t.store.db, slug))!.document;
    const current = { ...stored, updated_at: TEST_NOW.slice(0, 10) };
    const proposals = await importCatalog(
      t.store,
      [
        { row: 1, line: 1, value: { ...current, summary: `Propuesta de la exportación masiva. ${current.summary}`.slice(0, 600) } },
        { row: 2, line: 2, value: { ...current, slug: 'borrador-e2e', title: 'Borrador de prueba para revisar', source_id: 'e2e-1' } },
      ],
      { actor: systemActor('cli'), source: 'e2e', asDrafts: true },
    );
    expect(proposals.issues).toEqual([]);
    expect(proposals.drafts).toEqual({ created: 1, proposed: 1 });
    const { buildWeeklyReports } = await import('../../store/transparency/weekly.ts');
    await buildWeeklyReports(t.store);
    const weekly = Number((await t.store.db.execute('SELECT id FROM weekly_reports WHERE institution_id = 0 LIMIT 1')).rows[0].id);
    for (const path of [
      `/admin/tramites/${slug}`,
      `/admin/tramites/${slug}/historial`,
      '/admin/opiniones',
      '/admin/importar',
      '/admin/nuevo-tramite',
      '/admin/informes',
      `/admin/informes/${weekly}`,
      '/admin/borradores',
      '/admin/instituciones/rnpn',
    ]) {
      await page.goto(server.url + path);
      await check(path);
    }
    await page.goto(`${server.url}/admin/tramites/${slug}`);
    await page.getByLabel('Título').fill('');
    await page.getByRole('button', { name: 'Publicar' }).click();
    await page.waitForSelector('.error-summary');
    await expect.poll(() => page.evaluate(() => document.activeElement?.className)).toContain('error-summary');
    await check('edición con errores');
    await context.close();
    expect(failures).toEqual([]);
  });

  it('runs the administration pages with no axe violations', async () => {
    const { createPerson } = await import('../../store/people/people.ts');
    const { oneTimePassword } = await createPerson(t.store, { email: 'admin-e2e@portal.test', role: 'admin' }, null, { iterations: 1000 });
    await t.store.batch(["UPDATE people SET must_change_password = 0 WHERE email = 'admin-e2e@portal.test'"]);
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/entrar`);
    await page.getByLabel('Correo').fill('admin-e2e@portal.test');
    await page.getByLabel('Contraseña').fill(oneTimePassword);
    await Promise.all([page.waitForURL(/\/admin$/), page.getByRole('button', { name: 'Entrar' }).click()]);
    const failures: string[] = [];
    for (const path of ['/admin', '/admin/instituciones', '/admin/temas', '/admin/personas', '/admin/tokens']) {
      await page.goto(server.url + path);
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(
        async (tags) =>
          (await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } })).violations.map(
            (v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`,
          ),
        WCAG_TAGS,
      );
      for (const violation of violations) failures.push(`${path} — ${violation}`);
    }
    await context.close();
    expect(failures).toEqual([]);
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
