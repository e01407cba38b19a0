import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../api/web-app.ts';
import { canonicalJson } from '../../store/canonical-json.ts';
import { archiveProcedure, replacementSlug } from '../../store/catalog/editing.ts';
import { movedProcedurePath } from '../../store/catalog/moved.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { prepareStore, readMovedAddresses, readSeedCatalog, readSeedInstitutions } from '../../store/seed.node.ts';
import type { Actor } from '../../store/policy.ts';
import { createTestWebApp } from '../fixtures/web.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

const ORIGIN = 'http://portal.test';
const admin: Actor = { kind: 'person', id: 1, email: 'admin@portal.test', role: 'admin', institutionId: null, queue: null };
const territory = JSON.parse(readFileSync(new URL('../../data/reference/territory.json', import.meta.url), 'utf8')) as {
  departments: { municipalities: { name: string; districts: { code: string; name: string }[] }[] }[];
};
const districts = new Map(territory.departments.flatMap((d) => d.municipalities.flatMap((m) => m.districts.map((x) => [x.code, m.name] as const))));

describe('data/moved.json', () => {
  const moved = readMovedAddresses();
  const seed = new Map(
    readSeedCatalog().flatMap(({ rows }) => rows.map((row) => [String((row.value as { slug: string }).slug), row.value as { offices?: unknown[] }] as const)),
  );
  const institutions = new Set(readSeedInstitutions().map((institution) => institution.slug));

  it('leads every old procedure address to a seed entry, never from one that is still in the seed', () => {
    expect(moved.procedures.length).toBeGreaterThan(0);
    for (const entry of moved.procedures) {
      expect(seed.has(entry.to), `${entry.from} → ${entry.to}`).toBe(true);
      expect(seed.has(entry.from), `${entry.from} is still a seed entry`).toBe(false);
    }
    expect(new Set(moved.procedures.map((entry) => entry.from)).size).toBe(moved.procedures.length);
  });

  it("opens a one-city entry's new address on an alcaldía the new entry lists", () => {
    for (const entry of moved.procedures.filter((e) => e.district)) {
      const municipality = districts.get(entry.district!);
      expect(municipality, `${entry.from}: district ${entry.district}`).toBeDefined();
      const offices = (seed.get(entry.to)!.offices ?? []) as { municipality?: string }[];
      expect(
        offices.some((office) => office.municipality === municipality),
        `${entry.to} has no office in ${municipality}`,
      ).toBe(true);
    }
  });

  it('leads every old institution address to an institution of the seed', () => {
    for (const entry of moved.institutions) {
      expect(institutions.has(entry.to), `${entry.from} → ${entry.to}`).toBe(true);
      expect(institutions.has(entry.from), `${entry.from} is still an institution`).toBe(false);
    }
  });
});

describe('old addresses on the seeded site', () => {
  let t: TestStore;
  let app: ReturnType<typeof createWebApp>;
  beforeAll(async () => {
    t = await createTestStore('seed');
    app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.51' });
  });
  afterAll(() => t.cleanup());

  it("answers 301 from a one-city entry to the every-alcaldía entry, on that city's alcaldía", async () => {
    const response = await app.request('/tramites/partida-nacimiento-certificada-san-salvador');
    expect(response.status).toBe(301);
    const location = response.headers.get('Location')!;
    expect(location).toBe('/tramites/partida-nacimiento-certificada-alcaldia?distrito=060403');
    const page = await (await app.request(location)).text();
    expect(page).toContain('San Salvador Centro');
  });

  it('answers 301 from a merged entry to the one that replaced it, on the page and in the API', async () => {
    const page = await app.request('/tramites/constancia-tiempo-de-servicio-inpep');
    expect(page.status).toBe(301);
    expect(page.headers.get('Location')).toBe('/tramites/historial-laboral-pension');
    const api = await app.request('/api/procedures/constancia-tiempo-de-servicio-inpep');
    expect(api.status).toBe(301);
    expect(api.headers.get('Location')).toBe('/api/procedures/historial-laboral-pension');
    expect((await app.request('/tramites/no-existe-este-tramite')).status).toBe(404);
    expect((await app.request('/api/procedures/no-existe-este-tramite')).status).toBe(404);
  });

  it('answers 301 from an institution that became another', async () => {
    for (const [from, to] of [
      ['dnm', 'srs'],
      ['inpep', 'isp'],
      ['insaforp', 'incaf'],
    ]) {
      const response = await app.request(`/instituciones/${from}`);
      expect(response.status, from).toBe(301);
      expect(response.headers.get('Location')).toBe(`/instituciones/${to}`);
    }
    expect((await app.request('/instituciones/no-existe')).status).toBe(404);
  });

  it('keeps a move an officer made when the store is prepared again', async () => {
    await t.store.batch([
      "UPDATE moved_addresses SET new_slug = 'pension-vejez-afp' WHERE kind = 'procedure' AND old_slug = 'pension-por-vejez-sistema-publico-inpep'",
    ]);
    await prepareStore(t.store, { seedCatalog: false });
    expect(await movedProcedurePath(t.store.db, 'pension-por-vejez-sistema-publico-inpep')).toBe('/tramites/pension-vejez-afp');
  });
});

describe('archiving an entry «replaced by» another', () => {
  let t: TestStore;
  let app: ReturnType<typeof createWebApp>;
  let cookie = '';
  beforeAll(async () => {
    t = await createTestStore('fixture');
    app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.52' });
    const first = await createPerson(t.store, { email: 'admin@portal.test', role: 'admin' }, null, { iterations: 1000 });
    const officer = await createPerson(t.store, { email: 'oficial@vmt.gob.sv', role: 'officer', institutionSlug: 'vmt' }, personActor(first.person), {
      iterations: 1000,
    });
    await t.store.batch(['UPDATE people SET must_change_password = 0']);
    const login = await app.request(`${ORIGIN}/admin/entrar`, {
      method: 'POST',
      headers: { Origin: ORIGIN },
      body: new URLSearchParams({ email: 'oficial@vmt.gob.sv', password: officer.oneTimePassword }),
    });
    expect(login.status).toBe(303);
    cookie = (login.headers.get('Set-Cookie') ?? '').split(';')[0];
  });
  afterAll(() => t.cleanup());

  async function archiveForm(slug: string, fields: Record<string, string>) {
    const html = await (await app.request(`${ORIGIN}/admin/tramites/${slug}`, { headers: { Cookie: cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    return app.request(`${ORIGIN}/admin/tramites/${slug}/archivar`, {
      method: 'POST',
      headers: { Origin: ORIGIN, Cookie: cookie },
      body: new URLSearchParams({ csrf, ...fields }),
    });
  }

  it('reads the replacement as a slug, a page path or a whole address', () => {
    expect(replacementSlug('prueba-emision-dui')).toBe('prueba-emision-dui');
    expect(replacementSlug(' /tramites/prueba-emision-dui/ ')).toBe('prueba-emision-dui');
    expect(replacementSlug('https://portal.gob.sv/tramites/prueba-emision-dui')).toBe('prueba-emision-dui');
    expect(replacementSlug('/categorias/identidad')).toBeNull();
    expect(replacementSlug('Trámite del DUI')).toBeNull();
  });

  it('refuses a replacement that is not a published entry, names the field, and archives nothing', async () => {
    for (const reemplazo of ['/tramites/no-existe', 'no es una dirección', '/tramites/prueba-licencia-conducir']) {
      const response = await archiveForm('prueba-licencia-conducir', { reemplazo, nota: 'Se unió a otro' });
      expect(response.status, reemplazo).toBe(400);
      const html = await response.text();
      expect(html).toContain('Trámite que lo reemplaza');
      expect(html).toMatch(/id="archivo-reemplazo-error"[^>]*>[^<]*<span[^>]*>[^<]*<\/span>\s*(No hay un trámite publicado|Escriba la dirección)/);
      expect(html).toContain(`value="${reemplazo}"`);
    }
    expect((await app.request('/tramites/prueba-licencia-conducir')).status).toBe(200);
    expect((await t.store.db.execute({ sql: 'SELECT count(*) AS n FROM moved_addresses WHERE old_slug LIKE ?', args: ['prueba-%'] })).rows[0].n).toBe(0);
  });

  it("leads the archived entry's address to its replacement, with the replacement in the audit log", async () => {
    const response = await archiveForm('prueba-licencia-conducir', { reemplazo: '/tramites/prueba-emision-dui', nota: 'Se unió a otro' });
    expect(response.status).toBe(303);
    const page = await app.request('/tramites/prueba-licencia-conducir');
    expect(page.status).toBe(301);
    expect(page.headers.get('Location')).toBe('/tramites/prueba-emision-dui');
    // The log keeps keyed fingerprints of each state (store/audit), so the replacement is part of what it seals.
    const audit = await t.store.db.execute("SELECT after_hash FROM audit_log WHERE action = 'procedure.archive' AND entity_id = 'prueba-licencia-conducir'");
    expect(String(audit.rows[0].after_hash)).toBe(await t.store.keys.audit.mac(canonicalJson({ status: 'archived', replaced_by: 'prueba-emision-dui' })));
  });

  it('follows a merge of a merge, and falls back to the theme when the chain ends nowhere published', async () => {
    await archiveProcedure(t.store, admin, 'prueba-emision-dui', undefined, 'prueba-pasaporte-renovacion');
    expect(await movedProcedurePath(t.store.db, 'prueba-licencia-conducir')).toBe('/tramites/prueba-pasaporte-renovacion');
    await archiveProcedure(t.store, admin, 'prueba-pasaporte-renovacion');
    expect(await movedProcedurePath(t.store.db, 'prueba-licencia-conducir')).toBe('/categorias/vehiculos-y-transporte');
    // A loop written by hand never hangs: it too ends on the theme.
    await t.store.batch([
      "INSERT INTO moved_addresses (kind, old_slug, new_slug, created_at) VALUES ('procedure', 'prueba-pasaporte-renovacion', 'prueba-licencia-conducir', '2026-11-20')",
    ]);
    expect(await movedProcedurePath(t.store.db, 'prueba-licencia-conducir')).toBe('/categorias/vehiculos-y-transporte');
  });
});
