import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brandingFromConfig, parseConfig } from '../../api/config.ts';
import type { Branding, PageLocals, RenderPage } from '../../api/env.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { addViews, HOME_STARTING_ORDER, listHomeProcedures } from '../../store/catalog/popularity.ts';
import { loadRenderPage } from '../../server.node.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp } from '../fixtures/web.ts';

const ORIGIN = 'http://localhost:4321';
const catalogDir = new URL('../../data/catalog/', import.meta.url);

/** Every slug of the seed catalog, read from data/catalog/*.json as the seed reads them. */
function seedSlugs(): Set<string> {
  const slugs = new Set<string>();
  for (const name of readdirSync(catalogDir).filter((file) => file.endsWith('.json'))) {
    for (const procedure of JSON.parse(readFileSync(new URL(name, catalogDir), 'utf8')) as { slug: string }[]) slugs.add(procedure.slug);
  }
  return slugs;
}

/** The procedure slugs a part of the page links to, in order. */
const linkedSlugs = (html: string) => [...html.matchAll(/href="\/tramites\/([a-z0-9-]+)"/g)].map((match) => match[1]);
const popularSection = (html: string) => /<section aria-labelledby="populares">(.*?)<\/section>/s.exec(html)?.[1] ?? '';
const idCount = (html: string, id: string) => html.split(`id="${id}"`).length - 1;
/** The markup without the inlined stylesheet (whose selectors name the same classes). */
const withoutStyles = (html: string) => html.replace(/<style>.*?<\/style>/gs, '');

describe('the starting order of «Trámites más consultados» (data/catalog-home.json)', () => {
  it('names only procedures of the seed catalog, each once', () => {
    const known = seedSlugs();
    expect(HOME_STARTING_ORDER.length).toBeGreaterThanOrEqual(8);
    expect(HOME_STARTING_ORDER.filter((slug) => !known.has(slug))).toEqual([]);
    expect(new Set(HOME_STARTING_ORDER).size).toBe(HOME_STARTING_ORDER.length);
  });

  describe('on the seed catalog', () => {
    let t: TestStore;
    let app: Awaited<ReturnType<typeof createTestWebApp>>;
    beforeAll(async () => {
      t = await createTestStore('seed');
      app = await createTestWebApp(t);
    });
    afterAll(() => t.cleanup());

    it('puts the DUI, the passport and the birth certificate first on a fresh install, not the alphabet', async () => {
      const html = await (await app.request('/')).text();
      expect(linkedSlugs(popularSection(html))).toEqual(HOME_STARTING_ORDER.slice(0, 8));
    });

    it('lets page views decide once there are some; the starting order only breaks ties', async () => {
      const id = async (slug: string) => Number((await t.store.db.execute({ sql: 'SELECT id FROM procedures WHERE slug = ?', args: [slug] })).rows[0].id);
      await addViews(
        t.store,
        new Map([
          [await id('registro-de-marca'), 5],
          [await id('isss-cita-medica'), 2],
        ]),
      );
      const slugs = (await listHomeProcedures(t.store.db, 8)).map((item) => item.slug);
      const rest = HOME_STARTING_ORDER.filter((slug) => slug !== 'isss-cita-medica');
      expect(slugs).toEqual(['registro-de-marca', 'isss-cita-medica', ...rest.slice(0, 6)]);
    });
  });

  it('fills the list alphabetically on a catalog without those procedures', async () => {
    const t = await createTestStore('fixture');
    try {
      const items = await listHomeProcedures(t.store.db, 8);
      expect(items.length).toBeGreaterThan(0);
      const titles = items.map((item) => item.title);
      expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b, 'es', { sensitivity: 'base' })));
      // A hand-picked order that names the fixtures is followed, unknown slugs skipped.
      const picked = await listHomeProcedures(t.store.db, 2, ['no-existe', 'prueba-pasaporte-renovacion']);
      expect(picked.map((item) => item.slug)[0]).toBe('prueba-pasaporte-renovacion');
      expect(picked).toHaveLength(2);
    } finally {
      t.cleanup();
    }
  });
});

describe('public pages on the fixture catalog', () => {
  let t: TestStore;
  let app: Awaited<ReturnType<typeof createTestWebApp>>;
  beforeAll(async () => {
    t = await createTestStore('fixture');
    app = await createTestWebApp(t, { remoteAddress: () => '198.51.100.20' });
  });
  afterAll(() => t.cleanup());
  const get = async (path: string) => withoutStyles(await (await app.request(`${ORIGIN}${path}`)).text());
  const post = (path: string, fields: Record<string, string>) =>
    app.request(`${ORIGIN}${path}`, { method: 'POST', body: new URLSearchParams(fields), headers: { 'Sec-Fetch-Site': 'same-origin' } });

  describe('/buscar', () => {
    it('puts the filters in a closed <details> before the results, with a heading for wide screens', async () => {
      const html = await get('/buscar?q=pasaporte');
      const details = html.indexOf('<details class="facets-toggle"');
      expect(details).toBeGreaterThan(-1);
      expect(details).toBeLessThan(html.indexOf('<ul class="cards">'));
      expect(html).toMatch(/<details class="facets-toggle">\s*<summary>Filtrar resultados<\/summary>/);
      expect(html).toContain('<h2 id="filtros" class="facets-title">Filtrar resultados</h2>');
      expect(html).toContain('<aside class="facets" aria-labelledby="filtros">');
      // The page's one h1 comes before the filters.
      expect(html.indexOf('<h1')).toBeLessThan(details);
    });

    it('opens the filters and says how many apply when one is chosen', async () => {
      const html = await get('/buscar?q=pasaporte&categoria=migracion-y-viajes');
      expect(html).toMatch(/<details class="facets-toggle" open>\s*<summary>Filtrar resultados \(1 filtro aplicado\)<\/summary>/);
    });

    it('fills the missing-procedure form with what she searched, as text', async () => {
      const none = await get(`/buscar?q=${encodeURIComponent('permiso "zz" <b>qq</b>')}`);
      expect(none).toContain('No encontramos trámites');
      // Inside a quoted attribute only the quote and & need escaping: Astro writes «<» as is.
      expect(none).toContain('<input id="falta-tramite" type="text" name="q" value="permiso &quot;zz&quot; <b>qq</b>" maxlength="200"');
      expect(none).toContain('<label for="falta-tramite">Trámite que buscaba</label>');
      expect(none.replace(/ value="[^"]*"/g, '')).not.toContain('<b>');
      expect(await get('/buscar?q=pasaporte')).toContain('name="q" value="pasaporte"');
    });

    it('sends the answer of the missing-procedure form to the message itself, which takes focus', async () => {
      const response = await post('/buscar/falta', { q: 'permiso para perro' });
      const location = response.headers.get('Location')!;
      expect(location).toMatch(/#falta$/);
      const html = await get(location.replace(/#.*/, ''));
      expect(idCount(html, 'falta')).toBe(1);
      expect(html).toMatch(/<p id="falta" class="notice" role="status" tabindex="-1">Gracias\./);
      const error = await get('/buscar?q=pasaporte&aviso=error');
      expect(idCount(error, 'falta')).toBe(1);
      expect(error).toMatch(/<p id="falta" class="notice alert" role="alert" tabindex="-1">/);
      // Without an answer the section is the target, and an unknown one changes nothing.
      for (const path of ['/buscar?q=pasaporte', '/buscar?q=pasaporte&aviso=otra']) {
        const plain = await get(path);
        expect(idCount(plain, 'falta'), path).toBe(1);
        expect(plain, path).toContain('<section id="falta"');
      }
    });
  });

  describe('the feedback forms', () => {
    it('send the thank-you to the message itself, announced and focusable, after post/redirect/get', async () => {
      const response = await post('/tramites/prueba-emision-dui/opinion', { kind: 'useful' });
      expect(response.status).toBe(303);
      const location = response.headers.get('Location')!;
      expect(location).toMatch(/#opinion$/);
      const html = await get(location.replace(/#.*/, ''));
      expect(idCount(html, 'opinion')).toBe(1);
      expect(html).toMatch(/<p id="opinion" class="notice" role="status" tabindex="-1">Gracias por su opinión\.<\/p>/);
      const error = await get('/tramites/prueba-emision-dui?opinion=error&campo=message');
      expect(idCount(error, 'opinion')).toBe(1);
      expect(error).toMatch(/<p id="opinion" class="notice alert" role="alert" tabindex="-1">/);
      const plain = await get('/tramites/prueba-emision-dui');
      expect(idCount(plain, 'opinion')).toBe(1);
      expect(plain).toContain('<section id="opinion"');
    });
  });
});

describe('branding per deployment (SITE_NAME, SITE_BANNER, SITE_FOOTER)', () => {
  it('reads the three variables once, as single-line text, and names the one that is too long', () => {
    expect(brandingFromConfig(parseConfig({}))).toEqual({});
    expect(
      brandingFromConfig(
        parseConfig({
          SITE_NAME: '  Portal   de\ttrámites\n',
          SITE_BANNER: 'Portal oficial del Gobierno de El Salvador',
          SITE_FOOTER: 'Ministerio\u0007 de prueba',
        }),
      ),
    ).toEqual({ siteName: 'Portal de trámites', banner: 'Portal oficial del Gobierno de El Salvador', footer: 'Ministerio de prueba' });
    // Set but empty: no banner (an empty name or footer keeps the default).
    expect(brandingFromConfig(parseConfig({ SITE_BANNER: '', SITE_NAME: ' ', SITE_FOOTER: '' }))).toEqual({ banner: '' });
    expect(() => parseConfig({ SITE_NAME: 'x'.repeat(61) })).toThrow(/SITE_NAME admite hasta 60 caracteres/);
    expect(() => parseConfig({ SITE_BANNER: 'x'.repeat(201) })).toThrow(/SITE_BANNER/);
  });

  describe('in the layout', () => {
    let t: TestStore;
    let renderPage: RenderPage;
    beforeAll(async () => {
      t = await createTestStore('fixture');
      renderPage = await loadRenderPage();
    });
    afterAll(() => t.cleanup());
    const render = async (path: string, branding?: Branding) => {
      const locals: PageLocals = { store: t.store, search: createEmbeddedSearch(t.store.db), publicBaseUrl: ORIGIN, branding };
      return withoutStyles(await (await renderPage(new Request(`${ORIGIN}${path}`), locals)).text());
    };

    it('says by default that this is not an official government site', async () => {
      const html = await render('/');
      expect(html).toContain('<title>Trámites El Salvador</title>');
      expect(html).toContain(
        '<div class="identity-banner"><p class="wrap">Sitio independiente de demostración: no es un portal oficial del Gobierno de El Salvador.</p></div>',
      );
      expect(html).toContain('<a class="brand" href="/">Trámites El Salvador</a>');
      expect(html).toContain('confirme requisitos y costos con la institución');
    });

    it("shows a deployment's name, banner and footer, escaped as text", async () => {
      const branding = { siteName: 'Portal <script>alert(1)</script>', banner: 'Portal oficial & "de prueba"', footer: '<b>Ministerio</b> de prueba' };
      const home = await render('/', branding);
      expect(home).toContain('<title>Portal &lt;script&gt;alert(1)&lt;/script&gt;</title>');
      expect(home).toContain('<a class="brand" href="/">Portal &lt;script&gt;alert(1)&lt;/script&gt;</a>');
      expect(home).toContain('<p class="wrap">Portal oficial &amp; &quot;de prueba&quot;</p>');
      expect(home).toContain('<p>&lt;b&gt;Ministerio&lt;/b&gt; de prueba</p>');
      expect(home).not.toContain('<script>alert(1)');
      expect(home).not.toContain('no es un portal oficial');
      const page = await render('/categorias', branding);
      expect(page).toMatch(/<title>[^<]+ \| Portal &lt;script&gt;/);
      // Sensitive pages keep their neutral title, with the deployment's name.
      expect(await render('/198', { siteName: 'Portal de trámites' })).toContain('<title>Ayuda | Portal de trámites</title>');
    });

    it('shows no banner when SITE_BANNER is set empty', async () => {
      const html = await render('/', { banner: '' });
      expect(html).not.toContain('identity-banner');
    });
  });
});
