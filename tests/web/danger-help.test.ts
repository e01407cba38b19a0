import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp } from '../fixtures/web.ts';

let t: TestStore;
let app: Awaited<ReturnType<typeof createTestWebApp>>;

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t);
});
afterAll(() => t.cleanup());

describe('/buscar when the search reads like someone in danger', () => {
  it('shows the 911 and the 198 before the search form and the results, with a neutral title and no cache', async () => {
    const response = await app.request(`/buscar?q=${encodeURIComponent('mi esposo me golpea')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toContain('no-store');
    const html = await response.text();
    const help = html.indexOf('data-danger-help="violence"');
    expect(help).toBeGreaterThan(0);
    expect(help).toBeLessThan(html.indexOf('role="search"'));
    expect(help).toBeLessThan(html.indexOf('id="resultados"'));
    const section = html.slice(help, html.indexOf('</section>', help));
    expect(section).toContain('href="tel:911"');
    expect(section).toContain('href="tel:198"');
    expect(section).toContain('href="/198"');
    expect(html).toMatch(/<title>Ayuda \| /);
    expect(html).not.toMatch(/<title>[^<]*golpea/);
    expect(html).toContain('data-quick-exit');
  });

  it('shows it for immediate danger too, and not for «golpe de calor»', async () => {
    const urgent = await (await app.request(`/buscar?q=${encodeURIComponent('me quiere matar')}`)).text();
    expect(urgent).toContain('data-danger-help="immediate"');
    const ordinary = await (await app.request(`/buscar?q=${encodeURIComponent('golpe de calor')}`)).text();
    expect(ordinary).not.toContain('data-danger-help');
    expect(ordinary).not.toContain('data-quick-exit');
  });
});
