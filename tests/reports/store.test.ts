import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../store/audit/audit.ts';
import { claimDue } from '../../store/outbox/outbox.ts';
import { addReportEvent, escalateOverdue, getCase, listReports, openContact, purgeClosedContacts } from '../../store/reports/handling.ts';
import { REPORT_NOTIFICATION } from '../../store/reports/notifications.ts';
import { addCitizenMessage, closeByCitizen, createReport, deleteCitizenContact, getPublicReport } from '../../store/reports/reports.ts';
import { deleteRoute, listRoutes, saveRoute } from '../../store/reports/routing.ts';
import { createStaff, FAST_CODE_WORD, fileReport, sampleReport, type Staff } from '../fixtures/reports.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
let staff: Staff;

beforeAll(async () => {
  t = await createTestStore();
  staff = await createStaff(t);
});
afterAll(() => t.cleanup());

describe('intake', () => {
  it('routes a complaint to the procedure’s institution in the quejas queue, with its SLA deadlines', async () => {
    const code = await fileReport(t, 'complaint');
    const view = await getPublicReport(t.store, code);
    expect(view?.institution?.slug).toBe('rnpn');
    expect(view?.state).toBe('received');
    expect(view?.promise).toEqual({ acknowledge: '5 días hábiles', resolve: '20 días hábiles' });
    expect(view?.timeline.map((e) => e.type)).toEqual(['created']);
    const queue = await listReports(t.store, staff.officerRnpn);
    expect(queue.items.map((i) => i.code)).toContain(code);
  });

  it('keeps a corruption report away from the institution it names', async () => {
    const code = await fileReport(t, 'corruption', { institutionSlug: 'rnpn' });
    const detail = await getCase(t.store, staff.operatorQuejas, code);
    expect(detail.institution).toBeNull();
    expect(detail.subjectInstitution).toMatch(/Registro Nacional/);
    await expect(getCase(t.store, staff.officerRnpn, code)).rejects.toMatchObject({ status: 404 });
  });

  it('follows the most specific row of the routing table, as an admin set it', async () => {
    await saveRoute(t.store, staff.admin, { kind: 'corruption', institution: 'rnpn', queue: 'quejas', target: 'fgr', toNamed: false, priority: 'high' });
    const code = await fileReport(t, 'corruption', { institutionSlug: 'rnpn' });
    expect((await getCase(t.store, staff.admin, code)).institution?.slug).toBe('fgr');
    expect((await listRoutes(t.store.db)).some((r) => r.kind === 'corruption' && r.target === 'fgr')).toBe(true);
    await expect(saveRoute(t.store, staff.officerRnpn, { kind: 'complaint', queue: 'quejas', toNamed: true, priority: 'normal' })).rejects.toMatchObject({
      status: 403,
    });
  });

  it('prefers a rule for the procedure over one for its institution, and either over the kind’s', async () => {
    await saveRoute(t.store, staff.admin, { kind: 'complaint', institution: 'rnpn', queue: 'quejas', target: 'dgme', toNamed: false, priority: 'normal' });
    await saveRoute(t.store, staff.admin, {
      kind: 'complaint',
      procedure: 'prueba-emision-dui',
      queue: 'quejas',
      target: 'vmt',
      toNamed: false,
      priority: 'high',
    });
    const byProcedure = await getCase(t.store, staff.admin, await fileReport(t, 'complaint'));
    expect(byProcedure).toMatchObject({ institution: { slug: 'vmt' }, priority: 'high' });
    const byInstitution = await getCase(t.store, staff.admin, await fileReport(t, 'complaint', { procedureSlug: undefined, institutionSlug: 'rnpn' }));
    expect(byInstitution.institution?.slug).toBe('dgme');
    const byKind = await getCase(t.store, staff.admin, await fileReport(t, 'complaint', { procedureSlug: undefined, institutionSlug: 'fgr' }));
    expect(byKind.institution?.slug).toBe('fgr');
    for (const route of await listRoutes(t.store.db)) {
      if (route.kind === 'complaint' && (route.institution === 'rnpn' || route.procedure === 'prueba-emision-dui'))
        await deleteRoute(t.store, staff.admin, route.id);
    }
  });

  it('encrypts what she tells us: no description, contact or address in the clear', async () => {
    const code = await fileReport(t, 'complaint', {
      description: 'CANARIO-DESCRIPCION la ventanilla cerró temprano',
      anonymous: false,
      contact: { channel: 'sms', value: '7000 1234', safeHours: '08:00-12:00' },
      location: { department: 'San Salvador', municipality: 'San Salvador Centro', address: 'CANARIO-DIRECCION calle 1' },
    });
    const row = await t.store.db.execute({ sql: 'SELECT * FROM reports WHERE code = ?', args: [code] });
    const text = JSON.stringify(row.rows[0]);
    // The number whole (with or without its space): a bare «1234» also turns up in hashes and ciphertext by chance.
    expect(text).not.toMatch(/CANARIO|7000 ?1234/);
    const events = await t.store.db.execute('SELECT * FROM report_events');
    expect(JSON.stringify(events.rows)).not.toMatch(/CANARIO/);
  });

  it('refuses a location that does not fit the reference data, naming the field', async () => {
    await expect(
      createReport(t.store, sampleReport('complaint', { location: { department: 'Santa Ana', municipality: 'San Miguel Centro' } })),
    ).rejects.toMatchObject({ status: 400, fields: { municipality: expect.stringMatching(/municipio/) } });
    await expect(createReport(t.store, sampleReport('complaint', { location: { lat: 40.7, lng: -74 } }))).rejects.toMatchObject({
      fields: { lat: expect.any(String) },
    });
  });

  it('returns the first result for a retried Idempotency-Key, and refuses the key for another report', async () => {
    const first = await createReport(t.store, sampleReport('complaint'), { idempotencyKey: 'k-1' });
    const again = await createReport(t.store, sampleReport('complaint'), { idempotencyKey: 'k-1' });
    expect(again).toEqual({ ...first, created: false });
    await expect(
      createReport(t.store, sampleReport('complaint', { description: 'Otro hecho distinto del primero.' }), { idempotencyKey: 'k-1' }),
    ).rejects.toMatchObject({
      status: 422,
    });
  });
});

describe('violence cases', () => {
  it('answer exactly as an unknown code does without the right code word', async () => {
    const code = await fileReport(t, 'violence', { codeWord: 'Girasól Azul' });
    expect(await getPublicReport(t.store, code)).toBeNull();
    expect(await getPublicReport(t.store, code, 'otra palabra')).toBeNull();
    expect(await getPublicReport(t.store, 'K7QM2XDT9RBH4C', 'otra palabra')).toBeNull();
    expect((await getPublicReport(t.store, code, '  girasol azul '))?.kind).toBe('violence');
  });

  it('are seen only by operators of the 198 queue, and each opening is audited', async () => {
    const code = await fileReport(t, 'violence');
    for (const actor of [staff.admin, staff.officerRnpn, staff.operatorEmergencias, staff.operatorQuejas, staff.tokenRnpn]) {
      await expect(getCase(t.store, actor, code)).rejects.toMatchObject({ status: 404 });
      expect((await listReports(t.store, actor, { status: 'all', limit: 200 })).items.some((i) => i.code === code)).toBe(false);
    }
    const detail = await getCase(t.store, staff.operator198, code);
    expect(detail.events.some((e) => e.type === 'case_opened')).toBe(true);
    const audit = await t.store.db.execute("SELECT count(*) AS n FROM audit_log WHERE action = 'report.open'");
    expect(Number(audit.rows[0].n)).toBeGreaterThan(0);
  });

  it('never keep coordinates in the clear, and need her consent to be referred', async () => {
    const code = await fileReport(t, 'violence', { location: { department: 'San Salvador', lat: 13.7, lng: -89.2 } });
    const row = await t.store.db.execute({ sql: 'SELECT lat, lng FROM reports WHERE code = ?', args: [code] });
    expect(row.rows[0]).toMatchObject({ lat: null, lng: null });
    expect((await getCase(t.store, staff.operator198, code)).location.lat).toBe(13.7);
    await expect(addReportEvent(t.store, staff.operator198, code, { type: 'refer', institution: 'isdemu' })).rejects.toMatchObject({
      fields: { consent: expect.any(String) },
    });
    await addReportEvent(t.store, staff.operator198, code, { type: 'refer', institution: 'isdemu', consent: true });
  });

  it('need a code word', async () => {
    await expect(createReport(t.store, sampleReport('violence', { codeWord: undefined }))).rejects.toMatchObject({ fields: { code_word: expect.any(String) } });
  });
});

describe('handling', () => {
  it('acknowledges on take, replies in public, notifies only on the channel she chose and at her hours', async () => {
    const code = await fileReport(t, 'complaint', { anonymous: false, contact: { channel: 'sms', value: '70001234', safeHours: '08:00-12:00' } });
    await addReportEvent(t.store, staff.officerRnpn, code, { type: 'take' });
    await addReportEvent(t.store, staff.officerRnpn, code, { type: 'internal_note', message: 'Revisar con ventanilla 3.' });
    await addReportEvent(t.store, staff.officerRnpn, code, { type: 'public_reply', message: 'Ya hablamos con la oficina; puede volver mañana.' });
    const view = await getPublicReport(t.store, code);
    expect(view?.state).toBe('acknowledged');
    expect(view?.acknowledgedAt).not.toBeNull();
    expect(view?.timeline.map((e) => e.text).join(' ')).toContain('puede volver mañana');
    expect(view?.timeline.map((e) => e.text).join(' ')).not.toContain('ventanilla 3');
    const pending = await t.store.db.execute("SELECT payload, next_attempt_at FROM outbox WHERE kind = 'notify.report'");
    expect(pending.rows).toHaveLength(1);
    expect(String(pending.rows[0].payload)).not.toMatch(/7000 ?1234|volver/);
    // TEST_NOW is 09:00 in El Salvador: inside 08:00-12:00.
    expect(await claimDue(t.store, REPORT_NOTIFICATION)).toHaveLength(1);
  });

  it('sends no message to an anonymous case or one without Telegram/SMS', async () => {
    const before = await t.store.db.execute("SELECT count(*) AS n FROM outbox WHERE kind = 'notify.report'");
    const code = await fileReport(t, 'complaint');
    await addReportEvent(t.store, staff.officerRnpn, code, { type: 'public_reply', message: 'Respuesta.' });
    const after = await t.store.db.execute("SELECT count(*) AS n FROM outbox WHERE kind = 'notify.report'");
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('shows a pseudonym, and the contact only when opened on purpose (audited); never to tokens', async () => {
    const code = await fileReport(t, 'complaint', { anonymous: false, contact: { channel: 'email', value: 'ana@example.com' } });
    const detail = await getCase(t.store, staff.officerRnpn, code);
    expect(JSON.stringify(detail)).not.toContain('ana@example.com');
    expect(detail.pseudonym).toMatch(/^Persona [0-9A-F]{5}$/);
    await expect(openContact(t.store, staff.tokenRnpn, code)).rejects.toMatchObject({ status: 403 });
    expect(await openContact(t.store, staff.officerRnpn, code)).toMatchObject({ value: 'ana@example.com' });
    expect((await getCase(t.store, staff.officerRnpn, code)).events.some((e) => e.type === 'contact_opened')).toBe(true);
  });

  it('keeps officers to their institution', async () => {
    const code = await fileReport(t, 'complaint');
    await expect(addReportEvent(t.store, staff.officerDgme, code, { type: 'public_reply', message: 'x' })).rejects.toMatchObject({ status: 404 });
  });

  it('refers, merges and closes; the citizen can reply, close, withdraw and delete her contact', async () => {
    const a = await fileReport(t, 'complaint');
    const b = await fileReport(t, 'complaint');
    await addReportEvent(t.store, staff.admin, a, { type: 'merge', into: b });
    expect((await getPublicReport(t.store, a))?.state).toBe('merged');
    await addCitizenMessage(t.store, { code: b }, 'Sigo esperando respuesta.', 'web');
    await expect(addCitizenMessage(t.store, { code: a }, 'hola', 'web')).rejects.toMatchObject({ status: 409 });
    await addReportEvent(t.store, staff.officerRnpn, b, { type: 'refer', institution: 'dgme' });
    expect((await getCase(t.store, staff.officerDgme, b)).state).toBe('referred');
    await expect(getCase(t.store, staff.officerRnpn, b)).rejects.toMatchObject({ status: 404 });
    const c = await fileReport(t, 'complaint', { anonymous: false, contact: { channel: 'sms', value: '70009999' } });
    await deleteCitizenContact(t.store, { code: c }, 'web');
    expect((await getPublicReport(t.store, c))?.hasContact).toBe(false);
    await closeByCitizen(t.store, { code: c }, 'withdrawn', 'web');
    expect((await getPublicReport(t.store, c))?.closed).toBe(true);
  });

  it('escalates overdue cases once per stage, and purges contacts 90 days after closure', async () => {
    const code = await fileReport(t, 'emergency', { anonymous: false, contact: { channel: 'telegram', value: '@vecina_ss' } });
    expect(await escalateOverdue(t.store)).toBe(0);
    t.clock.advance(6 * 60_000);
    expect(await escalateOverdue(t.store)).toBeGreaterThanOrEqual(1);
    expect(await escalateOverdue(t.store)).toBe(0);
    expect((await listReports(t.store, staff.operatorEmergencias, { escalated: true })).items.some((i) => i.code === code)).toBe(true);
    await addReportEvent(t.store, staff.operatorEmergencias, code, { type: 'status', status: 'resolved', message: 'Atendido por la patrulla.' });
    t.clock.advance(89 * 86_400_000);
    await purgeClosedContacts(t.store);
    expect((await getPublicReport(t.store, code))?.hasContact).toBe(true);
    t.clock.advance(2 * 86_400_000);
    expect(await purgeClosedContacts(t.store)).toBeGreaterThanOrEqual(1);
    expect((await getPublicReport(t.store, code))?.hasContact).toBe(false);
  });

  it('keeps every event append-only and the audit chain intact', async () => {
    await expect(t.store.batch(['UPDATE report_events SET message = NULL'])).rejects.toThrow(/append-only/);
    await expect(t.store.batch(['DELETE FROM report_events'])).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(t.store)).ok).toBe(true);
  });
});

describe('codes', () => {
  it('code words are hashed slowly, never stored in the clear', async () => {
    const code = (await createReport(t.store, sampleReport('violence', { codeWord: 'mariposa' }), { codeWordIterations: FAST_CODE_WORD })).code;
    const row = await t.store.db.execute({ sql: 'SELECT code_word_hash FROM reports WHERE code = ?', args: [code] });
    expect(String(row.rows[0].code_word_hash)).toMatch(/^pbkdf2-sha256\$/);
  });
});
