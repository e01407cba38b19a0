import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, resealLegacyAuditLog, verifyAuditChain } from '../../store/audit/audit.ts';
import { systemActor } from '../../store/policy.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const admin = systemActor('cli');
let t: TestStore;

async function append(count: number): Promise<void> {
  await t.store.write(async (tx) => {
    for (let i = 0; i < count; i++) await appendAudit(t.store, tx, admin, { action: 'test.write', entity: 'test', entityId: String(i), after: { i } });
  });
}

const rowCount = async () => Number((await t.store.db.execute('SELECT count(*) AS n FROM audit_log')).rows[0].n);

beforeEach(async () => {
  t = await createTestStore('none');
  await append(12);
});
afterEach(() => t.cleanup());

describe('the audit log under attack by someone who can write the database', () => {
  it('verifies an intact log and reports its head, to be noted down elsewhere', async () => {
    const check = await verifyAuditChain(t.store);
    expect(check).toMatchObject({ ok: true, checked: 12 });
    const last = (await t.store.db.execute('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1')).rows[0];
    expect(check.head).toEqual({ id: Number(last.id), hash: String(last.hash) });
  });

  it('fails when the last record is deleted, saying how many are missing', async () => {
    await t.store.batch(['DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)']);
    const check = await verifyAuditChain(t.store);
    expect(check.ok).toBe(false);
    expect(check.problem).toMatch(/faltan 1 registro\(s\) al final: el punto de control firmado registra 12 registros/);
  });

  it('fails when the last 500 records are deleted', async () => {
    await append(600);
    await t.store.batch(['DELETE FROM audit_log WHERE id > (SELECT max(id) - 500 FROM audit_log)']);
    const check = await verifyAuditChain(t.store);
    expect(check.ok).toBe(false);
    expect(check.problem).toMatch(/faltan 500 registro\(s\) al final/);
  });

  it('fails when the whole log is emptied', async () => {
    await t.store.batch(['DELETE FROM audit_log']);
    const check = await verifyAuditChain(t.store);
    expect(check.ok).toBe(false);
    expect(check.problem).toMatch(/faltan 12 registro\(s\).*vacío/);
  });

  it('fails when the log and its checkpoint are both deleted once anything has happened', async () => {
    await t.store.batch(['DELETE FROM audit_log', 'DELETE FROM audit_checkpoint']);
    // A store where nothing ever happened has neither, and is fine …
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: true, checked: 0 });
    // … one with accounts or a catalog must have had a log.
    await t.store.batch(["INSERT INTO people (email, role, password_hash) VALUES ('alguien@portal.test', 'admin', 'x')"]);
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: false, problem: expect.stringMatching(/falta el punto de control/) });
  });

  it('fails on a seeded catalog whose log and checkpoint were both deleted', async () => {
    const seeded = await createTestStore('fixture');
    try {
      expect((await verifyAuditChain(seeded.store)).ok).toBe(true);
      await seeded.store.batch(['DELETE FROM audit_log', 'DELETE FROM audit_checkpoint']);
      expect(await verifyAuditChain(seeded.store)).toMatchObject({ ok: false, problem: expect.stringMatching(/falta el punto de control/) });
    } finally {
      seeded.cleanup();
    }
  });

  it('fails when a record is edited and every later hash recomputed with SHA-256, as the old chain allowed', async () => {
    const rows = (await t.store.db.execute('SELECT * FROM audit_log ORDER BY id')).rows;
    const target = Number(rows[4].id);
    let prev = String(rows[3].hash);
    const statements = [];
    for (const row of rows.slice(4)) {
      const actor = Number(row.id) === target ? 'person:999' : String(row.actor);
      const text = ['v2', row.id, prev, row.at, actor, row.action, row.entity, row.entity_id, row.before_hash ?? '', row.after_hash ?? '']
        .map(String)
        .join('\n');
      const hash = createHash('sha256').update(text).digest('hex');
      statements.push({ sql: 'UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?', args: [actor, prev, hash, Number(row.id)] });
      prev = hash;
    }
    // The forger also rewrites the checkpoint to the new head, signing it the only way they can.
    const fakeSignature = createHmac('sha256', 'a key of the forger')
      .update(`checkpoint v1\n${rows.at(-1)?.id}\n${prev}\n12`)
      .digest('hex');
    statements.push({ sql: 'UPDATE audit_checkpoint SET head_hash = ?, signature = ?', args: [prev, fakeSignature] });
    await t.store.batch(statements);
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: false, firstBad: { id: target, reason: expect.stringMatching(/modificado/) } });
  });

  it('fails when only the checkpoint is altered', async () => {
    await t.store.batch(['UPDATE audit_checkpoint SET count = count - 1']);
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: false, problem: expect.stringMatching(/firma del punto de control no es válida/) });
  });

  it('fails when a record is deleted from the middle', async () => {
    await t.store.batch(['DELETE FROM audit_log WHERE id = 5']);
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: false, firstBad: { id: 6 } });
  });

  it('npm run audit:verify exits 1 naming what is missing from a truncated log', async () => {
    await t.store.batch(['DELETE FROM audit_log WHERE id > 9']);
    const failed = await run(process.execPath, ['bin/run.mjs', 'scripts/audit-verify.node.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: t.url },
    }).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/ROTO: faltan 3 registro\(s\) al final/);
  });
});

describe('a log written before the chain was keyed', () => {
  async function writeLegacyLog(count: number): Promise<void> {
    let prev = '0'.repeat(64);
    const statements: { sql: string; args: (string | number)[] }[] = [
      { sql: 'DELETE FROM audit_log', args: [] },
      { sql: 'DELETE FROM audit_checkpoint', args: [] },
    ];
    for (let id = 1; id <= count; id++) {
      const fields = [prev, '2026-01-0' + ((id % 9) + 1) + 'T10:00:00.000Z', 'person:1', 'procedure.update', 'procedure', `tramite-${id}`, '', 'abc'];
      const hash = createHash('sha256').update(fields.join('\n')).digest('hex');
      statements.push({
        sql: 'INSERT INTO audit_log (id, at, actor, action, entity, entity_id, before_hash, after_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)',
        args: [id, fields[1], fields[2], fields[3], fields[4], fields[5], 'abc', prev, hash],
      });
      prev = hash;
    }
    await t.store.batch(statements);
  }

  it('is sealed again under the key when its old chain is intact', async () => {
    await writeLegacyLog(5);
    await t.store.write((tx) => resealLegacyAuditLog(t.store, tx));
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: true, checked: 5 });
    await append(1);
    expect(await rowCount()).toBe(6);
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: true, checked: 6 });
  });

  it('is left as found when its old chain was already broken, for audit:verify to report', async () => {
    await writeLegacyLog(5);
    await t.store.batch(["UPDATE audit_log SET actor = 'person:2' WHERE id = 3"]);
    await t.store.write((tx) => resealLegacyAuditLog(t.store, tx));
    expect((await verifyAuditChain(t.store)).ok).toBe(false);
  });
});
