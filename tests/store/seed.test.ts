import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeedCatalog } from '../../store/seed.node.ts';
import { procedureDocumentSchema } from '../../store/catalog/exchange-format.ts';
import { migrate } from '../../store/migrate.ts';
import { loadMigrations } from '../../store/migrations.node.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../store/db.ts';
import { createLocalClient } from '../../store/libsql-local.node.ts';
import { generateDataKey } from '../../store/field-cipher.ts';

let t: TestStore;
beforeAll(async () => {
  t = await createTestStore('seed');
});
afterAll(() => t.cleanup());

async function scalar(sql: string): Promise<number> {
  return Number((await t.store.db.execute(sql)).rows[0].n);
}

describe('the seed catalog', () => {
  it('holds at least 150 real procedures from at least 15 institutions and 12 themes', async () => {
    expect(await scalar("SELECT count(*) AS n FROM procedures WHERE status = 'published' AND synthetic = 0")).toBeGreaterThanOrEqual(150);
    expect(await scalar('SELECT count(DISTINCT institution_id) AS n FROM procedures')).toBeGreaterThanOrEqual(15);
    expect(await scalar('SELECT count(DISTINCT category_id) AS n FROM procedures')).toBeGreaterThanOrEqual(12);
  });

  it('gives every procedure the fields people need', () => {
    for (const { file, rows } of readSeedCatalog()) {
      for (const row of rows) {
        const doc = procedureDocumentSchema.parse(row.value);
        const where = `${file} #${row.row} ${doc.slug}`;
        expect(doc.requirements.length + doc.documents.length, where).toBeGreaterThan(0);
        expect(doc.steps.length, where).toBeGreaterThan(0);
        expect(doc.cost, where).toBeDefined();
        expect(doc.keywords.length, where).toBeGreaterThanOrEqual(3);
        expect(doc.offices.length + (doc.online_url ? 1 : 0), where).toBeGreaterThan(0);
        expect(doc.updated_at, where).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(doc.synthetic, where).toBeUndefined();
      }
    }
  });

  it('loads the 2024 territory: 14 departments, 44 municipalities, 262 districts', async () => {
    expect(await scalar('SELECT count(*) AS n FROM departments')).toBe(14);
    expect(await scalar('SELECT count(*) AS n FROM municipalities')).toBe(44);
    expect(await scalar('SELECT count(*) AS n FROM districts')).toBe(262);
    expect(
      await scalar("SELECT count(*) AS n FROM districts d JOIN municipalities m ON m.code = d.municipality_code WHERE m.name = 'San Salvador Centro'"),
    ).toBe(5);
  });

  it('migrates once: a second run applies nothing and changes nothing', async () => {
    const before = await scalar('SELECT count(*) AS n FROM procedures');
    expect(await migrate(t.store, loadMigrations())).toEqual([]);
    expect(await scalar('SELECT count(*) AS n FROM procedures')).toBe(before);
  });

  it('migrates a store two processes open at once: each migration applied once, neither start fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portal-migrate-'));
    try {
      const url = `file:${join(dir, 'compartida.db')}`;
      const dataKey = generateDataKey();
      // Two stores as two Node processes open them (the local driver, a connection each).
      const a = await openStore({ url, dataKey, connect: createLocalClient });
      const b = await openStore({ url, dataKey, connect: createLocalClient });
      const [first, second] = await Promise.all([migrate(a, loadMigrations()), migrate(b, loadMigrations())]);
      expect([...first, ...second].sort()).toEqual(
        loadMigrations()
          .map((m) => m.name)
          .sort(),
      );
      expect(Number((await a.db.execute('SELECT count(*) AS n FROM schema_migrations')).rows[0].n)).toBe(loadMigrations().length);
      a.close();
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses WAL so readers never wait for the writer', async () => {
    const mode = await t.store.db.execute('PRAGMA journal_mode');
    expect(String(mode.rows[0].journal_mode)).toBe('wal');
  });
});
