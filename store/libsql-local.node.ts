// The store's driver for local libSQL files under Node: the engine @libsql/client itself uses
// locally (the `libsql` package), with its prepared statements kept and reused.
//
// Why not @libsql/client's own local client: it prepares every statement again on each call and,
// for every statement that returns no rows, learns that by catching an exception. Under the
// intake load that was over a third of the server's CPU (profiled: prepare 14 %, the thrown
// exceptions 5 %, column lookups 5 %) and the p99 of POST /api/reports fell from 212–628 ms to
// 91 ms with statements reused. Remote stores (Turso, sqld, Workers) keep @libsql/client.
//
// Only what the store uses is here: `execute` for reads, `transaction()` for the one write queue,
// `close`. Results are the same as @libsql/client's (ResultSet, rows readable by name and index,
// integers as numbers, errors as LibsqlError with SQLite's codes): tests/store/libsql-local.test.ts
// runs the same statements through both and compares.
import { open, type FileHandle } from 'node:fs/promises';
import Database from 'libsql';
import { walCheckpoints, type WalCheckpoints } from './wal-checkpoints.node.ts';
import type { StoreClient } from './db.ts';
import { LibsqlError, type InArgs, type InStatement, type InValue, type ResultSet, type Row, type Transaction, type TransactionMode } from '@libsql/client';

type Statement = ReturnType<Database.Database['prepare']>;

interface Prepared {
  statement: Statement;
  returnsData: boolean;
  columns?: string[];
  columnTypes?: string[];
  /** Builds a row for these columns (see rowMaker); made again when the columns change. */
  makeRow?: (values: unknown[]) => Row;
}

/** Statements kept per connection; the least recently used goes when full. */
const CACHE_SIZE = 500;

/** DDL changes what a statement's columns are; the cache is emptied after it. */
const SCHEMA_CHANGE = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(CREATE|ALTER|DROP)\b/i;

const SQLITE_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  16: 'SQLITE_EMPTY',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  24: 'SQLITE_FORMAT',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
  27: 'SQLITE_NOTICE',
  28: 'SQLITE_WARNING',
};

/** SQLite's error as @libsql/client reports it: `code` the base code, `extendedCode` the precise one. */
function libsqlError(error: unknown): unknown {
  if (error instanceof Database.SqliteError) {
    const raw = (error as { rawCode?: number }).rawCode;
    const code = raw === undefined ? 'SQLITE_UNKNOWN' : (SQLITE_CODES[raw & 0xff] ?? `SQLITE_UNKNOWN_${raw & 0xff}`);
    return new LibsqlError(error.message, code, (error as { code: string }).code, raw, error);
  }
  return error;
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_INT64 = -9223372036854775808n;
const MAX_INT64 = 9223372036854775807n;

function toSql(value: InValue): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError('Only finite numbers (not Infinity or NaN) can be passed as arguments');
    return value;
  }
  if (typeof value === 'bigint') {
    if (value < MIN_INT64 || value > MAX_INT64) throw new RangeError('bigint is too large to be represented as a 64-bit integer and passed as argument');
    return value;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) throw new TypeError('undefined cannot be passed as argument to the database');
  return value;
}

function fromSql(value: unknown): unknown {
  if (typeof value === 'bigint') {
    if (value < MIN_SAFE || value > MAX_SAFE) throw new RangeError('Received integer which cannot be safely represented as a JavaScript number');
    return Number(value);
  }
  if (value instanceof Buffer) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  return value;
}

function argsToSql(args: InArgs | undefined): unknown[] | Record<string, unknown> {
  if (args === undefined) return [];
  if (Array.isArray(args)) return args.map(toSql);
  const named: Record<string, unknown> = {};
  for (const name in args) {
    named[name[0] === '@' || name[0] === '$' || name[0] === ':' ? name.slice(1) : name] = toSql(args[name]);
  }
  return named;
}

/** A row readable by column name (enumerable) and by index, with a length, as @libsql/client's. */
function rowOf(values: unknown[], columns: string[]): Row {
  const row = {} as Row;
  Object.defineProperty(row, 'length', { value: values.length });
  for (let i = 0; i < values.length; i++) {
    const value = fromSql(values[i]);
    Object.defineProperty(row, i, { value });
    const column = columns[i];
    if (!Object.hasOwn(row, column)) Object.defineProperty(row, column, { value, enumerable: true, configurable: true, writable: true });
  }
  return row;
}

const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

/**
 * The same rows, built several times faster for a statement's columns: the values are plain
 * properties (enumerable, as above), and the positions and the length non-enumerable getters on
 * a prototype shared by the statement's rows (defining properties one by one on every row was a
 * tenth of a search's time). Columns that repeat a name, or are named like a position or
 * «length», keep the general construction.
 */
function rowMaker(columns: string[]): (values: unknown[]) => Row {
  if (new Set(columns).size !== columns.length || columns.some((column) => column === 'length' || INDEX_LIKE.test(column))) {
    return (values) => rowOf(values, columns);
  }
  const shape = Object.create(Object.prototype) as Record<string | number, unknown>;
  Object.defineProperty(shape, 'length', { value: columns.length });
  columns.forEach((column, index) =>
    Object.defineProperty(shape, index, {
      get(this: Record<string, unknown>) {
        return this[column];
      },
    }),
  );
  return (values) => {
    const row = Object.create(shape) as Record<string, unknown>;
    for (let i = 0; i < columns.length; i++) row[columns[i]] = fromSql(values[i]);
    return row as unknown as Row;
  };
}

function resultSet(columns: string[], columnTypes: string[], rows: Row[], rowsAffected: number, lastInsertRowid: bigint | undefined): ResultSet {
  return {
    columns,
    columnTypes,
    rows,
    rowsAffected,
    lastInsertRowid,
    toJSON() {
      return {
        columns,
        columnTypes,
        rows: rows.map((row) =>
          Array.prototype.map.call(row, (value: unknown) =>
            typeof value === 'bigint' ? String(value) : value instanceof ArrayBuffer ? Buffer.from(value).toString('base64') : value,
          ),
        ),
        rowsAffected,
        lastInsertRowid: lastInsertRowid === undefined ? null : String(lastInsertRowid),
      };
    },
  };
}

/** One SQLite connection and its statements. */
class Connection {
  readonly db: Database.Database;
  readonly #cache = new Map<string, Prepared>();
  /** Called after DDL or a script ran here: every connection's statements are forgotten. */
  onSchemaChange: () => void = () => this.forget();

  constructor(path: string, timeoutMs: number | undefined) {
    this.db = new Database(path, timeoutMs === undefined ? {} : ({ timeout: timeoutMs } as Database.Options));
  }

  #prepare(sql: string, keep: boolean): Prepared {
    const cached = this.#cache.get(sql);
    if (cached) {
      // Most recently used last: Map keeps insertion order.
      this.#cache.delete(sql);
      this.#cache.set(sql, cached);
      return cached;
    }
    const statement = this.db.prepare(sql);
    statement.safeIntegers(true);
    let returnsData = true;
    try {
      statement.raw(true);
    } catch {
      returnsData = false; // raw() refuses statements that return no rows
    }
    const prepared: Prepared = { statement, returnsData };
    if (!keep) return prepared;
    this.#cache.set(sql, prepared);
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    return prepared;
  }

  forget(): void {
    this.#cache.clear();
  }

  execute(statement: InStatement): ResultSet {
    const sql = typeof statement === 'string' ? statement : statement.sql;
    const args = typeof statement === 'string' ? [] : argsToSql(statement.args);
    const schemaChange = SCHEMA_CHANGE.test(sql);
    try {
      const prepared = this.#prepare(sql, !schemaChange);
      if (prepared.returnsData) {
        const raw = prepared.statement.all(args) as unknown[][];
        // A column added or dropped by another connection changes `SELECT *`: read the names again.
        if (!prepared.columns || !prepared.makeRow || (raw.length > 0 && raw[0].length !== prepared.columns.length)) {
          const definitions = prepared.statement.columns();
          prepared.columns = definitions.map((column) => column.name);
          prepared.columnTypes = definitions.map((column) => column.type ?? '');
          prepared.makeRow = rowMaker(prepared.columns);
        }
        const columns = prepared.columns;
        const makeRow = prepared.makeRow;
        return resultSet(
          columns,
          prepared.columnTypes ?? [],
          raw.map((values) => makeRow(values)),
          0,
          undefined,
        );
      }
      const info = prepared.statement.run(args);
      return resultSet([], [], [], info.changes, BigInt(info.lastInsertRowid));
    } catch (error) {
      throw libsqlError(error);
    } finally {
      if (schemaChange) this.onSchemaChange();
    }
  }

  executeMultiple(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (error) {
      throw libsqlError(error);
    } finally {
      this.onSchemaChange();
    }
  }

  close(): void {
    this.#cache.clear();
    if (this.db.open) this.db.close();
  }
}

const BEGIN: Record<TransactionMode, string> = { write: 'BEGIN IMMEDIATE', read: 'BEGIN TRANSACTION READONLY', deferred: 'BEGIN DEFERRED' };

class LocalTransaction implements Transaction {
  #connection: Connection | null;
  readonly #release: () => void;
  readonly #durable: (() => Promise<void>) | undefined;

  constructor(connection: Connection, release: () => void, durable?: () => Promise<void>) {
    this.#connection = connection;
    this.#release = release;
    this.#durable = durable;
  }

  get closed(): boolean {
    return this.#connection === null || !this.#connection.db.open || !this.#connection.db.inTransaction;
  }

  #open(): Connection {
    if (this.closed) throw new LibsqlError('The transaction is closed', 'TRANSACTION_CLOSED');
    return this.#connection as Connection;
  }

  #settle(): void {
    if (this.#connection === null) return;
    this.#connection = null;
    this.#release();
  }

  async execute(statement: InStatement): Promise<ResultSet> {
    return this.#open().execute(statement);
  }

  async batch(statements: InStatement[]): Promise<ResultSet[]> {
    const connection = this.#open();
    return statements.map((statement) => connection.execute(statement));
  }

  async executeMultiple(sql: string): Promise<void> {
    this.#open().executeMultiple(sql);
  }

  /** Resolves once the transaction is committed and, in WAL mode, on disk (see createLocalClient). */
  async commit(): Promise<void> {
    try {
      this.#open().execute('COMMIT');
    } finally {
      this.#settle();
    }
    await this.#durable?.();
  }

  async rollback(): Promise<void> {
    const connection = this.#connection;
    try {
      if (connection && connection.db.open && connection.db.inTransaction) connection.execute('ROLLBACK');
    } finally {
      this.#settle();
    }
  }

  close(): void {
    const connection = this.#connection;
    try {
      if (connection && connection.db.open && connection.db.inTransaction) connection.execute('ROLLBACK');
    } finally {
      this.#settle();
    }
  }
}

/**
 * fsyncs of one file on libuv's thread pool (the event loop goes on meanwhile), through one handle
 * kept open: one thread-pool trip a commit instead of three (open, sync, close), each of which
 * waited for a busy event loop to come round. SQLite keeps the WAL file while a connection is
 * open, so the handle stays on the same file.
 */
function fileSyncer(path: string): { sync(): Promise<void>; close(): void } {
  let handle: FileHandle | null = null;
  return {
    async sync() {
      if (!handle) {
        try {
          handle = await open(path, 'r+');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // no WAL file: nothing was written through one
          throw error;
        }
      }
      await handle.sync();
    },
    close() {
      void handle?.close().catch(() => undefined);
      handle = null;
    },
  };
}

const checkpointsOf = new WeakMap<StoreClient, WalCheckpoints>();

/** The WAL checkpoints of a local client (once it has written in WAL mode): tests wait on `settled()`. */
export function localCheckpoints(client: StoreClient): WalCheckpoints | undefined {
  return checkpointsOf.get(client);
}

/**
 * A client for a local `file:` database. Two connections, as @libsql/client's pool would have
 * under the store: one for reads, one for the write transaction, so reads never see a group's
 * uncommitted writes. Transactions are taken one at a time (the store queues them anyway).
 *
 * Durability without blocking: in WAL mode the writer commits with `synchronous = NORMAL` (no
 * fsync inside COMMIT, which runs on the event loop: this VM's disk sometimes took hundreds of
 * milliseconds, and every request waited), then `commit()` fsyncs the WAL file on the thread pool
 * and resolves only after it. What SQLite's FULL would make durable at COMMIT is durable before
 * the store acknowledges a write; in between, other requests run. Checkpoints keep NORMAL's own
 * syncs (the WAL before, the database after) and run on a thread of their own, not inside a
 * COMMIT on the event loop (store/wal-checkpoints.node.ts). `syncFile` is for tests.
 */
export function createLocalClient(config: {
  url: string;
  timeout?: number;
  syncFile?: (path: string) => Promise<void>;
  /** WAL checkpoints on a thread of their own (store/wal-checkpoints.node.ts); default true. */
  offLoopCheckpoints?: boolean;
}): StoreClient {
  if (!config.url.startsWith('file:') || config.url.includes(':memory:')) {
    throw new Error(`createLocalClient is for local files (file:…), not ${config.url.split(':')[0]}:`);
  }
  const path = config.url.startsWith('file://') ? new URL(config.url).pathname : config.url.slice('file:'.length).split('?')[0];
  const reader = new Connection(path, config.timeout);
  let writer: Connection | null = null;
  /** In WAL mode: makes what the writer committed durable (an fsync of the WAL file). */
  let durable: (() => Promise<void>) | undefined;
  let walSyncer: ReturnType<typeof fileSyncer> | undefined;
  let checkpoints: WalCheckpoints | undefined;
  const forgetAll = () => {
    reader.forget();
    writer?.forget();
  };
  reader.onSchemaChange = forgetAll;
  let closed = false;
  let held = false;
  const waiting: (() => void)[] = [];

  const checkOpen = () => {
    if (closed) throw new LibsqlError('The client is closed', 'CLIENT_CLOSED');
  };

  const client: StoreClient = {
    async execute(statement: InStatement | string, args?: InArgs): Promise<ResultSet> {
      checkOpen();
      // Between transactions the writer reads too: its page cache holds what it just wrote, while
      // the reader's is dropped by SQLite whenever another connection has committed (every read
      // under write load then went to the WAL again: ~40 µs of a bot webhook's read). Inside a
      // transaction the writer could show a group's uncommitted writes, so the reader answers.
      const connection = writer !== null && !writer.db.inTransaction ? writer : reader;
      return connection.execute(typeof statement === 'string' ? { sql: statement, args: args ?? [] } : statement);
    },
    async transaction(mode: TransactionMode = 'write'): Promise<Transaction> {
      checkOpen();
      if (held) await new Promise<void>((resolve) => waiting.push(resolve));
      checkOpen();
      held = true;
      const release = () => {
        const next = waiting.shift();
        if (next) next();
        else held = false;
      };
      try {
        if (!writer) {
          writer = new Connection(path, config.timeout);
          writer.onSchemaChange = forgetAll;
          if (String(writer.execute('PRAGMA journal_mode').rows[0]?.[0]).toLowerCase() === 'wal') {
            writer.db.exec('PRAGMA synchronous = NORMAL');
            const wal = `${path}-wal`;
            const connection = writer;
            checkpoints = walCheckpoints(path, (pages) => connection.db.exec(`PRAGMA wal_autocheckpoint = ${pages}`), { offLoop: config.offLoopCheckpoints });
            checkpointsOf.set(client, checkpoints);
            let sync: (file: string) => Promise<void>;
            if (config.syncFile) {
              sync = config.syncFile;
            } else {
              walSyncer = fileSyncer(wal);
              sync = walSyncer.sync;
            }
            const planned = checkpoints;
            durable = () => {
              planned.committed();
              return sync(wal);
            };
          }
        }
        writer.execute(BEGIN[mode]);
      } catch (error) {
        release();
        throw error;
      }
      return new LocalTransaction(writer, release, mode === 'read' ? undefined : durable);
    },
    close(): void {
      closed = true;
      checkpoints?.close();
      reader.close();
      writer?.close();
      walSyncer?.close();
    },
  } as StoreClient;
  return client;
}
