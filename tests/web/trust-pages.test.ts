import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_COOKIE } from '../../api/bot/web-chat.ts';
import { consoleLog } from '../../api/errors.ts';
import { RATE_LIMITS } from '../../api/rate-limit.ts';
import { CASE_COOKIE, NOTICE_COOKIE } from '../../api/reports/citizen-cookies.ts';
import { createWebApp } from '../../api/web-app.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { loadRenderPage } from '../../server.node.ts';
import { countProcedures, t as text } from '../../site/i18n/t.ts';
import { CONVERSATION_IDLE_MS, DELETABLE_FOR_MS, UPDATE_MEMORY_MS } from '../../store/bot/conversations.ts';
import { listCategories, listInstitutions } from '../../store/catalog/procedures.ts';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../../store/people/sessions.ts';
import { DEFAULT_CONTACT_RETENTION_DAYS } from '../../store/reports/handling.ts';
import { KEEP_DAYS as SEARCH_COUNT_DAYS } from '../../store/search-analytics/analytics.ts';
import { MIN_PUBLISHED_COUNT } from '../../store/transparency/disclosure.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

// The pages a citizen trusts the site by: /acerca, /privacidad, /accesibilidad, /contacto and
// /mapa-del-sitio, linked from every footer. The privacy figures are checked against the constants
// the code keeps data by, so the page and the code cannot drift apart.

let t: TestStore;
let app: ReturnType<typeof createWebApp>;

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = createWebApp({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, renderPage: await loadRenderPage() });
});
afterAll(() => t.cleanup());

async function page(path: string) {
  const response = await app.request(path);
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** Text as a person reads it: tags dropped, entities decoded, spaces collapsed. */
function readable(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#(x27|39);/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

const main = (html: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(html)![1];
const footer = (html: string) => /<footer class="site-footer">([\s\S]*?)<\/footer>/.exec(html)![1];

const TRUST_PAGES = [
  ['/acerca', text('trust.about.title')],
  ['/privacidad', text('trust.privacy.title')],
  ['/accesibilidad', text('trust.a11y.title')],
  ['/contacto', text('trust.contact.title')],
  ['/mapa-del-sitio', text('trust.sitemap.title')],
] as const;

describe('trust pages', () => {
  it('each answers 200 with one h1 of its own, cacheable, with nothing loaded from another site', async () => {
    for (const [path, title] of TRUST_PAGES) {
      const { status, html, headers } = await page(path);
      expect(status, path).toBe(200);
      const headings = [...html.matchAll(/<h1[^>]*>([\s\S]*?)<\/h1>/g)].map((match) => readable(match[1]));
      expect(headings, path).toEqual([title]);
      expect(html, path).toContain(`<link rel="canonical" href="http://localhost:4321${path}"`);
      expect(headers.get('Cache-Control'), path).toContain('public');
      // Not a sensitive page: its real title shows in the tab.
      expect(html, path).toContain(`<title>${title} | ${text('site.name')}</title>`);
      expect(html, path).not.toMatch(/\ssrc="(https?:)?\/\//);
      expect(html, path).not.toMatch(/<link(?![^>]*rel="canonical")[^>]*href="(https?:)?\/\//);
      expect(html, path).not.toMatch(/<script(?![^>]*application\/ld\+json)[^>]*>/);
    }
  });

  it('links all five from the footer of every page, the sensitive ones too', async () => {
    for (const path of ['/', '/tramites/prueba-emision-dui', '/categorias', '/198', '/acerca']) {
      const { html } = await page(path);
      const links = footer(html);
      for (const [href] of TRUST_PAGES) expect(links, `${path} → ${href}`).toContain(`href="${href}"`);
    }
  });

  it('states the retention figures the code actually uses', async () => {
    const { html } = await page('/privacidad');
    const said = readable(main(html));
    expect(said).toContain(`se borra solo ${DEFAULT_CONTACT_RETENTION_DAYS} días después de que se cierra el caso`);
    expect(said).toContain(`se borra sola ${CONVERSATION_IDLE_MS / 60_000} minutos después de su último mensaje`);
    expect(said).toContain(`las últimas ${DELETABLE_FOR_MS / 3_600_000} horas`);
    expect(said).toContain(`durante ${UPDATE_MEMORY_MS / 86_400_000} días una huella de cada mensaje`);
    expect(said).toContain(`«${CASE_COOKIE.name}», en «Seguir mi caso»`);
    expect(said).toContain(`Dura ${CASE_COOKIE.ttlMs / 60_000} minutos`);
    expect(said).toContain(`Dura ${NOTICE_COOKIE.ttlMs / 60_000} minutos`);
    expect(said).toContain(`«${CHAT_COOKIE.name}», en el chat`);
    expect(said).toContain(`tras ${SESSION_IDLE_MS / 60_000} minutos sin uso, y a las ${SESSION_ABSOLUTE_MS / 3_600_000} horas`);
    expect(said).toContain(`Estas cifras se borran a los ${SEARCH_COUNT_DAYS} días`);
    expect(said).toContain(`Una cifra de 1 a ${MIN_PUBLISHED_COUNT - 1} no se publica`);
    const longestWindow = Math.max(...Object.values(RATE_LIMITS).map((rule) => rule.windowMs));
    expect(said).toContain(`el más largo es de ${longestWindow / 60_000} minutos`);
  });

  it('privacy: says who sees what, how to delete the contact, and that the browser history stays', async () => {
    const { html } = await page('/privacidad');
    const said = readable(main(html));
    expect(said).toContain('seudónimo');
    expect(said).toContain('registro de auditoría');
    expect(said).toContain('no borra el historial del navegador');
    expect(main(html)).toContain('href="/ayuda/navegar-seguro"');
    expect(main(html)).toContain('href="/seguimiento"');
  });

  it('contact: 911 and 198 before anything else, and no invented phone or mailbox', async () => {
    const { html } = await page('/contacto');
    const body = main(html);
    expect(body.indexOf('href="tel:911"')).toBeGreaterThan(-1);
    expect(body.indexOf('href="tel:911"')).toBeLessThan(body.indexOf('<h1'));
    expect(body.indexOf('href="tel:198"')).toBeLessThan(body.indexOf('<h1'));
    expect(body).not.toContain('mailto:');
    expect([...body.matchAll(/href="tel:(\d+)"/g)].map((match) => match[1]).sort()).toEqual(['198', '911']);
    expect(body).toContain('href="/denuncia?tipo=queja"');
    expect(body).toContain('href="/buscar"');
  });

  it('accessibility: names WCAG 2.2 AA and carries no date', async () => {
    const said = readable(main((await page('/accesibilidad')).html));
    expect(said).toContain('WCAG) 2.2, nivel AA');
    expect(said).not.toMatch(/\b20\d\d\b/);
    expect(main((await page('/accesibilidad')).html)).toContain('href="/contacto"');
  });

  it('site map: every theme and every institution of the store, and the XML sitemap for machines', async () => {
    const { html } = await page('/mapa-del-sitio');
    const body = main(html);
    const said = readable(body);
    const categories = await listCategories(t.store.db);
    const institutions = await listInstitutions(t.store.db);
    expect(categories.length).toBeGreaterThan(1);
    expect(institutions.length).toBeGreaterThan(1);
    for (const category of categories) {
      expect(body, category.slug).toContain(`href="/categorias/${category.slug}"`);
      expect(said, category.slug).toContain(`${category.name} (${countProcedures(category.count)})`);
    }
    for (const institution of institutions) {
      expect(body, institution.slug).toContain(`href="/instituciones/${institution.slug}"`);
      expect(said, institution.slug).toContain(institution.name);
    }
    expect(said).toContain('Identidad y documentos (1 trámite)');
    for (const path of ['/buscar', '/denuncia', '/seguimiento', '/198', '/emergencia', '/transparencia', '/datos', '/acerca', '/privacidad', '/sitemap.xml']) {
      expect(body, path).toContain(`href="${path}"`);
    }
  });
});
