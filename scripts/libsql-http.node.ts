// A libSQL server for tests and local Worker development: Hrana over HTTP (JSON), backed by the
// `libsql` engine on a local file. NOT a production server: production uses Turso or sqld.
//
//   node bin/run.mjs scripts/libsql-http.node.ts data/dev.db [PORT]   → {"url":"http://127.0.0.1:PORT"}
//
// What @libsql/client/web 0.18 (@libsql/hrana-client 0.10) sends: only POST /v2/pipeline. It opens
// Hrana at protocol version 2 and never probes; hrana-client, asked for version 3, probes only
// GET /v3-protobuf (its JSON v3 probe is commented out) and takes v2 on any non-2xx. This server
// speaks JSON only, so /v3-protobuf answers 404 and such a client falls back to /v2 JSON.
// /v3/pipeline (get_autocommit, is_autocommit) and /v3/cursor are served for other clients.
//
// As sqld (libsql-server/src/hrana): each stream has its own connection to the file, so a stream's
// open transaction is isolated; every response carries a new baton and the old one is void; a
// stream left idle for `idleTimeoutMs` (sqld: 10 s) is closed and its transaction rolled back, which
// releases the write lock; `affected_row_count` is counted for INSERT/UPDATE/DELETE only and
// `last_insert_rowid` given for INSERT only (the local client gives both for any write).
//
// As the local client instead: SQL errors carry SQLite's base code (`SQLITE_CONSTRAINT`) and its
// message unprefixed, and a syntax error is `SQLITE_ERROR`; sqld parses first and answers
// `SQL_PARSE_ERROR`, prefixes "SQLite error: " and refuses several statements in one execute, where
// libsql runs the first. Hrana has no field for the extended code (`SQLITE_CONSTRAINT_UNIQUE`):
// over HTTP `extendedCode` is undefined, here as on Turso.
//
// Waiting for the lock: connections have no SQLite busy handler, which would block the event loop
// and with it the stream that holds the lock; a statement that meets SQLITE_BUSY is retried
// asynchronously for up to `busyTimeoutMs`. A `sequence` (executeMultiple) is not retried: it may have
// run part of its statements when it meets the lock. The store runs its scripts inside its write
// transaction, which already holds the lock.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'libsql';
import { z } from 'zod';

export interface LibsqlHttpServerOptions {
  /** The database file; created if missing and put in WAL mode. */
  path: string;
  /** 0 (the default) takes a free port. */
  port?: number;
  /** Default 127.0.0.1: loopback only. */
  host?: string;
  /** When set, pipeline and cursor requests need `Authorization: Bearer <authToken>` (401 otherwise, as sqld). */
  authToken?: string;
  /** Milliseconds a stream lives unused before it is closed and rolled back (default 10 000, as sqld). */
  idleTimeoutMs?: number;
  /** Milliseconds a statement keeps retrying while another connection holds the lock (default 5 000). */
  busyTimeoutMs?: number;
}

export interface LibsqlHttpServer {
  url: string;
  close(): Promise<void>;
}

// The request shapes of Hrana over HTTP, JSON encoding (hrana-client's http/json_encode.js).
const hranaValue = z.discriminatedUnion('type', [
  z.object({ type: z.literal('null') }),
  z.object({ type: z.literal('integer'), value: z.string().regex(/^-?\d{1,19}$/) }),
  z.object({ type: z.literal('float'), value: z.number() }),
  z.object({ type: z.literal('text'), value: z.string() }),
  z.object({ type: z.literal('blob'), base64: z.string() }),
]);
type HranaValue = z.infer<typeof hranaValue>;

const hranaStmt = z.object({
  sql: z.string().nullish(),
  sql_id: z.number().int().nullish(),
  args: z.array(hranaValue).default([]),
  named_args: z.array(z.object({ name: z.string(), value: hranaValue })).default([]),
  want_rows: z.boolean().default(true),
});
type HranaStmt = z.infer<typeof hranaStmt>;

type Cond = { type: 'ok' | 'error'; step: number } | { type: 'not'; cond: Cond } | { type: 'and' | 'or'; conds: Cond[] } | { type: 'is_autocommit' };
const cond: z.ZodType<Cond> = z.lazy(() =>
  z.union([
    z.object({ type: z.enum(['ok', 'error']), step: z.number().int().nonnegative() }),
    z.object({ type: z.literal('not'), cond }),
    z.object({ type: z.enum(['and', 'or']), conds: z.array(cond) }),
    z.object({ type: z.literal('is_autocommit') }),
  ]),
);

const hranaBatch = z.object({ steps: z.array(z.object({ condition: cond.nullish(), stmt: hranaStmt })) });
type HranaBatch = z.infer<typeof hranaBatch>;

const sqlRef = { sql: z.string().nullish(), sql_id: z.number().int().nullish() };
const streamRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('close') }),
  z.object({ type: z.literal('execute'), stmt: hranaStmt }),
  z.object({ type: z.literal('batch'), batch: hranaBatch }),
  z.object({ type: z.literal('sequence'), ...sqlRef }),
  z.object({ type: z.literal('describe'), ...sqlRef }),
  z.object({ type: z.literal('store_sql'), sql_id: z.number().int(), sql: z.string() }),
  z.object({ type: z.literal('close_sql'), sql_id: z.number().int() }),
  z.object({ type: z.literal('get_autocommit') }),
]);
type StreamRequest = z.infer<typeof streamRequest>;

const pipelineBody = z.object({ baton: z.string().nullish(), requests: z.array(streamRequest) });
const cursorBody = z.object({ baton: z.string().nullish(), batch: hranaBatch });

interface HranaError {
  message: string;
  code: string;
}

interface StmtResult {
  cols: { name: string; decltype: string | null }[];
  rows: HranaValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
}

interface BatchResult {
  step_results: (StmtResult | null)[];
  step_errors: (HranaError | null)[];
}

interface Stream {
  db: Database.Database;
  /** SQL texts kept by `store_sql`, by id. */
  sqls: Map<number, string>;
  baton: string | null;
  idle: NodeJS.Timeout | undefined;
  /** A statement here gave up on SQLITE_BUSY; see `connectionOf`. */
  stale: boolean;
}

/** An answer other than 200; `body` is what the client reads (a `message` becomes its error). */
class HttpError extends Error {
  readonly status: number;
  readonly body: object;
  constructor(status: number, body: { message: string; code?: string } | { error: string }) {
    super('message' in body ? body.message : body.error);
    this.status = status;
    this.body = body;
  }
}

/** The request breaks the protocol (sqld answers these 400 too); the stream it used is closed. */
function protocolError(message: string): HttpError {
  return new HttpError(400, { message, code: 'HRANA_PROTO_ERROR' });
}

/** A statement refused before SQLite sees it; returned as that statement's error, as sqld's StmtError. */
class StatementError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

function hranaError(error: unknown): HranaError {
  if (error instanceof StatementError) return { message: error.message, code: error.code };
  if (error instanceof Database.SqliteError) {
    // libsql gives the extended code (SQLITE_CONSTRAINT_UNIQUE); base codes have no underscore after SQLITE_.
    const extended = (error as { code?: string }).code ?? '';
    return { message: error.message, code: /^SQLITE_[A-Z]+/.exec(extended)?.[0] ?? 'SQLITE_UNKNOWN' };
  }
  throw error;
}

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && ((error as { rawCode?: number }).rawCode ?? 0) % 256 === 5;
}

const MIN_INT64 = -9223372036854775808n;
const MAX_INT64 = 9223372036854775807n;

function fromHrana(value: HranaValue): unknown {
  switch (value.type) {
    case 'null':
      return null;
    case 'integer': {
      const integer = BigInt(value.value);
      if (integer < MIN_INT64 || integer > MAX_INT64) throw protocolError(`Entero fuera del rango de 64 bits: ${value.value}`);
      return integer;
    }
    case 'float':
    case 'text':
      return value.value;
    case 'blob':
      return Buffer.from(value.base64, 'base64');
  }
}

function toHrana(value: unknown): HranaValue {
  if (value === null || value === undefined) return { type: 'null' };
  if (typeof value === 'bigint') return { type: 'integer', value: String(value) };
  if (typeof value === 'number') return { type: 'float', value };
  if (typeof value === 'string') return { type: 'text', value };
  if (value instanceof ArrayBuffer) return { type: 'blob', base64: Buffer.from(value).toString('base64') };
  if (ArrayBuffer.isView(value)) return { type: 'blob', base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  throw new TypeError(`Valor de SQLite inesperado: ${typeof value}`);
}

const TOKEN = /[A-Za-z_][\w$]*|\?\d*|[:@$][\w$]+/y;

/**
 * What sqld's parser tells of a statement, read off its text: the words outside literals, comments
 * and parentheses (a CTE's body is in parentheses, so after WITH the first verb is the statement's),
 * and its parameters in order.
 */
function scan(sql: string): { words: string[]; params: string[] } {
  const words: string[] = [];
  const params: string[] = [];
  let depth = 0;
  for (let i = 0; i < sql.length;) {
    const c = sql[i];
    const skipTo = (end: string, from: number) => {
      const at = sql.indexOf(end, from);
      i = at < 0 ? sql.length : at + end.length;
    };
    if (c === "'" || c === '"' || c === '`') skipTo(c, i + 1);
    else if (c === '[') skipTo(']', i + 1);
    else if (c === '-' && sql[i + 1] === '-') skipTo('\n', i + 2);
    else if (c === '/' && sql[i + 1] === '*') skipTo('*/', i + 2);
    else {
      TOKEN.lastIndex = i;
      const token = TOKEN.exec(sql)?.[0];
      if (token === undefined) {
        if (c === '(') depth++;
        if (c === ')') depth--;
        i++;
        continue;
      }
      if (/^[?:@$]/.test(token)) params.push(token);
      else if (depth === 0) words.push(token.toUpperCase());
      i += token.length;
    }
  }
  return { words, params };
}

const VERBS = new Set(['SELECT', 'VALUES', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE']);

/** The statement's verb: after WITH, the first one at the top level (the CTE bodies are in parentheses). */
function verbOf(sql: string): string {
  const { words } = scan(sql);
  return (words[0] === 'WITH' ? words.find((word) => VERBS.has(word)) : words[0]) ?? '';
}

/** Parameter names as SQLite numbers them: `?` takes the next index, `?N` index N, a repeated name its first index. */
function describeParams(sql: string): { name: string | null }[] {
  const names: (string | null)[] = [];
  for (const param of scan(sql).params) {
    if (param === '?') names.push(null);
    else if (param[0] === '?') names[Number(param.slice(1)) - 1] ??= param;
    else if (!names.includes(param)) names.push(param);
  }
  return Array.from(names, (name) => ({ name: name ?? null }));
}

interface Prepared {
  sql: string;
  args: unknown[] | Record<string, unknown>;
  wantRows: boolean;
  /** Why the statement is refused before it runs, as sqld's StmtError. */
  refused?: StatementError;
}

function sqlOf(stream: Stream, sql: string | null | undefined, sqlId: number | null | undefined): string {
  if (typeof sql === 'string' && typeof sqlId === 'number') throw protocolError('Indique sql o sql_id, no ambos.');
  if (typeof sql === 'string') return sql;
  if (typeof sqlId !== 'number') throw protocolError('Falta sql o sql_id.');
  const stored = stream.sqls.get(sqlId);
  if (stored === undefined) throw protocolError(`No hay SQL guardado con sql_id ${sqlId}.`);
  return stored;
}

function prepare(stream: Stream, stmt: HranaStmt): Prepared {
  const sql = sqlOf(stream, stmt.sql, stmt.sql_id);
  if (stmt.named_args.length === 0) return { sql, args: stmt.args.map(fromHrana), wantRows: stmt.want_rows };
  const named: Record<string, unknown> = {};
  // libsql binds names without their prefix; sqld accepts either form.
  for (const arg of stmt.named_args) named[/^[:@$]/.test(arg.name) ? arg.name.slice(1) : arg.name] = fromHrana(arg.value);
  let refused: StatementError | undefined;
  if (stmt.args.length > 0) refused = new StatementError('ARGS_BOTH_POSITIONAL_AND_NAMED', 'No se pueden combinar argumentos posicionales y con nombre.');
  // libsql 0.5 aborts the whole process when it binds by name a statement with a bare `?` (it unwraps the missing name).
  else if (scan(sql).params.includes('?'))
    refused = new StatementError('ARGS_INVALID', 'Con argumentos con nombre, la sentencia no puede tener parámetros «?» sin nombre.');
  return { sql, args: named, wantRows: stmt.want_rows, refused };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Runs one statement; throws SQLite's error. While another connection holds the lock it retries for
 * up to `busyTimeoutMs`, the same prepared statement each time: SQLite keeps a statement that met
 * SQLITE_BUSY active (so that it can be retried), and an active statement blocks COMMIT.
 */
async function runStatement(db: Database.Database, { sql, args, wantRows, refused }: Prepared, busyTimeoutMs: number): Promise<StmtResult> {
  if (refused) throw refused;
  const statement = db.prepare(sql);
  statement.safeIntegers(true);
  const cols = statement.columns().map((column) => ({ name: column.name, decltype: column.type }));
  const reader = statement.reader;
  if (reader) statement.raw(true);
  let rows: unknown[][] = [];
  const deadline = performance.now() + busyTimeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    try {
      if (reader) rows = statement.all(args) as unknown[][];
      else statement.run(args);
      break;
    } catch (error) {
      if (!isBusy(error) || performance.now() + delay > deadline) throw error;
      await sleep(delay);
    }
  }
  const verb = verbOf(sql);
  let affected = 0;
  let lastInsertRowid: string | null = null;
  if (verb === 'INSERT' || verb === 'REPLACE' || verb === 'UPDATE' || verb === 'DELETE') {
    // run()'s lastInsertRowid is a double; SQLite's own functions keep all 64 bits.
    const [changes, rowid] = db.prepare('SELECT changes(), last_insert_rowid()').safeIntegers(true).raw(true).all()[0] as [bigint, bigint];
    affected = Number(changes);
    if (verb === 'INSERT' || verb === 'REPLACE') lastInsertRowid = String(rowid);
  }
  return { cols, rows: wantRows ? rows.map((row) => row.map(toHrana)) : [], affected_row_count: affected, last_insert_rowid: lastInsertRowid };
}

function holds(condition: Cond, outcomes: boolean[], autocommit: boolean): boolean {
  switch (condition.type) {
    case 'ok':
      return outcomes[condition.step];
    case 'error':
      // As sqld: a step that was skipped counts as not ok.
      return !outcomes[condition.step];
    case 'not':
      return !holds(condition.cond, outcomes, autocommit);
    case 'and':
      return condition.conds.every((each) => holds(each, outcomes, autocommit));
    case 'or':
      return condition.conds.some((each) => holds(each, outcomes, autocommit));
    case 'is_autocommit':
      return autocommit;
  }
}

function checkCondition(condition: Cond, step: number, version: number): void {
  if ((condition.type === 'ok' || condition.type === 'error') && condition.step >= step) {
    throw protocolError(`La condición del paso ${step} se refiere al paso ${condition.step}, que no lo precede.`);
  }
  if (condition.type === 'is_autocommit' && version < 3) throw protocolError('La condición is_autocommit requiere Hrana 3 (/v3).');
  if (condition.type === 'not') checkCondition(condition.cond, step, version);
  if (condition.type === 'and' || condition.type === 'or') for (const each of condition.conds) checkCondition(each, step, version);
}

/**
 * Starts the server. Each baton is a connection of its own on `path`.
 *
 * @example
 * const server = await startLibsqlHttpServer({ path: 'data/dev.db' });
 * const db = createClient({ url: server.url }); // from '@libsql/client/web'
 * await server.close();
 */
export async function startLibsqlHttpServer(options: LibsqlHttpServerOptions): Promise<LibsqlHttpServer> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const expectedAuth = options.authToken === undefined ? undefined : Buffer.from(`Bearer ${options.authToken}`);
  const setup = new Database(options.path);
  setup.exec('PRAGMA journal_mode = WAL');
  setup.close();

  const streams = new Map<string, Stream>();
  /** Idle connections, out of any transaction, for the next streams. */
  const pool: Database.Database[] = [];
  const POOL_SIZE = 8;
  let closing = false;
  const live = new Set<Stream>();
  /** Batons of streams closed for being idle, for sqld's clearer error; the oldest are forgotten. */
  const expired = new Set<string>();

  function closeStream(stream: Stream): void {
    clearTimeout(stream.idle);
    if (stream.baton !== null) streams.delete(stream.baton);
    stream.baton = null;
    live.delete(stream);
    try {
      if (stream.db.open && stream.db.inTransaction) stream.db.exec('ROLLBACK');
    } catch {
      // Closing rolls back anyway.
    }
    // A clean connection serves the next stream: opening one (and reading the schema) costs more
    // than most statements. Streams stay isolated: a pooled connection holds no transaction.
    if (stream.db.open && !stream.db.inTransaction && !stream.stale && pool.length < POOL_SIZE && !closing) pool.push(stream.db);
    else if (stream.db.open) stream.db.close();
  }

  function acquire(baton: string | null | undefined): Stream {
    if (baton === null || baton === undefined) {
      const stream: Stream = { db: connect(), sqls: new Map(), baton: null, idle: undefined, stale: false };
      live.add(stream);
      return stream;
    }
    const stream = streams.get(baton);
    if (stream === undefined) {
      if (expired.has(baton)) {
        // sqld answers an expired stream with 500 and this code; @libsql/client raises LibsqlError('STREAM_EXPIRED').
        throw new HttpError(500, { message: 'El stream se cerró por inactividad (su transacción se deshizo).', code: 'STREAM_EXPIRED' });
      }
      throw protocolError('Baton no válido: no corresponde a ningún stream abierto, o ya se usó.');
    }
    // A baton serves once: the response carries the next.
    streams.delete(baton);
    stream.baton = null;
    clearTimeout(stream.idle);
    return stream;
  }

  function release(stream: Stream): string | null {
    if (!live.has(stream)) return null;
    const baton = randomBytes(24).toString('base64url');
    stream.baton = baton;
    streams.set(baton, stream);
    stream.idle = setTimeout(() => {
      closeStream(stream);
      expired.add(baton);
      if (expired.size > 10_000) expired.delete(expired.values().next().value as string);
    }, idleTimeoutMs);
    stream.idle.unref();
    return baton;
  }

  function connect(): Database.Database {
    return pool.pop() ?? new Database(options.path, { timeout: 0 } as Database.Options);
  }

  /**
   * The stream's connection. A statement that gave up on SQLITE_BUSY stays active until libsql
   * finalizes it, whenever the garbage collector gets to it, and keeps any later COMMIT on that
   * connection from working; once out of any transaction, such a stream gets a fresh connection.
   */
  function connectionOf(stream: Stream): Database.Database {
    if (stream.stale && !stream.db.inTransaction) {
      stream.db.close();
      stream.db = connect();
      stream.stale = false;
    }
    return stream.db;
  }

  async function execute(stream: Stream, prepared: Prepared): Promise<StmtResult> {
    try {
      return await runStatement(connectionOf(stream), prepared, busyTimeoutMs);
    } catch (error) {
      if (isBusy(error)) stream.stale = true;
      throw error;
    }
  }

  async function runBatch(stream: Stream, batch: HranaBatch, version: number): Promise<BatchResult> {
    // As sqld, the whole batch is checked (SQL texts, conditions) before any step runs.
    const steps = batch.steps.map((step, index) => {
      if (step.condition) checkCondition(step.condition, index, version);
      return { condition: step.condition, prepared: prepare(stream, step.stmt) };
    });
    const outcomes: boolean[] = [];
    const result: BatchResult = { step_results: [], step_errors: [] };
    for (const { condition, prepared } of steps) {
      let stepResult: StmtResult | null = null;
      let stepError: HranaError | null = null;
      if (!condition || holds(condition, outcomes, !stream.db.inTransaction)) {
        try {
          stepResult = await execute(stream, prepared);
        } catch (error) {
          stepError = hranaError(error);
        }
      }
      outcomes.push(stepResult !== null);
      result.step_results.push(stepResult);
      result.step_errors.push(stepError);
    }
    return result;
  }

  async function handleRequest(stream: Stream, request: StreamRequest, version: number): Promise<object> {
    if (request.type === 'close') {
      closeStream(stream);
      return { type: 'close' };
    }
    if (!live.has(stream)) throw protocolError('El stream ya se cerró en esta misma petición.');
    switch (request.type) {
      case 'execute':
        return { type: 'execute', result: await execute(stream, prepare(stream, request.stmt)) };
      case 'batch':
        return { type: 'batch', result: await runBatch(stream, request.batch, version) };
      case 'sequence':
        connectionOf(stream).exec(sqlOf(stream, request.sql, request.sql_id));
        return { type: 'sequence' };
      case 'describe': {
        const sql = sqlOf(stream, request.sql, request.sql_id);
        const columns = connectionOf(stream).prepare(sql).columns();
        const verb = verbOf(sql);
        return {
          type: 'describe',
          result: {
            params: describeParams(sql),
            cols: columns.map((column) => ({ name: column.name, decltype: column.type })),
            is_explain: scan(sql).words[0] === 'EXPLAIN',
            // From the text, not sqlite3_stmt_readonly (which libsql does not expose): close enough here.
            is_readonly: verb === 'SELECT' || verb === 'VALUES' || scan(sql).words[0] === 'EXPLAIN',
          },
        };
      }
      case 'store_sql':
        if (stream.sqls.has(request.sql_id)) throw protocolError(`Ya hay SQL guardado con sql_id ${request.sql_id}.`);
        // sqld's limits (libsql-server/src/hrana/http/request.rs).
        if (stream.sqls.size >= 50) throw new StatementError('SQL_STORE_TOO_MANY', 'El stream ya guarda 50 textos SQL.');
        if (Buffer.byteLength(request.sql) > 5000)
          throw new StatementError('SQL_STORE_TOO_LARGE', 'El texto SQL es demasiado largo para guardarlo (máximo 5 kB).');
        stream.sqls.set(request.sql_id, request.sql);
        return { type: 'store_sql' };
      case 'close_sql':
        stream.sqls.delete(request.sql_id);
        return { type: 'close_sql' };
      case 'get_autocommit':
        if (version < 3) throw protocolError('get_autocommit requiere Hrana 3 (/v3).');
        return { type: 'get_autocommit', is_autocommit: !stream.db.inTransaction };
    }
  }

  /** Runs `work` on the stream of `baton`; a protocol error or a crash closes the stream, as sqld drops it. */
  async function onStream<T>(baton: string | null | undefined, work: (stream: Stream) => Promise<T>): Promise<{ baton: string | null; result: T }> {
    const stream = acquire(baton);
    try {
      const result = await work(stream);
      return { baton: release(stream), result };
    } catch (error) {
      closeStream(stream);
      throw error;
    }
  }

  async function pipeline(body: unknown, version: number): Promise<object> {
    const { baton, requests } = parse(pipelineBody, body);
    const done = await onStream(baton, async (stream) => {
      const results: object[] = [];
      for (const request of requests) {
        try {
          results.push({ type: 'ok', response: await handleRequest(stream, request, version) });
        } catch (error) {
          if (error instanceof HttpError) throw error;
          results.push({ type: 'error', error: hranaError(error) });
        }
      }
      return results;
    });
    return { baton: done.baton, base_url: null, results: done.result };
  }

  /** The cursor's newline-separated entries (hrana-client's http/cursor.js), from the batch's result. */
  async function cursor(body: unknown): Promise<string> {
    const { baton, batch } = parse(cursorBody, body);
    const done = await onStream(baton, (stream) => runBatch(stream, batch, 3));
    const entries: object[] = [{ baton: done.baton, base_url: null }];
    done.result.step_results.forEach((result, step) => {
      const error = done.result.step_errors[step];
      if (error) entries.push({ type: 'step_error', step, error });
      if (!result) return;
      entries.push({ type: 'step_begin', step, cols: result.cols });
      for (const row of result.rows) entries.push({ type: 'row', row });
      entries.push({ type: 'step_end', affected_row_count: result.affected_row_count, last_insert_rowid: result.last_insert_rowid });
    });
    return entries.map((entry) => `${toJson(entry)}\n`).join('');
  }

  function authorized(request: IncomingMessage): boolean {
    if (expectedAuth === undefined) return true;
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  }

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const send = (status: number, body: object | string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type });
      response.end(typeof body === 'string' ? body : toJson(body));
    };
    try {
      const route = `${request.method} ${new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/'}`;
      // The version probes come without credentials (hrana-client's findEndpoint).
      if (route === 'GET /' || route === 'GET /health' || route === 'GET /v2' || route === 'GET /v3') {
        return send(200, 'Servidor libSQL de prueba: Hrana sobre HTTP (JSON), v2 y v3. No es para producción.', 'text/plain');
      }
      const endpoint = ({ 'POST /v2/pipeline': 2, 'POST /v3/pipeline': 3, 'POST /v3/cursor': 3 } as Record<string, number>)[route];
      if (endpoint === undefined) {
        throw new HttpError(404, { message: `No existe ${route}. Este servidor atiende Hrana con JSON: POST /v2/pipeline, /v3/pipeline y /v3/cursor.` });
      }
      if (!authorized(request)) throw new HttpError(401, { error: 'Falta el token de autorización o no es válido (Authorization: Bearer …).' });
      const body = await readJson(request);
      if (route === 'POST /v3/cursor') return send(200, await cursor(body), 'text/plain');
      return send(200, await pipeline(body, endpoint));
    } catch (error) {
      if (response.headersSent) return void response.destroy();
      if (error instanceof HttpError) return send(error.status, error.body);
      send(500, { message: `Error interno del servidor libSQL de prueba: ${(error as Error).message}` });
    }
  }

  const server = createServer((request, response) => void answer(request, response));
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => listening());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close() {
      closing = true;
      for (const stream of [...live]) closeStream(stream);
      for (const db of pool.splice(0)) db.close();
      return new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * JSON as sqld writes it: JSON.stringify turns -0.0 into 0, serde_json keeps it. The float is marked,
 * then written by hand; `"type":"float","value":"` cannot occur inside a string, whose quotes are escaped.
 */
function toJson(body: object): string {
  return JSON.stringify(body, (_, value: unknown) => (Object.is(value, -0) ? '-0' : value)).replaceAll(
    '"type":"float","value":"-0"',
    '"type":"float","value":-0',
  );
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw protocolError(`Petición Hrana no válida en ${issue.path.join('.') || 'el cuerpo'}: ${issue.message}`);
}

const MAX_BODY = 32 * 1024 * 1024;

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, { message: 'El cuerpo de la petición pasa de 32 MB.' });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw protocolError('El cuerpo de la petición no es JSON válido.');
  }
}

// `node bin/run.mjs scripts/libsql-http.node.ts FILE [PORT]`
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [path, port] = process.argv.slice(2);
  if (path === undefined || (port !== undefined && !/^\d{1,5}$/.test(port))) {
    console.error('Uso: node bin/run.mjs scripts/libsql-http.node.ts ARCHIVO.db [PUERTO]');
    process.exit(1);
  }
  let server: LibsqlHttpServer;
  try {
    server = await startLibsqlHttpServer({ path, port: port === undefined ? 0 : Number(port) });
  } catch (error) {
    console.error(`No se pudo iniciar el servidor libSQL de prueba: ${(error as Error).message}`);
    process.exit(1);
  }
  console.log(JSON.stringify({ url: server.url }));
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
