import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../store/audit/audit.ts';
import { listMissingProcedures } from '../../store/catalog/missing-requests.ts';
import { fixedClock } from '../../store/clock.ts';
import type { Store } from '../../store/db.ts';
import { migrate } from '../../store/migrate.ts';
import { loadMigrations } from '../../store/migrations.node.ts';
import { systemActor } from '../../store/policy.ts';
import { openConfiguredStore, prepareStore } from '../../store/seed.node.ts';
import { TEST_NOW } from '../fixtures/store.ts';

/** A store as the catalog half left it (migrations 1–6), with data, upgraded by today's code. */
describe('upgrading a store written before the foundation changes', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portal-upgrade-'));
    store = await openConfiguredStore({ DATABASE_URL: `file:${join(dir, 'portal.db')}` }, {}, { clock: fixedClock(TEST_NOW) });
    await migrate(
      store,
      loadMigrations().filter((migration) => migration.version <= 6),
    );
    const legacyHash = createHash('sha256')
      .update(['0'.repeat(64), '2026-01-05T10:00:00.000Z', 'person:1', 'person.create', 'person', '1', '', 'abc'].join('\n'))
      .digest('hex');
    await store.batch([
      "INSERT INTO institutions (slug, name) VALUES ('rnpn', 'Registro Nacional de las Personas Naturales')",
      "INSERT INTO people (email, role, password_hash) VALUES ('viejo@portal.test', 'admin', 'x')",
      {
        sql: "INSERT INTO audit_log (at, actor, action, entity, entity_id, before_hash, after_hash, prev_hash, hash) VALUES ('2026-01-05T10:00:00.000Z', 'person:1', 'person.create', 'person', '1', NULL, 'abc', ?, ?)",
        args: ['0'.repeat(64), legacyHash],
      },
      "INSERT INTO missing_procedure_requests (query, details) VALUES ('permiso de fiestas patronales', 'en mi colonia')",
      'INSERT INTO search_outbox (procedure_id, attempts) VALUES (7, 2), (7, 3), (9, 0)',
      "INSERT INTO app_secrets (name, value) VALUES ('client-hash', 'ff')",
      "INSERT INTO feedback_once (procedure_id, kind, client, day) VALUES (1, 'want_online', 'abc', '2026-01-05')",
    ]);
    await prepareStore(store, { seedCatalog: false });
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seals the intact audit chain again under the key, with a checkpoint', async () => {
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true, checked: 1 });
  });

  it('moves search sync rows to the one outbox, one pending row per procedure', async () => {
    const rows = await store.db.execute('SELECT kind, payload, state, attempts FROM outbox ORDER BY id');
    expect(rows.rows.map((row) => [row.kind, JSON.parse(String(row.payload)).procedureId, row.state, Number(row.attempts)])).toEqual([
      ['search.procedure', 7, 'pending', 3],
      ['search.procedure', 9, 'pending', 0],
    ]);
  });

  it('encrypts what people wrote in the missing-procedure form, and drops the key kept beside the hashes', async () => {
    const stored = await store.db.execute('SELECT query, details FROM missing_procedure_requests');
    expect(String(stored.rows[0].query)).toMatch(/^v1:/);
    expect(readFileSync(join(dir, 'portal.db')).toString('latin1')).not.toContain('fiestas patronales');
    expect(await listMissingProcedures(store, systemActor('cli'))).toEqual([
      expect.objectContaining({ query: 'permiso de fiestas patronales', count: 1, details: ['en mi colonia'] }),
    ]);
    const gone = await store.db.execute("SELECT name FROM sqlite_master WHERE name IN ('app_secrets', 'search_outbox', 'missing_procedure_requests_plain')");
    expect(gone.rows).toEqual([]);
    expect(Number((await store.db.execute('SELECT count(*) AS n FROM feedback_once')).rows[0].n)).toBe(0);
  });
});
