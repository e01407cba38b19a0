import { systemActor } from '../../store/policy.ts';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLog } from '../../api/errors.ts';
import { createWebApp } from '../../api/web-app.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { loadRenderPage } from '../../server.node.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
let app: ReturnType<typeof createWebApp>;

beforeAll(async () => {
  t = await createTestStore('fixture');
  const tricky = { ...fixtureProcedures()[0], slug: 'prueba-escape', title: 'Trámite <b>con</b> "marcas" & más', keywords: ['escape'] };
  await importCatalog(t.store, asRows([tricky]), { actor: systemActor('cli'), source: 'test' });
  app = createWebApp({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, renderPage: await loadRenderPage() });
});
afterAll(() => t.cleanup());

async function page(path: string, init?: RequestInit) {
  const response = await app.request(path, init);
  return { status: response.status, html: await response.text(), headers: response.headers };
}

describe('site pages', () => {
  it('home: a search box, quick help and themes with counts', async () => {
    const { status, html } = await page('/');
    expect(status).toBe(200);
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('action="/buscar"');
    expect(html).toMatch(/href="\/198"/);
    expect(html).toMatch(/href="\/emergencia"/);
    expect(html).toMatch(/href="\/denuncia"/);
    expect(html).toMatch(/Identidad y documentos<\/strong><span>2 trámites<\/span>/);
    expect(html).toMatch(/Migración y viajes<\/strong><span>1 trámite<\/span>/);
    expect(html).toContain('class="skip-link" href="#contenido"');
  });

  it('procedure page: every section with content, online link, cost, date and JSON-LD', async () => {
    const { status, html, headers } = await page('/tramites/prueba-pasaporte-renovacion');
    expect(status).toBe(200);
    expect(html).toContain('Hacer el trámite en línea');
    expect(html).toContain('href="https://www.migracion.gob.sv"');
    expect(html).toContain('$25');
    expect(html).toContain('Pago en banco autorizado');
    expect(html).toMatch(/Última actualización.*10 de abril de 2026/s);
    expect(html).toContain('type="checkbox"');
    expect(html).toContain('Santa Ana Centro');
    const jsonLd = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)![1]);
    expect(jsonLd['@type']).toBe('GovernmentService');
    expect(jsonLd.provider.name).toBe('Dirección General de Migración y Extranjería');
    expect(headers.get('ETag')).toBeTruthy();
    expect(html).not.toMatch(/<script(?![^>]*application\/ld\+json)[^>]*>/);
  });

  it('procedure page: «Gratuito» when the cost is 0, phone as a link', async () => {
    const { html } = await page('/tramites/prueba-emision-dui');
    expect(html).toContain('Gratuito');
    expect(html).toContain('href="tel:25219300"');
  });

  it('answers a repeat view with 304', async () => {
    const first = await page('/tramites/prueba-emision-dui');
    const etag = first.headers.get('ETag')!;
    const second = await app.request('/tramites/prueba-emision-dui', { headers: { 'If-None-Match': etag } });
    expect(second.status).toBe(304);
    expect(await second.text()).toBe('');
  });

  it('stays under 30 KB of gzipped HTML and CSS, with no required JavaScript', async () => {
    const { html } = await page('/tramites/prueba-pasaporte-renovacion');
    expect(gzipSync(html).length).toBeLessThan(30 * 1024);
    expect(html).not.toMatch(/<link[^>]+stylesheet/);
  });

  it('escapes text that looks like HTML', async () => {
    const { html } = await page('/tramites/prueba-escape');
    expect(html).toContain('Trámite &lt;b&gt;con&lt;/b&gt;');
    expect(html).not.toContain('<b>con</b>');
    const search = await page(`/buscar?q=${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
    expect(search.html).toContain('«&lt;img src=x onerror=alert(1)&gt;»');
    // Inside an attribute value Astro escapes the quote, so «<» there is inert text.
    expect(search.html.replace(/value="[^"]*"/g, '')).not.toContain('<img');
  });

  it('unknown procedure: the 404 page with a search box', async () => {
    const { status, html } = await page('/tramites/no-existe');
    expect(status).toBe(404);
    expect(html).toContain('No encontramos esta página');
    expect(html).toContain('action="/buscar"');
    expect((await page('/no/existe/nada')).status).toBe(404);
  });

  it('theme and institution pages list their procedures', async () => {
    const theme = await page('/categorias/identidad');
    expect(theme.status).toBe(200);
    expect(theme.html).toContain('/tramites/prueba-emision-dui');
    const institution = await page('/instituciones/dgme');
    expect(institution.status).toBe(200);
    expect(institution.html).toContain('/tramites/prueba-pasaporte-renovacion');
    expect((await page('/categorias/no-existe')).status).toBe(404);
    expect((await page('/categorias/identidad?pagina=99')).status).toBe(404);
    expect((await page('/categorias')).html).toContain('/categorias/identidad');
    expect((await page('/instituciones')).html).toContain('/instituciones/rnpn');
  });

  it('/buscar works as a plain form: results, facets as links, pagination, Spanish errors', async () => {
    const found = await page('/buscar?q=pasaporte');
    expect(found.status).toBe(200);
    expect(found.html).toContain('/tramites/prueba-pasaporte-renovacion');
    expect(found.html).toContain('href="/buscar?q=pasaporte&amp;categoria=migracion-y-viajes"');
    const none = await page('/buscar?q=zzzzqqq');
    expect(none.html).toContain('No encontramos trámites para «zzzzqqq»');
    const bad = await page('/buscar?q=dui&pagina=abc');
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('número de página');
  });

  it('serves a sitemap of every published procedure', async () => {
    const { status, html, headers } = await page('/sitemap.xml');
    expect(status).toBe(200);
    expect(headers.get('Content-Type')).toContain('application/xml');
    expect(html).toContain('/tramites/prueba-emision-dui</loc><lastmod>2026-03-01</lastmod>');
  });

  it('serves the help pages', async () => {
    for (const path of ['/198', '/emergencia', '/denuncia']) {
      const { status, html } = await page(path);
      expect(status, path).toBe(200);
      expect(html, path).toContain('tel:911');
    }
  });

  it('sends privacy and security headers', async () => {
    const { headers } = await page('/');
    expect(headers.get('Referrer-Policy')).toBe('same-origin');
    expect(headers.get('Content-Security-Policy')).toContain("script-src 'self'");
    expect(headers.get('X-Content-Type-Options')).toBe('nosniff');
  });
});
