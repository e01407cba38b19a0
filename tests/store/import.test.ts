import { systemActor } from '../../store/policy.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseExchangeFile, serializeExchangeFile, topLevelElementLines } from '../../store/catalog/exchange-files.ts';
import { procedureDocumentSchema } from '../../store/catalog/exchange-format.ts';
import { formatImportReport, importCatalog } from '../../store/catalog/import.ts';
import { getPublishedProcedure, iteratePublishedDocuments } from '../../store/catalog/procedures.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
beforeEach(async () => {
  t = await createTestStore('none');
});
afterEach(() => t.cleanup());

async function count(table: string): Promise<number> {
  return Number((await t.store.db.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
}

describe('catalog import', () => {
  it('imports valid records and makes them readable and searchable', async () => {
    const report = await importCatalog(t.store, asRows(fixtureProcedures()), { actor: systemActor('cli'), source: 'test' });
    expect(report.written).toBe(true);
    expect(report.counts.created).toBe(3);
    const page = await getPublishedProcedure(t.store.db, 'prueba-emision-dui');
    expect(page?.document.title).toBe('Emisión de prueba del DUI');
    expect(page?.institution.slug).toBe('rnpn');
    expect(page?.version).toBe(1);
    const fts = await t.store.db.execute({ sql: "SELECT rowid FROM procedure_search WHERE procedure_search MATCH 'pasaporte'" });
    expect(fts.rows).toHaveLength(1);
  });

  it('writes nothing when one record is bad, and names the record, line and field in Spanish', async () => {
    const records: unknown[] = fixtureProcedures();
    (records[1] as Record<string, unknown>).title = '';
    const text = JSON.stringify(records, null, 2);
    const rows = parseExchangeFile(text, 'json');
    const report = await importCatalog(t.store, rows, { actor: systemActor('cli'), source: 'test' });
    expect(report.written).toBe(false);
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toMatchObject({ row: 2, field: 'title', label: 'título', slug: 'prueba-pasaporte-renovacion' });
    expect(report.issues[0].line).toBe(rows[1].line);
    expect(report.issues[0].message).toMatch(/título/);
    expect(await count('procedures')).toBe(0);
    expect(formatImportReport(report).join('\n')).toMatch(/Registro 2 \(línea \d+, «prueba-pasaporte-renovacion»\) — título: .*No se guardó nada/s);
  });

  it('validates only on a dry run', async () => {
    const report = await importCatalog(t.store, asRows(fixtureProcedures()), { actor: systemActor('cli'), source: 'test', dryRun: true });
    expect(report.issues).toEqual([]);
    expect(report.written).toBe(false);
    expect(await count('procedures')).toBe(0);
  });

  it('rejects an office in a municipality that does not exist or in the wrong department', async () => {
    const records = fixtureProcedures();
    records[0].offices = [{ name: 'Oficina', department: 'San Salvador', municipality: 'Santa Ana Centro' }];
    records[1].offices = [{ name: 'Oficina', department: 'San Salvador', municipality: 'Soyapango' }];
    const report = await importCatalog(t.store, asRows(records), { actor: systemActor('cli'), source: 'test' });
    expect(report.issues.map((issue) => [issue.row, issue.field])).toEqual([
      [1, 'offices.0.municipality'],
      [2, 'offices.0.municipality'],
    ]);
    expect(report.issues[0].message).toMatch(/pertenece al departamento de Santa Ana/);
    expect(report.issues[1].label).toBe('oficinas › 1 › municipality');
  });

  it('reports duplicated slugs and a new institution without a name', async () => {
    const records = fixtureProcedures();
    records[2].slug = records[0].slug;
    records[1].institution = 'institucion-nueva';
    const report = await importCatalog(t.store, asRows(records), { actor: systemActor('cli'), source: 'test' });
    expect(report.issues.map((issue) => [issue.row, issue.field])).toEqual([
      [2, 'institution_name'],
      [3, 'slug'],
    ]);
  });

  it('creates unknown categories and institutions that come with a name', async () => {
    const records = fixtureProcedures().slice(0, 1);
    records[0].category = 'cultura';
    records[0].institution = 'micultura';
    records[0].institution_name = 'Ministerio de Cultura';
    const report = await importCatalog(t.store, asRows(records), { actor: systemActor('cli'), source: 'test' });
    expect(report.newCategories).toEqual(['cultura']);
    expect(report.newInstitutions).toEqual(['micultura']);
    const page = await getPublishedProcedure(t.store.db, records[0].slug);
    expect(page?.institution.name).toBe('Ministerio de Cultura');
  });

  it('keeps versions: same content is unchanged, a new date is a verification, new content a new version', async () => {
    await importCatalog(t.store, asRows(fixtureProcedures()), { actor: systemActor('cli'), source: 'test' });
    const again = await importCatalog(t.store, asRows(fixtureProcedures()), { actor: systemActor('cli'), source: 'test' });
    expect(again.counts).toEqual({ created: 0, updated: 0, verified: 0, unchanged: 3 });

    const checked = fixtureProcedures();
    checked[0].updated_at = '2026-10-01';
    checked[1].summary = 'Resumen corregido del trámite de renovación del pasaporte.';
    const report = await importCatalog(t.store, asRows(checked), { actor: systemActor('cli'), source: 'test' });
    expect(report.counts).toEqual({ created: 0, updated: 1, verified: 1, unchanged: 1 });
    expect((await getPublishedProcedure(t.store.db, 'prueba-emision-dui'))?.updatedAt).toBe('2026-10-01');
    const passport = await getPublishedProcedure(t.store.db, 'prueba-pasaporte-renovacion');
    expect(passport?.version).toBe(2);
    expect(await count('procedure_versions')).toBe(4);
  });

  it('round-trips the catalog through JSON and CSV exports', async () => {
    await importCatalog(t.store, asRows(fixtureProcedures()), { actor: systemActor('cli'), source: 'test' });
    const exported = [];
    for await (const doc of iteratePublishedDocuments(t.store.db)) exported.push(doc);
    expect(exported).toHaveLength(3);
    for (const format of ['json', 'csv'] as const) {
      const text = serializeExchangeFile(exported, format);
      const rows = parseExchangeFile(text, format);
      const reparsed = rows.map((row) => procedureDocumentSchema.parse(row.value));
      expect(reparsed).toEqual(exported);
    }
  });

  it('reads CSV cells: lists split on « | », cost as a number or JSON, and reports the CSV line', async () => {
    const csv = [
      'slug,title,summary,category,institution,requirements,cost,offices',
      'prueba-csv,Trámite de prueba en CSV,Resumen de un trámite de prueba en CSV.,identidad,rnpn,Uno | Dos,3.5,',
      'prueba-csv-2,Otro,Resumen de otro trámite de prueba.,identidad,rnpn,,"{""amount"": -1}",',
    ].join('\n');
    const rows = parseExchangeFile(csv, 'csv');
    expect(rows[0].value).toMatchObject({ requirements: ['Uno', 'Dos'], cost: { amount: 3.5 } });
    const report = await importCatalog(t.store, rows, { actor: systemActor('cli'), source: 'test' });
    expect(report.issues.map((issue) => [issue.row, issue.line, issue.field])).toEqual([
      [2, 3, 'title'],
      [2, 3, 'cost.amount'],
    ]);
  });

  it('refuses files that are not an exchange file at all, in Spanish', () => {
    expect(() => parseExchangeFile('{"slug": 1}', 'json')).toThrow(/lista de trámites/);
    expect(() => parseExchangeFile('[{"slug": ', 'json')).toThrow(/no es JSON válido/);
    expect(() => parseExchangeFile('nombre,costo\nx,1\n', 'csv')).toThrow(/Faltan columnas obligatorias.*slug/);
  });

  it('finds the line where each top-level JSON element starts', () => {
    expect(topLevelElementLines('[\n  {"a": "[{,"},\n  {\n "b": 1\n  }, 3, "x"\n]')).toEqual([2, 3, 5, 5]);
  });

  it('rejects control characters and non-https-looking links', async () => {
    const records: Record<string, unknown>[] = fixtureProcedures().slice(0, 1);
    records[0].summary = 'Resumen con un carácter \u0000 nulo dentro.';
    records[0].online_url = 'javascript:alert(1)';
    const report = await importCatalog(t.store, asRows(records), { actor: systemActor('cli'), source: 'test' });
    expect(report.issues.map((issue) => issue.field).sort()).toEqual(['online_url', 'summary']);
  });

  it('never lets an officer take another institution’s entry, whatever the file says', async () => {
    await importCatalog(t.store, asRows(fixtureProcedures()), { actor: systemActor('cli') });
    const rnpn = Number((await t.store.db.execute("SELECT id FROM institutions WHERE slug = 'rnpn'")).rows[0].id);
    const officer = { kind: 'person' as const, id: 7, email: 'oficial@rnpn.gob.sv', role: 'officer' as const, institutionId: rnpn, queue: null };
    const before = await t.store.db.execute('SELECT slug, institution_id, version FROM procedures ORDER BY slug');
    // DGME's passport entry, claimed for RNPN: the takeover found under attack.
    const takeover = { ...fixtureProcedures()[1], institution: 'rnpn', summary: 'Ahora sería de otra institución, con su retroalimentación.' };
    const newTheme = { ...fixtureProcedures()[0], slug: 'prueba-tema-nuevo', category: 'tema-inventado' };
    const newInstitution = { ...fixtureProcedures()[0], slug: 'prueba-institucion-nueva', institution: 'inventada', institution_name: 'Institución inventada' };
    const report = await importCatalog(t.store, asRows([takeover, newTheme, newInstitution]), { actor: officer });
    expect(report.written).toBe(false);
    expect(report.issues.map((issue) => [issue.row, issue.field])).toEqual([
      [1, 'slug'],
      [2, 'category'],
      [3, 'institution'],
    ]);
    expect(report.issues[0].message).toMatch(/es de otra institución \(dgme\)/);
    expect((await t.store.db.execute('SELECT slug, institution_id, version FROM procedures ORDER BY slug')).rows).toEqual(before.rows);
    // An admin may move it, and the move is recorded.
    const admin = { kind: 'person' as const, id: 1, email: 'admin@portal.test', role: 'admin' as const, institutionId: null, queue: null };
    const moved = await importCatalog(t.store, asRows([takeover]), { actor: admin });
    expect(moved.written).toBe(true);
    expect((await getPublishedProcedure(t.store.db, 'prueba-pasaporte-renovacion'))?.institution.slug).toBe('rnpn');
  });
});
