// The local driver answers as @libsql/client does: the same statements through both, compared.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, LibsqlError, type InStatement } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreClient } from '../../store/db.ts';
import { createLocalClient, localCheckpoints } from '../../store/libsql-local.node.ts';
import { CHECKPOINT_DELAY_MS } from '../../store/wal-checkpoints.node.ts';

let dir: string;
let ours: StoreClient;
let theirs: StoreClient;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portal-local-'));
  // Two files with the same schema and rows, one per client.
  const setup = `PRAGMA journal_mode = WAL;
    CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, age INTEGER, score REAL, photo BLOB, note TEXT);
    INSERT INTO people (name, age, score, photo, note) VALUES ('Ana', 34, 7.5, x'00ff10', NULL), ('Beto', 9007199254740991, -0.25, NULL, 'ñ');`;
  ours = createLocalClient({ url: `file:${join(dir, 'ours.db')}` });
  theirs = createClient({ url: `file:${join(dir, 'theirs.db')}` });
  for (const client of [ours, theirs]) {
    const tx = await client.transaction('write');
    await tx.executeMultiple(setup.replace('PRAGMA journal_mode = WAL;', ''));
    await tx.commit();
  }
});
afterEach(() => {
  ours.close();
  theirs.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a result says, in plain values (rows by name and by index, both). */
function plain(result: Awaited<ReturnType<StoreClient['execute']>>) {
  return {
    columns: result.columns,
    columnTypes: result.columnTypes,
    byName: result.rows.map((row) => ({ ...row })),
    byIndex: result.rows.map((row) => Array.from({ length: row.length }, (_, i) => row[i])),
    keys: result.rows.map((row) => Object.keys(row)),
    rowJson: result.rows.map((row) => JSON.stringify(row)),
    positions: result.rows.map((row) => [0 in row, row.length in row]),
    rowsAffected: result.rowsAffected,
    lastInsertRowid: result.lastInsertRowid,
    json: JSON.parse(JSON.stringify(result)),
  };
}

async function both(statement: InStatement): Promise<void> {
  const [a, b] = await Promise.all([ours.execute(statement), theirs.execute(statement)]);
  expect(plain(a)).toEqual(plain(b));
}

describe('the local libSQL driver', () => {
  it('gives the same results as @libsql/client: columns, rows by name and index, integers, reals, blobs, nulls', async () => {
    await both('SELECT * FROM people ORDER BY id');
    await both({ sql: 'SELECT name, age FROM people WHERE age > ? ORDER BY id', args: [10] });
    await both({ sql: 'SELECT name FROM people WHERE name = :name', args: { ':name': 'Beto' } });
    await both({ sql: 'SELECT name FROM people WHERE name = $name', args: { name: 'Ana' } });
    await both({ sql: 'SELECT ? AS flag, ? AS at, ? AS bytes', args: [true, new Date(Date.UTC(2026, 0, 2)), new Uint8Array([1, 2])] });
    await both('SELECT count(*) AS n, max(id) AS top, 1 AS n FROM people');
    await both('SELECT 1 WHERE 0');
    // Rows are built from a per-statement shape unless names repeat or look like positions.
    await both('SELECT 1, 2 AS "0", 3 AS length');
    await both('SELECT name AS length, age AS "1" FROM people ORDER BY id');
  });

  it('reports writes as @libsql/client does: rows affected and the last rowid; RETURNING returns rows', async () => {
    for (const client of [ours, theirs]) {
      const tx = await client.transaction('write');
      const inserted = await tx.execute({ sql: 'INSERT INTO people (name, age) VALUES (?, ?)', args: ['Carla', 41] });
      expect(inserted.rowsAffected).toBe(1);
      expect(inserted.lastInsertRowid).toBe(3n);
      expect(inserted.rows).toEqual([]);
      const updated = await tx.execute({ sql: 'UPDATE people SET age = age + 1 WHERE age < ?', args: [100] });
      expect(updated.rowsAffected).toBe(2);
      const returning = await tx.execute({ sql: 'UPDATE people SET note = ? WHERE name = ? RETURNING id, note', args: ['x', 'Carla'] });
      expect(returning.rows.map((row) => ({ ...row }))).toEqual([{ id: 3, note: 'x' }]);
      await tx.commit();
    }
    await both('SELECT * FROM people ORDER BY id');
  });

  it('throws the same LibsqlError codes: constraint, syntax, unknown table; refuses integers past 2^53 and undefined arguments', async () => {
    const errorOf = async (client: StoreClient, statement: InStatement) => {
      const tx = await client.transaction('write');
      try {
        await tx.execute(statement);
        return null;
      } catch (error) {
        return error instanceof LibsqlError ? { type: 'LibsqlError', code: error.code, extended: error.extendedCode } : { type: (error as Error).name };
      } finally {
        tx.close();
      }
    };
    for (const statement of [
      { sql: "INSERT INTO people (name) VALUES ('Ana')" },
      { sql: 'INSERT INTO people (age) VALUES (1)' },
      'SELEC 1',
      'SELECT * FROM nobody',
      { sql: 'SELECT ?', args: [undefined as unknown as null] },
      { sql: 'SELECT ?', args: [Number.NaN] },
    ] as InStatement[]) {
      expect(await errorOf(ours, statement)).toEqual(await errorOf(theirs, statement));
    }
    expect(await errorOf(ours, { sql: "INSERT INTO people (name) VALUES ('Ana')" })).toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    await expect(ours.execute('SELECT 9007199254740993 AS big')).rejects.toThrow(RangeError);
  });

  it('keeps reads apart from an open write transaction, and a rolled-back one leaves nothing', async () => {
    const tx = await ours.transaction('write');
    await tx.execute("INSERT INTO people (name) VALUES ('Dora')");
    expect((await ours.execute('SELECT count(*) AS n FROM people')).rows[0].n).toBe(2);
    expect((await tx.execute('SELECT count(*) AS n FROM people')).rows[0].n).toBe(3);
    await tx.rollback();
    expect(tx.closed).toBe(true);
    await expect(tx.execute('SELECT 1')).rejects.toMatchObject({ code: 'TRANSACTION_CLOSED' });
    expect((await ours.execute('SELECT count(*) AS n FROM people')).rows[0].n).toBe(2);
  });

  it('never shows a group its own uncommitted writes from outside, though reads between transactions use the writer', async () => {
    const count = () => ours.execute('SELECT count(*) AS n FROM people').then((result) => Number(result.rows[0].n));
    const warm = await ours.transaction('write');
    await warm.execute("INSERT INTO people (name) VALUES ('Eva')");
    await warm.commit();
    const before = await count();
    const tx = await ours.transaction('write');
    await tx.execute("INSERT INTO people (name) VALUES ('Flor')");
    // Another request's read, in between the group's statements (same turn, microtasks apart).
    const [outside] = await Promise.all([count(), tx.execute("INSERT INTO people (name) VALUES ('Gala')")]);
    expect(outside).toBe(before);
    await tx.rollback();
    expect(await count()).toBe(before);
    const cleanup = await ours.transaction('write');
    await cleanup.execute("DELETE FROM people WHERE name = 'Eva'");
    await cleanup.commit();
    expect(await count()).toBe(before - 1);
  });

  it('sees every commit on the next read, though the read statement is kept prepared', async () => {
    const count = () => ours.execute('SELECT count(*) AS n FROM people').then((result) => Number(result.rows[0].n));
    for (let i = 0; i < 5; i++) {
      expect(await count()).toBe(2 + i);
      const tx = await ours.transaction('write');
      await tx.execute({ sql: 'INSERT INTO people (name) VALUES (?)', args: [`P${i}`] });
      await tx.commit();
    }
    // A writer in another connection (another process): seen as well.
    const other = createClient({ url: `file:${join(dir, 'ours.db')}` });
    const tx = await other.transaction('write');
    await tx.execute("INSERT INTO people (name) VALUES ('Otra')");
    await tx.commit();
    other.close();
    expect(await count()).toBe(8);
  });

  it('reads the new columns of SELECT * after a migration adds one', async () => {
    await ours.execute('SELECT * FROM people');
    const tx = await ours.transaction('write');
    await tx.executeMultiple("ALTER TABLE people ADD COLUMN town TEXT NOT NULL DEFAULT 'San Miguel'");
    await tx.commit();
    const after = await ours.execute('SELECT * FROM people ORDER BY id');
    expect(after.columns).toContain('town');
    expect(after.rows[0].town).toBe('San Miguel');
    // …and after another connection adds one.
    const other = createClient({ url: `file:${join(dir, 'ours.db')}` });
    await other.execute('ALTER TABLE people ADD COLUMN zone TEXT');
    other.close();
    expect((await ours.execute('SELECT * FROM people ORDER BY id')).columns).toContain('zone');
  });

  it('gives one write transaction at a time; the next waits for the first to end', async () => {
    const first = await ours.transaction('write');
    let secondStarted = false;
    const second = ours.transaction('write').then((tx) => {
      secondStarted = true;
      return tx;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(secondStarted).toBe(false);
    await first.commit();
    const tx = await second;
    expect(secondStarted).toBe(true);
    await tx.rollback();
  });

  it('refuses anything but a local file, and everything once closed', async () => {
    expect(() => createLocalClient({ url: 'libsql://example.turso.io' })).toThrow(/file:/);
    expect(() => createLocalClient({ url: 'file::memory:' })).toThrow(/file:/);
    ours.close();
    await expect(ours.execute('SELECT 1')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });
});

describe('durable commits in WAL mode', () => {
  it('commits with synchronous NORMAL and answers only after the WAL file is synced off the event loop', async () => {
    const path = join(dir, 'durable.db');
    const synced: string[] = [];
    let release!: () => void;
    const client = createLocalClient({
      url: `file:${path}`,
      syncFile: (file) => {
        synced.push(file);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    try {
      await client.execute('PRAGMA journal_mode = WAL');
      const tx = await client.transaction('write');
      await tx.execute('CREATE TABLE t (a TEXT)');
      await tx.execute("INSERT INTO t VALUES ('x')");
      expect(Number((await tx.execute('PRAGMA synchronous')).rows[0][0])).toBe(1); // NORMAL
      let answered = false;
      const committing = tx.commit().then(() => (answered = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Committed (another connection reads it) but not answered until the sync is done.
      expect(synced).toEqual([`${path}-wal`]);
      expect(answered).toBe(false);
      expect((await client.execute('SELECT a FROM t')).rows.length).toBe(1);
      release();
      await committing;
      expect(answered).toBe(true);
    } finally {
      client.close();
    }
  });

  it('syncs nothing for a read transaction, nor outside WAL mode (SQLite syncs inside COMMIT there)', async () => {
    const synced: string[] = [];
    const client = createLocalClient({ url: `file:${join(dir, 'rollback-journal.db')}`, syncFile: async (file) => void synced.push(file) });
    try {
      const tx = await client.transaction('write');
      await tx.execute('CREATE TABLE t (a TEXT)');
      expect(Number((await tx.execute('PRAGMA synchronous')).rows[0][0])).toBe(2); // FULL, the default
      await tx.commit();
      const read = await client.transaction('read');
      await read.execute('SELECT count(*) FROM t');
      await read.commit();
      expect(synced).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('commits through the default syncer (the WAL file kept open), commit after commit', async () => {
    const client = createLocalClient({ url: `file:${join(dir, 'real.db')}` });
    try {
      await client.execute('PRAGMA journal_mode = WAL');
      for (let round = 0; round < 3; round++) {
        const tx = await client.transaction('write');
        await tx.execute(round === 0 ? 'CREATE TABLE t (a TEXT)' : `INSERT INTO t VALUES ('${round}')`);
        await tx.commit();
      }
      expect((await client.execute('SELECT count(*) AS n FROM t')).rows[0].n).toBe(2);
    } finally {
      client.close();
    }
  });
});

describe('WAL checkpoints off the event loop', () => {
  /** Writes `rows` rows of 1 KB in `commits` commits. */
  async function fill(client: StoreClient, commits: number, rows: number) {
    for (let i = 0; i < commits; i++) {
      const tx = await client.transaction('write');
      if (i === 0) await tx.execute('CREATE TABLE IF NOT EXISTS t (a TEXT)');
      for (let j = 0; j < rows; j++) await tx.execute({ sql: 'INSERT INTO t VALUES (?)', args: [`${i}-${j}-${'x'.repeat(1000)}`] });
      await tx.commit();
    }
  }

  it("turns the writer's automatic checkpoints off and copies the WAL into the database on the checkpoint thread", async () => {
    const path = join(dir, 'checkpointed.db');
    const client = createLocalClient({ url: `file:${path}` });
    try {
      await client.execute('PRAGMA journal_mode = WAL');
      await fill(client, 20, 100); // about 2 MB: under SQLite's own threshold (1,000 pages, 4 MB)
      const tx = await client.transaction('write');
      expect(Number((await tx.execute('PRAGMA wal_autocheckpoint')).rows[0][0])).toBe(0);
      await tx.commit();
      const checkpoints = localCheckpoints(client)!;
      expect(checkpoints.offLoop).toBe(true);
      const result = await checkpoints.settled();
      expect(result).toMatchObject({ busy: 0 });
      expect(result!.checkpointed).toBe(result!.frames);
      // In WAL mode the database file grows only by checkpoints.
      expect(statSync(path).size).toBeGreaterThan(2_000_000);
      expect((await client.execute('SELECT count(*) AS n FROM t')).rows[0].n).toBe(2000);
    } finally {
      client.close();
    }
  });

  it("keeps SQLite's automatic checkpoints when asked to stay on the loop", async () => {
    const path = join(dir, 'on-loop.db');
    const client = createLocalClient({ url: `file:${path}`, offLoopCheckpoints: false });
    try {
      await client.execute('PRAGMA journal_mode = WAL');
      await fill(client, 2, 10);
      const tx = await client.transaction('write');
      expect(Number((await tx.execute('PRAGMA wal_autocheckpoint')).rows[0][0])).toBe(1000);
      await tx.commit();
      expect(localCheckpoints(client)?.offLoop).toBe(false);
    } finally {
      client.close();
    }
  });

  it('never opens, nor creates again, a database whose client closed before its checkpoint ran', async () => {
    const own = mkdtempSync(join(tmpdir(), 'portal-closed-'));
    const path = join(own, 'gone.db');
    const client = createLocalClient({ url: `file:${path}` });
    await client.execute('PRAGMA journal_mode = WAL');
    await fill(client, 3, 10); // a checkpoint is now due in CHECKPOINT_DELAY_MS
    client.close();
    rmSync(own, { recursive: true, force: true });
    await new Promise((resolve) => setTimeout(resolve, CHECKPOINT_DELAY_MS * 2));
    expect(existsSync(own)).toBe(false);
    // A database opened afterwards is checkpointed as before.
    const again = createLocalClient({ url: `file:${join(dir, 'again.db')}` });
    try {
      await again.execute('PRAGMA journal_mode = WAL');
      await fill(again, 2, 10);
      expect(await localCheckpoints(again)!.settled()).toMatchObject({ busy: 0 });
    } finally {
      again.close();
    }
  });
});
