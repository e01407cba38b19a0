import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLog } from '../../api/errors.ts';
import { createWebApp } from '../../api/web-app.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { loadRenderPage } from '../../server.node.ts';
import type { ProcedureDocumentInput } from '../../store/catalog/exchange-format.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { readSeedCatalog } from '../../store/seed.node.ts';
import { upsertReferenceData } from '../../store/catalog/reference.ts';
import { systemActor } from '../../store/policy.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';

// What a person reads about how far to trust an entry: the cost when nobody knows it, when and
// from where its facts were checked, her own alcaldía among 44, and the institution's information office.

let t: TestStore;
let app: ReturnType<typeof createWebApp>;

const base = fixtureProcedures()[0];
/** One office per municipality of San Salvador and La Libertad, as the alcaldía services list them. */
const ALCALDIAS = [
  ['San Salvador', 'San Salvador Centro'],
  ['San Salvador', 'San Salvador Norte'],
  ['San Salvador', 'San Salvador Sur'],
  ['San Salvador', 'San Salvador Este'],
  ['San Salvador', 'San Salvador Oeste'],
  ['La Libertad', 'La Libertad Norte'],
  ['La Libertad', 'La Libertad Centro'],
  ['La Libertad', 'La Libertad Oeste'],
  ['La Libertad', 'La Libertad Este'],
  ['La Libertad', 'La Libertad Costa'],
  ['La Libertad', 'La Libertad Sur'],
];

const entries: ProcedureDocumentInput[] = [
  {
    ...base,
    slug: 'costo-desconocido',
    title: 'Trámite de costo desconocido',
    cost: { currency: 'USD', note: 'Consulte el monto en la oficina.' },
    verified_at: '2026-11-02',
    source_url: 'https://www.rnpn.gob.sv/',
  },
  { ...base, slug: 'sin-verificar', title: 'Trámite nunca verificado', verified_at: undefined },
  { ...base, slug: 'verificado-hace-tiempo', title: 'Trámite verificado hace tiempo', verified_at: '2026-03-01' },
  {
    ...base,
    slug: 'partida-en-su-alcaldia',
    title: 'Partida de nacimiento en su alcaldía',
    cost: { currency: 'USD', note: 'El monto lo fija cada alcaldía; consulte la suya.' },
    offices: ALCALDIAS.map(([department, municipality]) => ({
      name: `Alcaldía Municipal de ${municipality}`,
      department,
      municipality,
      ...(municipality === 'La Libertad Sur' ? { fee: '$3.00 por partida', phone: '2222-0000' } : {}),
    })),
  },
];

beforeAll(async () => {
  t = await createTestStore('fixture');
  const report = await importCatalog(t.store, asRows(entries), { actor: systemActor('cli'), source: 'test' });
  if (!report.written) throw new Error(JSON.stringify(report.issues));
  await upsertReferenceData(
    t.store,
    [],
    [
      { slug: 'institucion-sin-datos', name: 'Institución de prueba sin datos' },
      {
        slug: 'institucion-de-prueba',
        name: 'Institución de prueba con perfil',
        description: 'Emite el DUI y guarda el registro de las personas.',
        phone: '2521-9300',
        information_office: { name: 'Unidad de Acceso a la Información Pública', email: 'uaip@rnpn.gob.sv' },
        verified_at: '2026-11-02',
      },
    ],
  );
  app = createWebApp({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, renderPage: await loadRenderPage() });
});
afterAll(() => t.cleanup());

async function page(path: string) {
  const response = await app.request(path);
  return { status: response.status, html: await response.text() };
}
const main = (html: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(html)![1];

describe('an unknown cost is never shown as free', () => {
  it('says the amount is not confirmed, with where to ask', async () => {
    const { html } = await page('/tramites/costo-desconocido');
    const facts = /<dl class="facts">[\s\S]*?<\/dl>/.exec(html)![0];
    expect(facts).toContain('Monto no confirmado');
    expect(facts).toContain('Consulte el monto en la oficina.');
    expect(facts).not.toContain('Gratuito');
  });

  it('the printable checklist says the same and writes the addresses out', async () => {
    const { status, html } = await page('/tramites/costo-desconocido/lista');
    expect(status).toBe(200);
    expect(main(html)).toContain('Lista para llevar: Trámite de costo desconocido');
    expect(main(html)).toContain('Monto no confirmado');
    expect(main(html)).toContain('Tener 18 años cumplidos');
    expect(main(html)).toContain('http://');
    expect((await page('/tramites/no-existe/lista')).status).toBe(404);
  });
});

describe('when and from where an entry was verified', () => {
  it('shows the verification date and the source', async () => {
    const html = main((await page('/tramites/costo-desconocido')).html);
    expect(html).toContain('Información verificada el 2 de noviembre de 2026');
    expect(html).toContain('href="https://www.rnpn.gob.sv/"');
    expect(html).not.toContain('Puede haber cambiado');
  });

  it('tells plainly when nobody verified it, or not for 180 days (by the injected clock)', async () => {
    expect(main((await page('/tramites/sin-verificar')).html)).toContain('Todavía nadie ha verificado esta información');
    const old = main((await page('/tramites/verificado-hace-tiempo')).html);
    expect(old).toContain('Puede haber cambiado: confírmela antes de ir.');
    expect(old).toContain('1 de marzo de 2026');
  });
});

describe('a person picks her district and gets her alcaldía', () => {
  it('offers every district, grouped by municipality, in a form that needs no JavaScript', async () => {
    const html = main((await page('/tramites/partida-en-su-alcaldia')).html);
    expect(html).toMatch(/<form method="get" action="\/tramites\/partida-en-su-alcaldia#oficinas"/);
    expect(html).toContain('<optgroup label="La Libertad Sur (La Libertad)">');
    expect((html.match(/<optgroup /g) ?? []).length).toBe(44);
    expect(html).toContain('Ver todas las oficinas (11)');
  });

  it('shows the alcaldía of the chosen district, with what differs there', async () => {
    // Santa Tecla is a district of La Libertad Sur.
    const html = main((await page('/tramites/partida-en-su-alcaldia?distrito=050602')).html);
    const result = /<div class="district-result"[\s\S]*?<\/div>/.exec(html)![0];
    expect(result).toContain('municipio La Libertad Sur (La Libertad)');
    expect(result).toContain('Alcaldía Municipal de La Libertad Sur');
    expect(result).toContain('$3.00 por partida');
    expect(result).not.toContain('San Salvador Centro');
  });

  it('says so when the entry lacks that municipality, and refuses an unknown district without an error page', async () => {
    const none = main((await page('/tramites/partida-en-su-alcaldia?distrito=010101')).html);
    expect(none).toContain('Todavía no tenemos los datos de la oficina del municipio Ahuachapán Norte');
    const unknown = await page('/tramites/partida-en-su-alcaldia?distrito=999999');
    expect(unknown.status).toBe(200);
    expect(main(unknown.html)).toContain('No encontramos ese distrito');
    expect((await page('/tramites/partida-en-su-alcaldia?distrito=%3Cscript%3E')).status).toBe(200);
  });

  it('lists few offices plainly, without the picker', async () => {
    expect(main((await page('/tramites/sin-verificar')).html)).not.toContain('district-picker');
  });
});

describe('the institution page', () => {
  it('shows what it does, how to reach it and its information office', async () => {
    const html = main((await page('/instituciones/institucion-de-prueba')).html);
    expect(html).toContain('Emite el DUI y guarda el registro de las personas.');
    expect(html).toContain('href="tel:25219300"');
    expect(html).toContain('Pedir información pública');
    expect(html).toContain('Ley de Acceso a la Información Pública');
    expect(html).toContain('href="mailto:uaip@rnpn.gob.sv"');
  });

  it('says where to ask when the information office is not known', async () => {
    const html = main((await page('/instituciones/institucion-sin-datos')).html);
    expect(html).toContain('Todavía no tenemos verificados los datos de su Oficial de Información');
    // Known or not, the page says how to file the request and where to appeal.
    expect(html).toContain('href="/tramites/solicitud-acceso-informacion-publica"');
    expect(html).toContain('href="/tramites/apelacion-iaip-informacion-denegada"');
  });

  it('links information requests to procedures the seed catalog has', () => {
    const slugs = new Set(readSeedCatalog().flatMap(({ rows }) => rows.map((row) => String((row.value as { slug: unknown }).slug))));
    expect(slugs.has('solicitud-acceso-informacion-publica')).toBe(true);
    expect(slugs.has('apelacion-iaip-informacion-denegada')).toBe(true);
  });
});
