// The Hrana-over-HTTP stand-in answers @libsql/client/web as @libsql/client answers on a local file:
// the same statements through both, compared. Where sqld itself answers differently from the local
// client, the test says so and checks sqld's answer.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient as createFileClient, LibsqlError, type Client, type InStatement, type ResultSet } from '@libsql/client';
import { createClient as createWebClient } from '@libsql/client/web';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../store/db.ts';
import { generateDataKey } from '../../store/field-cipher.ts';
import { loadMigrations } from '../../store/migrations.node.ts';
import { prepareStore } from '../../store/seed.node.ts';
import { startLibsqlHttpServer, type LibsqlHttpServer } from '../../scripts/libsql-http.node.ts';

let dir: string;
let server: LibsqlHttpServer;
let remote: Client;
let local: Client;
const opened: { close(): unknown }[] = [];

const SETUP = `CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, age INTEGER, score REAL, photo BLOB, note TEXT);
  INSERT INTO people (name, age, score, photo, note) VALUES ('Ana', 34, 7.5, x'00ff10', NULL), ('Beto', 9007199254740991, -0.25, NULL, 'ñ');`;

/** A server of its own on another file of `dir`, closed after the test. */
async function startServer(name: string, options: Partial<Parameters<typeof startLibsqlHttpServer>[0]> = {}): Promise<LibsqlHttpServer> {
  const started = await startLibsqlHttpServer({ path: join(dir, name), ...options });
  opened.push(started);
  return started;
}

function webClient(config: Parameters<typeof createWebClient>[0]): Client {
  const client = createWebClient(config);
  opened.push(client);
  return client;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portal-http-'));
  server = await startServer('served.db');
  remote = webClient({ url: server.url });
  local = createFileClient({ url: `file:${join(dir, 'local.db')}` });
  opened.push(local);
  for (const client of [remote, local]) {
    const tx = await client.transaction('write');
    await tx.executeMultiple(SETUP);
    await tx.commit();
  }
});
afterEach(async () => {
  for (const each of opened.splice(0).reverse()) await each.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a result says, in plain values (rows by name and by index, both). */
function plain(result: ResultSet) {
  return {
    columns: result.columns,
    columnTypes: result.columnTypes,
    byName: result.rows.map((row) => ({ ...row })),
    byIndex: result.rows.map((row) => Array.from({ length: row.length }, (_, i) => row[i])),
    rowsAffected: result.rowsAffected,
    lastInsertRowid: result.lastInsertRowid,
    json: JSON.parse(JSON.stringify(result)),
  };
}

async function both(statement: InStatement, clients: [Client, Client] = [remote, local]): Promise<void> {
  const [a, b] = await Promise.all(clients.map((client) => client.execute(statement)));
  expect(plain(a)).toEqual(plain(b));
}

/** The error a statement raises, as far as both clients can tell it. */
async function errorOf(client: Client, run: (client: Client) => Promise<unknown>) {
  try {
    await run(client);
    return null;
  } catch (error) {
    return error instanceof LibsqlError ? { type: 'LibsqlError', code: error.code, message: error.message } : { type: (error as Error).name };
  }
}

const count = async (client: Client) => Number((await client.execute('SELECT count(*) AS n FROM people')).rows[0].n);

/** A raw Hrana request, for what @libsql/client/web never sends (v3, the cursor) and for malformed ones. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}, base = server.url) {
  const response = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text, json: () => JSON.parse(text) };
}

describe('the libSQL HTTP stand-in', () => {
  it('gives the same results as @libsql/client on a file: columns, types, rows by name and index, integers, reals, blobs, nulls', async () => {
    await both('SELECT * FROM people ORDER BY id');
    await both({ sql: 'SELECT name, age FROM people WHERE age > ? ORDER BY id', args: [10] });
    await both({ sql: 'SELECT name FROM people WHERE name = :name', args: { ':name': 'Beto' } });
    await both({ sql: 'SELECT name FROM people WHERE name = $name', args: { name: 'Ana' } });
    await both({ sql: 'SELECT ? AS flag, ? AS at, ? AS bytes, ? AS absent', args: [true, new Date(Date.UTC(2026, 0, 2)), new Uint8Array([1, 2]), null] });
    await both({ sql: 'SELECT typeof(?) AS a, typeof(?) AS b, typeof(?) AS c', args: [1, 1.5, 2n] });
    await both('SELECT count(*) AS n, max(id) AS top, 1 AS n FROM people');
    await both("SELECT 1.0 AS one, -0.0 AS zero, 1e300 AS huge, 'x' || char(0) || 'y' AS nul, '' AS empty, x'' AS noBytes");
    await both('SELECT 1 WHERE 0');
    await both('PRAGMA journal_mode = WAL');
  });

  it('keeps 64-bit integers whole in the intModes that can hold them, and refuses them as numbers as the local client does', async () => {
    const statement = {
      sql: 'SELECT 9223372036854775807 AS top, -9223372036854775808 AS bottom, ? AS given, 9007199254740993 AS past',
      args: [-9007199254740993n],
    };
    for (const intMode of ['bigint', 'string'] as const) {
      await both(statement, [webClient({ url: server.url, intMode }), createFileClient({ url: `file:${join(dir, 'local.db')}`, intMode })]);
    }
    const inBigint = await webClient({ url: server.url, intMode: 'bigint' }).execute(statement);
    expect(inBigint.rows[0].top).toBe(9223372036854775807n);
    const asNumbers = await Promise.all([remote, local].map((client) => errorOf(client, (c) => c.execute(statement))));
    expect(asNumbers[0]).toEqual({ type: 'RangeError' });
    expect(asNumbers[0]).toEqual(asNumbers[1]);
  });

  it('reports writes as sqld does: rows affected by INSERT, UPDATE and DELETE; the last rowid for INSERT only', async () => {
    for (const client of [remote, local]) {
      const tx = await client.transaction('write');
      const inserted = await tx.execute({ sql: 'INSERT INTO people (name, age) VALUES (?, ?)', args: ['Carla', 41] });
      expect(inserted.rowsAffected).toBe(1);
      expect(inserted.lastInsertRowid).toBe(3n);
      expect(inserted.rows).toEqual([]);
      const updated = await tx.execute({ sql: 'UPDATE people SET age = age + 1 WHERE age < ?', args: [100] });
      expect(updated.rowsAffected).toBe(2);
      // sqld reports no rowid for an UPDATE; the local client repeats the connection's last one.
      expect(updated.lastInsertRowid).toBe(client === remote ? undefined : 3n);
      const returning = await tx.execute({ sql: 'UPDATE people SET note = ? WHERE name = ? RETURNING name, note', args: ['x', 'Carla'] });
      expect(returning.rows.map((row) => ({ ...row }))).toEqual([{ name: 'Carla', note: 'x' }]);
      // sqld counts the rows a RETURNING statement changed; the local client reports 0 for any statement with rows.
      expect(returning.rowsAffected).toBe(client === remote ? 1 : 0);
      const deleted = await tx.execute("DELETE FROM people WHERE name = 'Carla'");
      expect(deleted.rowsAffected).toBe(1);
      await tx.commit();
    }
    await both('SELECT * FROM people ORDER BY id');
    // The rowid keeps its 64 bits over HTTP (the local client's passes through a double: …992n).
    const big = await remote.execute({ sql: 'INSERT INTO people (id, name) VALUES (?, ?)', args: [9007199254740993n, 'Grande'] });
    expect(big.lastInsertRowid).toBe(9007199254740993n);
  });

  it('raises the same LibsqlError codes and messages: unique, not null, syntax, unknown table; and the same argument errors', async () => {
    const statements: InStatement[] = [
      "INSERT INTO people (name) VALUES ('Ana')",
      'INSERT INTO people (age) VALUES (1)',
      'SELEC 1',
      'SELECT * FROM nobody',
      { sql: 'SELECT ?', args: [Number.NaN] },
    ];
    for (const statement of statements) {
      const plainly = await Promise.all([remote, local].map((client) => errorOf(client, (c) => c.execute(statement))));
      expect(plainly[0]).not.toBeNull();
      expect(plainly[0]).toEqual(plainly[1]);
      const inTransaction = await Promise.all(
        [remote, local].map((client) =>
          errorOf(client, async (c) => {
            const tx = await c.transaction('write');
            try {
              await tx.execute(statement);
            } finally {
              tx.close();
            }
          }),
        ),
      );
      // Inside a transaction the HTTP client wraps the error in a LibsqlBatchError whose message repeats the code.
      expect(inTransaction[0]).toEqual({ ...inTransaction[1], message: inTransaction[1]?.message?.replace(/^(\w+: )/, '$1$1') });
    }
    const unique = await remote.execute("INSERT INTO people (name) VALUES ('Ana')").catch((error: unknown) => error);
    // Hrana carries SQLite's base code only (as sqld and Turso): no extendedCode over HTTP.
    expect(unique).toMatchObject({ code: 'SQLITE_CONSTRAINT', extendedCode: undefined });
    expect((unique as Error).message).toMatch(/UNIQUE constraint failed: people\.name/);
  });

  it("runs a 'write' batch atomically: a failing statement rolls back the ones before it", async () => {
    const failing: InStatement[] = [
      "INSERT INTO people (name) VALUES ('Dora')",
      { sql: 'UPDATE people SET age = ? WHERE id = 1', args: [1] },
      "INSERT INTO people (name) VALUES ('Ana')",
    ];
    for (const client of [remote, local]) {
      const error = await client.batch(failing, 'write').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'SQLITE_CONSTRAINT', statementIndex: 2 });
      expect(await count(client)).toBe(2);
    }
    await both('SELECT * FROM people ORDER BY id');
    const results = await Promise.all([remote, local].map((client) => client.batch(failing.slice(0, 2), 'write')));
    expect(results[0].map((result) => result.rowsAffected)).toEqual([1, 1]);
    expect(results[0].map((result) => result.rowsAffected)).toEqual(results[1].map((result) => result.rowsAffected));
    await both('SELECT * FROM people ORDER BY id');
  });

  it('keeps an interactive write transaction apart: uncommitted writes unseen outside, commit keeps them, rollback drops them', async () => {
    for (const client of [remote, local]) {
      const tx = await client.transaction('write');
      await tx.execute("INSERT INTO people (name) VALUES ('Dora')");
      expect(await count(client)).toBe(2);
      expect(Number((await tx.execute('SELECT count(*) AS n FROM people')).rows[0].n)).toBe(3);
      await tx.commit();
      expect(await count(client)).toBe(3);

      const dropped = await client.transaction('write');
      await dropped.execute("INSERT INTO people (name) VALUES ('Eva')");
      await dropped.rollback();
      expect(dropped.closed).toBe(true);
      await expect(dropped.execute('SELECT 1')).rejects.toMatchObject({ code: 'TRANSACTION_CLOSED' });
      expect(await count(client)).toBe(3);
    }
    await both('SELECT * FROM people ORDER BY id');
  });

  it('runs executeMultiple as the local client does, up to its first error', async () => {
    const script =
      "INSERT INTO people (name) VALUES ('F1'); CREATE TABLE extra (x TEXT); INSERT INTO extra VALUES ('a;b'); INSERT INTO people (name) VALUES ('Ana'); INSERT INTO people (name) VALUES ('F2');";
    const errors = await Promise.all([remote, local].map((client) => errorOf(client, (c) => c.executeMultiple(script))));
    expect(errors[0]).toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    expect(errors[0]).toEqual(errors[1]);
    await both('SELECT * FROM people ORDER BY id');
    await both('SELECT * FROM extra');
  });

  it('refuses requests without the right token with 401, as sqld, and serves those with it; the version probe needs none', async () => {
    const guarded = await startServer('guarded.db', { authToken: 's3cr3t' });
    for (const authToken of [undefined, 'otro']) {
      await expect(webClient({ url: guarded.url, authToken }).execute('SELECT 1')).rejects.toMatchObject({
        code: 'SERVER_ERROR',
        message: expect.stringMatching(/HTTP status 401/),
      });
    }
    expect((await webClient({ url: guarded.url, authToken: 's3cr3t' }).execute('SELECT 1 AS one')).rows[0].one).toBe(1);
    expect((await fetch(new URL('/v2', guarded.url))).status).toBe(200);
  });

  it('closes a stream left idle: its transaction rolls back, the lock is released, and its baton answers STREAM_EXPIRED', async () => {
    const quick = await startServer('idle.db', { idleTimeoutMs: 200 });
    const abandoning = webClient({ url: quick.url });
    await abandoning.execute('CREATE TABLE t (n INTEGER)');
    const abandoned = await abandoning.transaction('write');
    await abandoned.execute('INSERT INTO t VALUES (1)');
    // Another writer waits for the lock until the abandoned stream expires; the server is not blocked meanwhile.
    const started = performance.now();
    await webClient({ url: quick.url }).execute('INSERT INTO t VALUES (2)');
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(performance.now() - started).toBeLessThan(3000);
    expect((await abandoning.execute('SELECT n FROM t')).rows.map((row) => row.n)).toEqual([2]);
    await expect(abandoned.commit()).rejects.toMatchObject({ code: 'STREAM_EXPIRED' });
  });

  it('lets a second writer wait for the lock without blocking the first, and answers SQLITE_BUSY past its busy timeout', async () => {
    const first = await remote.transaction('write');
    await first.execute("INSERT INTO people (name) VALUES ('Gil')");
    let secondDone = false;
    const second = remote.batch(["INSERT INTO people (name) VALUES ('Hugo')"], 'write').then(() => (secondDone = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(secondDone).toBe(false);
    await first.commit();
    await second;
    expect(await count(remote)).toBe(4);

    const impatient = await startServer('served.db', { busyTimeoutMs: 100 });
    const holder = await remote.transaction('write');
    await holder.execute("INSERT INTO people (name) VALUES ('Iris')");
    await expect(webClient({ url: impatient.url }).execute("INSERT INTO people (name) VALUES ('Juan')")).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    // A stream whose statement gave up stays usable: its next transaction commits.
    const insert = (name: string) => ({ type: 'execute', stmt: { sql: 'INSERT INTO people (name) VALUES (?)', args: [{ type: 'text', value: name }] } });
    const gaveUp = (await post('/v2/pipeline', { requests: [insert('Juan')] }, {}, impatient.url)).json();
    expect(gaveUp.results[0]).toMatchObject({ type: 'error', error: { code: 'SQLITE_BUSY' } });
    await holder.rollback();
    const after = await post(
      '/v2/pipeline',
      {
        baton: gaveUp.baton,
        requests: [{ type: 'execute', stmt: { sql: 'BEGIN IMMEDIATE' } }, insert('Juan'), { type: 'execute', stmt: { sql: 'COMMIT' } }, { type: 'close' }],
      },
      {},
      impatient.url,
    );
    expect(after.json().results.map((result: { type: string }) => result.type)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(await count(remote)).toBe(5);
  });

  it('speaks Hrana 3 to clients that ask: get_autocommit, is_autocommit, describe, store_sql, the cursor; protobuf is declined', async () => {
    expect((await fetch(new URL('/v3', server.url))).status).toBe(200);
    expect((await fetch(new URL('/v2', server.url))).status).toBe(200);
    expect((await fetch(new URL('/v3-protobuf', server.url))).status).toBe(404);
    const response = await post('/v3/pipeline', {
      requests: [
        { type: 'get_autocommit' },
        { type: 'execute', stmt: { sql: 'BEGIN' } },
        { type: 'get_autocommit' },
        {
          type: 'batch',
          batch: {
            steps: [
              { stmt: { sql: 'SELECT 1 AS one' }, condition: { type: 'is_autocommit' } },
              { stmt: { sql: 'SELECT 2 AS two' }, condition: { type: 'not', cond: { type: 'is_autocommit' } } },
              { stmt: { sql: 'SELEC 3' } },
              {
                stmt: { sql: 'SELECT 4' },
                condition: {
                  type: 'or',
                  conds: [
                    { type: 'error', step: 2 },
                    { type: 'ok', step: 0 },
                  ],
                },
              },
              {
                stmt: { sql: 'SELECT 5' },
                condition: {
                  type: 'and',
                  conds: [
                    { type: 'ok', step: 1 },
                    { type: 'ok', step: 3 },
                  ],
                },
              },
            ],
          },
        },
        { type: 'store_sql', sql_id: 1, sql: 'SELECT name, ? AS a, :b AS b, ?5 AS c FROM people' },
        { type: 'describe', sql_id: 1 },
        { type: 'execute', stmt: { sql_id: 1, args: [{ type: 'text', value: 'x' }] } },
        // libsql cannot bind a bare `?` by name (0.5 aborts the process): refused, as the statement's error.
        { type: 'execute', stmt: { sql_id: 1, named_args: [{ name: ':b', value: { type: 'null' } }] } },
        {
          type: 'execute',
          stmt: {
            sql: 'SELECT :b AS b, $c AS c',
            named_args: [
              { name: ':b', value: { type: 'integer', value: '-12' } },
              { name: 'c', value: { type: 'blob', base64: 'AP8=' } },
            ],
          },
        },
        { type: 'close_sql', sql_id: 1 },
        { type: 'close' },
      ],
    });
    expect(response.status).toBe(200);
    const body = response.json();
    expect(body.baton).toBeNull();
    const [before, begin, inside, batch, stored, described, positional, , named, closedSql, closed] = body.results.map(
      (result: { response: unknown }) => result.response,
    );
    expect(body.results[7]).toMatchObject({ type: 'error', error: { code: 'ARGS_INVALID' } });
    expect(before).toEqual({ type: 'get_autocommit', is_autocommit: true });
    expect(begin.type).toBe('execute');
    expect(inside).toEqual({ type: 'get_autocommit', is_autocommit: false });
    expect(batch.result.step_results.map((result: unknown) => result !== null)).toEqual([false, true, false, true, true]);
    expect(batch.result.step_results[1].rows).toEqual([[{ type: 'integer', value: '2' }]]);
    expect(batch.result.step_errors[2]).toMatchObject({ code: 'SQLITE_ERROR', message: expect.stringMatching(/syntax error/) });
    expect([stored, closedSql, closed]).toEqual([{ type: 'store_sql' }, { type: 'close_sql' }, { type: 'close' }]);
    expect(described.result).toEqual({
      params: [{ name: null }, { name: ':b' }, { name: null }, { name: null }, { name: '?5' }],
      cols: [
        { name: 'name', decltype: 'TEXT' },
        { name: 'a', decltype: null },
        { name: 'b', decltype: null },
        { name: 'c', decltype: null },
      ],
      is_explain: false,
      is_readonly: true,
    });
    expect(positional.result.rows[0]).toEqual([{ type: 'text', value: 'Ana' }, { type: 'text', value: 'x' }, { type: 'null' }, { type: 'null' }]);
    expect(named.result.rows).toEqual([
      [
        { type: 'integer', value: '-12' },
        { type: 'blob', base64: 'AP8=' },
      ],
    ]);

    // Hrana 2 has neither.
    expect((await post('/v2/pipeline', { requests: [{ type: 'get_autocommit' }] })).status).toBe(400);

    const cursor = await post('/v3/cursor', {
      batch: {
        steps: [
          { stmt: { sql: 'SELECT name FROM people ORDER BY id' } },
          { stmt: { sql: 'SELEC 2' } },
          { stmt: { sql: 'SELECT 3' }, condition: { type: 'ok', step: 1 } },
          { stmt: { sql: "INSERT INTO people (name) VALUES ('Kim')" } },
        ],
      },
    });
    const entries = cursor.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries[0]).toEqual({ baton: expect.any(String), base_url: null });
    expect(entries.slice(1).map((entry) => entry.type)).toEqual(['step_begin', 'row', 'row', 'step_end', 'step_error', 'step_begin', 'step_end']);
    expect(entries[2]).toEqual({ type: 'row', row: [{ type: 'text', value: 'Ana' }] });
    expect(entries[7]).toEqual({ type: 'step_end', affected_row_count: 1, last_insert_rowid: '3' });
    const close = await post('/v3/pipeline', { baton: entries[0].baton, requests: [{ type: 'close' }] });
    expect(close.json()).toMatchObject({ baton: null, results: [{ type: 'ok', response: { type: 'close' } }] });
  });

  it('answers malformed requests with 400 and a JSON message, and keeps serving', async () => {
    const bad = [
      await post('/v2/pipeline', '{not json'),
      await post('/v2/pipeline', { requests: [{ type: 'teleport' }] }),
      await post('/v2/pipeline', { baton: 'made-up', requests: [] }),
      await post('/v2/pipeline', { requests: [{ type: 'execute', stmt: { sql: 'SELECT ?', args: [{ type: 'integer', value: '1.5' }] } }] }),
      await post('/v2/pipeline', { requests: [{ type: 'execute', stmt: { sql: 'SELECT ?', args: [{ type: 'integer', value: '9223372036854775808' }] } }] }),
      await post('/v2/pipeline', { requests: [{ type: 'execute', stmt: { sql_id: 7 } }] }),
      await post('/v2/pipeline', { requests: [{ type: 'batch', batch: { steps: [{ stmt: { sql: 'SELECT 1' }, condition: { type: 'ok', step: 0 } }] } }] }),
    ];
    for (const response of bad) {
      expect(response.status).toBe(400);
      expect(response.type).toBe('application/json');
      expect(response.json().message).toEqual(expect.any(String));
    }
    expect((await post('/v9/pipeline', { requests: [] })).status).toBe(404);
    // Statement-level refusals are the statement's error, not the request's.
    const mixed = await post('/v2/pipeline', {
      requests: [
        { type: 'execute', stmt: { sql: 'SELECT ?', args: [{ type: 'null' }], named_args: [{ name: 'a', value: { type: 'null' } }] } },
        { type: 'close' },
      ],
    });
    expect(mixed.json().results[0]).toMatchObject({ type: 'error', error: { code: 'ARGS_BOTH_POSITIONAL_AND_NAMED' } });
    expect(await count(remote)).toBe(2);
  });

  it('runs the store over HTTP: openStore, every migration and the reference data, as on a local file', async () => {
    const served = await startServer('portal.db');
    const store = await openStore({
      url: `file:${join(dir, 'portal.db')}`,
      dataKey: generateDataKey(),
      connect: ({ authToken }) => webClient({ url: served.url, authToken }),
    });
    opened.push(store);
    const prepared = await prepareStore(store, { seedCatalog: false });
    expect(prepared.migrationsApplied).toEqual(loadMigrations().map((migration) => migration.name));
    expect((await prepareStore(store, { seedCatalog: false })).migrationsApplied).toEqual([]);
    const { rows } = await store.db.execute('SELECT count(*) AS n FROM schema_migrations');
    expect(Number(rows[0].n)).toBe(loadMigrations().length);
  });

  it('starts from the command line, prints its URL as one JSON line, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/run.mjs', 'scripts/libsql-http.node.ts', join(dir, 'cli.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const { url } = JSON.parse(line) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = webClient({ url });
    expect((await client.execute('SELECT 40 + 2 AS n')).rows[0].n).toBe(42);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
