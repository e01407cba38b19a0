import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discardDraft, listPendingDrafts, publishDraft } from '../../store/catalog/drafts.ts';
import { procedureDocumentSchema, type ProcedureDocumentInput } from '../../store/catalog/exchange-format.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { getPublishedProcedure } from '../../store/catalog/procedures.ts';
import { getInstitutionPage, institutionDataSchema, saveInstitutionProfile, upsertReferenceData } from '../../store/catalog/reference.ts';
import { verificationState } from '../../store/catalog/verification.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { systemActor, type Actor } from '../../store/policy.ts';
import { readSeedCatalog, readSeedInstitutions } from '../../store/seed.node.ts';
import type { TerritoryData } from '../../store/territory/territory.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';

const FAST = 1_000;

function procedure(overrides: Partial<ProcedureDocumentInput> = {}): ProcedureDocumentInput {
  return { ...fixtureProcedures()[0], slug: 'prueba-borrador', title: 'Trámite de prueba importado', ...overrides };
}

describe('the exchange format tells an unknown cost from a free one', () => {
  it('takes a cost without an amount only with a note saying where to ask', () => {
    const unknown = procedureDocumentSchema.safeParse(procedure({ cost: { currency: 'USD', note: 'Consulte el monto en la oficina.' } }));
    expect(unknown.success).toBe(true);
    const bare = procedureDocumentSchema.safeParse(procedure({ cost: { currency: 'USD' } }));
    expect(bare.success).toBe(false);
    expect(bare.error?.issues[0]).toMatchObject({ path: ['cost', 'note'] });
    expect(bare.error?.issues[0].message).toContain('Consulte el monto');
  });

  it('checks the source address and the verification date', () => {
    expect(procedureDocumentSchema.safeParse(procedure({ source_url: 'https://www.rnpn.gob.sv/dui', verified_at: '2026-11-02' })).success).toBe(true);
    const badUrl = procedureDocumentSchema.safeParse(procedure({ source_url: 'rnpn.gob.sv' }));
    expect(badUrl.error?.issues[0].message).toBe('Escriba el enlace de la fuente completo, empezando por https://.');
    const badDay = procedureDocumentSchema.safeParse(procedure({ verified_at: '2026-02-30' }));
    expect(badDay.error?.issues[0].message).toBe('La fecha de verificación no existe en el calendario.');
  });

  it('says how old a verification is, from the injected day', () => {
    expect(verificationState({}, '2026-12-01')).toEqual({ kind: 'never' });
    expect(verificationState({ verified_at: '2026-06-05' }, '2026-12-01').kind).toBe('current'); // 179 days
    expect(verificationState({ verified_at: '2026-06-04' }, '2026-12-01')).toEqual({ kind: 'stale', verifiedAt: '2026-06-04' }); // 180 days
  });
});

describe('the seed catalog is honest about what it knows', () => {
  const seed = readSeedCatalog().flatMap(({ file, rows }) => rows.map((row) => ({ file, doc: procedureDocumentSchema.parse(row.value) })));

  it('never uses an amount of 0 for a cost nobody confirmed', () => {
    for (const { file, doc } of seed) {
      if (doc.cost?.amount !== 0) continue;
      // A free procedure says so in its note or its text.
      const said = `${doc.cost.note ?? ''} ${doc.summary} ${doc.requirements.join(' ')}`.toLowerCase();
      expect(said, `${file}: ${doc.slug}`).toMatch(
        /gratu|gratis|sin costo|no tienen? costo|no cuesta|no (se )?paga|no (se )?cobra|no hay cobro|sin (pago|cobro)|cubiert/,
      );
    }
  });

  it('records a source for every entry it marks as verified', () => {
    for (const { file, doc } of seed) {
      if (doc.verified_at) expect(doc.source_url, `${file}: ${doc.slug}`).toMatch(/^https?:\/\//);
    }
  });

  it('holds at least 300 real procedures', () => {
    expect(seed.filter(({ doc }) => !doc.synthetic).length).toBeGreaterThanOrEqual(300);
  });

  it("links online only where the procedure can be started: never a site's front page", () => {
    const plain = (address: string) => {
      const url = new URL(address);
      return `${url.host.replace(/^www\./, '')}${url.pathname.replace(/\/+$/, '')}${url.search}`;
    };
    const frontPages = new Set(readSeedInstitutions().flatMap((institution) => (institution.website ? [plain(institution.website)] : [])));
    for (const { file, doc } of seed) {
      if (!doc.online_url) continue;
      const url = new URL(doc.online_url);
      // A site's home (www.…/ or an institution's own address) is not where a procedure starts;
      // an application of its own (consulta.tse.gob.sv) is.
      const home = url.host.startsWith('www.') && url.pathname.replace(/\/+$/, '') === '' && url.search === '';
      expect(home || frontPages.has(plain(doc.online_url)), `${file}: ${doc.slug} → ${doc.online_url}`).toBe(false);
    }
  });

  it('reaches every one of the 44 alcaldías from the civil-registry certificates', () => {
    const territory = JSON.parse(readFileSync(new URL('../../data/reference/territory.json', import.meta.url), 'utf8')) as TerritoryData;
    const municipalities = territory.departments.flatMap((department) => department.municipalities.map((municipality) => municipality.name));
    expect(municipalities).toHaveLength(44);
    const certificates = seed.filter(({ doc }) => doc.institution === 'alcaldias' && /partida|certificaci/i.test(doc.title));
    expect(certificates.length).toBeGreaterThanOrEqual(3);
    for (const { doc } of certificates) {
      expect(new Set(doc.offices.map((office) => office.municipality)), doc.slug).toEqual(new Set(municipalities));
    }
  });

  it('lists every institution once, each valid, with the ones the catalog names', () => {
    const institutions = readSeedInstitutions();
    const slugs = new Set(institutions.map((institution) => institution.slug));
    expect(slugs.size).toBe(institutions.length);
    for (const { file, doc } of seed) expect(slugs.has(doc.institution), `${file}: ${doc.slug} → ${doc.institution}`).toBe(true);
  });
});

describe('institution profiles', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await createTestStore('none');
  });
  afterEach(() => t.cleanup());

  it('refuses a bad record with the field named', () => {
    const bad = institutionDataSchema.safeParse({
      slug: 'ejemplo',
      name: 'Institución de ejemplo',
      phone: 'llame al 2222',
      information_office: { email: 'oir@' },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['phone', 'information_office.email']);
  });

  it('fills a profile where none exists yet and never overwrites one', async () => {
    const first = institutionDataSchema.parse({
      slug: 'inst-prueba',
      name: 'Institución de prueba',
      description: 'Atiende trámites de prueba.',
      information_office: { name: 'Unidad de Acceso a la Información Pública', email: 'uaip@prueba.gob.sv' },
    });
    await upsertReferenceData(t.store, [], [{ slug: 'inst-prueba', name: 'Institución de prueba' }]);
    expect((await getInstitutionPage(t.store.db, 'inst-prueba'))?.profile).toEqual({});
    await upsertReferenceData(t.store, [], [first]);
    const page = await getInstitutionPage(t.store.db, 'inst-prueba');
    expect(page?.profile.information_office?.email).toBe('uaip@prueba.gob.sv');
    // An admin's later edit is what stays, whatever the seed says next time.
    await t.store.batch([
      { sql: 'UPDATE institutions SET profile = ? WHERE slug = ?', args: [JSON.stringify({ description: 'Editado por la administración.' }), 'inst-prueba'] },
    ]);
    await upsertReferenceData(t.store, [], [first]);
    expect((await getInstitutionPage(t.store.db, 'inst-prueba'))?.profile).toEqual({ description: 'Editado por la administración.' });
  });
});

describe('an institution keeps its own profile true', () => {
  let t: TestStore;
  beforeEach(async () => {
    t = await createTestStore();
  });
  afterEach(() => t.cleanup());

  it('lets its officers and admins edit it, no one else, audited, with each bad field named', async () => {
    const admin = personActor((await createPerson(t.store, { email: 'admin@portal.gob.sv', role: 'admin' }, null, { iterations: FAST })).person);
    const own = personActor(
      (await createPerson(t.store, { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, admin, { iterations: FAST })).person,
    );
    const foreign = personActor(
      (await createPerson(t.store, { email: 'oficial@dgme.gob.sv', role: 'officer', institutionSlug: 'dgme' }, admin, { iterations: FAST })).person,
    );
    const operator = personActor(
      (await createPerson(t.store, { email: 'operadora@portal.gob.sv', role: 'operator', queue: 'quejas' }, admin, { iterations: FAST })).person,
    );
    const profile = { description: 'Emite el DUI.', information_office: { name: 'UAIP del RNPN', email: 'uaip@rnpn.gob.sv' } };
    await saveInstitutionProfile(t.store, own, 'rnpn', profile);
    expect((await getInstitutionPage(t.store.db, 'rnpn'))?.profile).toEqual(profile);
    await saveInstitutionProfile(t.store, admin, 'rnpn', { ...profile, phone: '2521-9300' });
    await expect(saveInstitutionProfile(t.store, foreign, 'rnpn', profile)).rejects.toMatchObject({ status: 403 });
    await expect(saveInstitutionProfile(t.store, operator, 'rnpn', profile)).rejects.toMatchObject({ status: 403 });
    await expect(saveInstitutionProfile(t.store, own, 'rnpn', { information_office: { email: 'sin-arroba' }, phone: 'llame' })).rejects.toMatchObject({
      status: 400,
      fields: { 'information_office.email': expect.stringContaining('correo'), phone: expect.stringContaining('teléfono') },
    });
    await expect(saveInstitutionProfile(t.store, admin, 'no-existe', profile)).rejects.toMatchObject({ status: 404 });
    expect((await getInstitutionPage(t.store.db, 'rnpn'))?.profile.phone).toBe('2521-9300');
    const audit = await t.store.db.execute("SELECT count(*) AS n FROM audit_log WHERE action = 'institution.profile'");
    expect(Number(audit.rows[0].n)).toBe(2);
  });
});

describe('bulk imports as drafts, matched by source_id', () => {
  let t: TestStore;
  let officer: Actor;
  let foreignOfficer: Actor;
  beforeEach(async () => {
    t = await createTestStore();
    officer = personActor(
      (await createPerson(t.store, { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, null, { iterations: FAST })).person,
    );
    foreignOfficer = personActor(
      (await createPerson(t.store, { email: 'oficial@dgme.gob.sv', role: 'officer', institutionSlug: 'dgme' }, null, { iterations: FAST })).person,
    );
  });
  afterEach(() => t.cleanup());

  const importDrafts = (values: ProcedureDocumentInput[]) =>
    importCatalog(t.store, asRows(values), { actor: systemActor('cli'), source: 'exportacion-2026', asDrafts: true });

  it('keeps new entries out of public view until an officer publishes them with a note', async () => {
    const report = await importDrafts([procedure({ source_id: 'ext-1' })]);
    expect(report.written).toBe(true);
    expect(report.drafts).toEqual({ created: 1, proposed: 0 });
    expect(await getPublishedProcedure(t.store.db, 'prueba-borrador')).toBeNull();
    const pending = await listPendingDrafts(t.store.db, officer);
    expect(pending.items.map((item) => [item.slug, item.kind, item.source])).toEqual([['prueba-borrador', 'new', 'exportacion-2026']]);
    // Another institution's officer sees none of it and cannot publish it.
    expect((await listPendingDrafts(t.store.db, foreignOfficer)).total).toBe(0);
    await expect(publishDraft(t.store, foreignOfficer, 'prueba-borrador', 'Revisado')).rejects.toMatchObject({ status: 403 });
    await expect(publishDraft(t.store, officer, 'prueba-borrador', ' ')).rejects.toMatchObject({ code: 'invalid_note' });

    await publishDraft(t.store, officer, 'prueba-borrador', 'Revisado con la ventanilla del Duicentro');
    const published = await getPublishedProcedure(t.store.db, 'prueba-borrador');
    expect(published?.version).toBe(1);
    expect((await listPendingDrafts(t.store.db, officer)).total).toBe(0);
    const version = await t.store.db.execute(
      "SELECT change_note, source FROM procedure_versions v JOIN procedures p ON p.id = v.procedure_id WHERE p.slug = 'prueba-borrador'",
    );
    expect(version.rows.map((row) => [row.change_note, row.source])).toEqual([['Revisado con la ventanilla del Duicentro', 'exportacion-2026']]);
    const audit = await t.store.db.execute("SELECT action FROM audit_log WHERE action LIKE 'procedure.draft.%'");
    expect(audit.rows.map((row) => row.action)).toEqual(['procedure.draft.publish']);
  });

  it('proposes a change to a published entry beside it, matched by source_id even when the export renamed the slug', async () => {
    await importCatalog(t.store, asRows([procedure({ source_id: 'ext-7' })]), { actor: systemActor('cli'), source: 'test' });
    const report = await importDrafts([procedure({ slug: 'otro-nombre', source_id: 'ext-7', summary: 'Resumen nuevo propuesto por la exportación masiva.' })]);
    expect(report.drafts).toEqual({ created: 0, proposed: 1 });
    expect(await t.store.db.execute("SELECT count(*) AS n FROM procedures WHERE slug = 'otro-nombre'")).toMatchObject({ rows: [{ n: 0 }] });
    // The public page keeps the published text until someone publishes the proposal.
    expect((await getPublishedProcedure(t.store.db, 'prueba-borrador'))?.document.summary).toBe(fixtureProcedures()[0].summary);
    const [pending] = (await listPendingDrafts(t.store.db, officer)).items;
    expect(pending).toMatchObject({ slug: 'prueba-borrador', kind: 'change' });
    expect(pending.current?.summary).toBe(fixtureProcedures()[0].summary);
    expect(pending.document.summary).toBe('Resumen nuevo propuesto por la exportación masiva.');

    // The same export again changes nothing; the proposal can be dropped.
    const again = await importDrafts([procedure({ slug: 'otro-nombre', source_id: 'ext-7', summary: 'Resumen nuevo propuesto por la exportación masiva.' })]);
    expect(again.drafts).toEqual({ created: 0, proposed: 1 });
    await discardDraft(t.store, officer, 'prueba-borrador');
    expect((await listPendingDrafts(t.store.db, officer)).total).toBe(0);
    expect((await getPublishedProcedure(t.store.db, 'prueba-borrador'))?.version).toBe(1);
  });

  it('refuses two rows with one source_id and writes nothing', async () => {
    const report = await importDrafts([procedure({ source_id: 'ext-2' }), procedure({ slug: 'prueba-borrador-dos', source_id: 'ext-2' })]);
    expect(report.written).toBe(false);
    expect(report.issues).toEqual([expect.objectContaining({ row: 2, field: 'source_id' })]);
    expect((await listPendingDrafts(t.store.db, officer)).total).toBe(0);
  });

  it('keeps a verification date that a later document does not mention', async () => {
    await importCatalog(t.store, asRows([procedure({ verified_at: '2026-11-01' })]), { actor: systemActor('cli'), source: 'test' });
    await importCatalog(t.store, asRows([procedure({ summary: 'Un resumen corregido que no dice cuándo se verificó.' })]), {
      actor: systemActor('cli'),
      source: 'test',
    });
    const page = await getPublishedProcedure(t.store.db, 'prueba-borrador');
    expect(page?.document.verified_at).toBe('2026-11-01');
    expect(page?.version).toBe(2);
  });

  it('refuses a verification date after today, naming the field', async () => {
    const report = await importCatalog(t.store, asRows([procedure({ verified_at: '2026-12-31' })]), { actor: systemActor('cli'), source: 'test' });
    expect(report.issues).toEqual([expect.objectContaining({ field: 'verified_at', message: expect.stringContaining('posterior a hoy') })]);
  });
});
