import { createClient, LibsqlError, type Client, type InStatement, type ResultSet, type Transaction } from '@libsql/client';
import { AppError } from './app-error.ts';
import { systemClock, type Clock } from './clock.ts';
import { createFieldCipher, type CryptoPrimitives, type FieldCipher } from './field-cipher.ts';
import { deriveStoreKeys, type StoreKeys } from './keys.ts';

/** A client or an open transaction: repository functions accept either. */
export type Db = Pick<Client, 'execute'> | Pick<Transaction, 'execute'>;

/** Reads only: `store.db` refuses writes, which must go through `store.write` / `store.batch`. */
export type Reader = Pick<Client, 'execute'>;

export interface Store {
  /** For reads. A write through it throws: every write goes through the one queue below. */
  db: Reader;
  /** Encrypts sensitive fields (feedback texts, report descriptions and contacts) at rest. */
  cipher: FieldCipher;
  /** Keys derived from DATA_KEY: the audit chain's, the daily client hash's. Never stored. */
  keys: StoreKeys;
  /** "Now" for everything the store records; tests inject a fixed clock. */
  clock: Clock;
  /**
   * Runs `work` inside a write transaction and resolves once it is committed; rolls it back if
   * `work` throws. Every write of the process goes through this one queue; writes queued while
   * another commits are committed together (group commit), each in its own savepoint. libSQL's local driver runs on the
   * event loop: a statement that waits for SQLite's lock blocks the whole server for the busy
   * timeout (5–10 s freezes were seen when a scheduled job wrote beside an officer's transaction).
   * Queued, writes of this process never wait on each other; a lock held by another process (a
   * CLI import) is waited for with a short busy timeout and asynchronous retries, so the event
   * loop stays free.
   */
  write<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Several statements committed together, queued like `write`. */
  batch(statements: InStatement[]): Promise<void>;
  close(): void;
}

export interface StoreConfig {
  url: string;
  authToken?: string;
  /** 64 hex characters: DATA_KEY, the key of sensitive fields and the root of derived keys. */
  dataKey: string;
  clock?: Clock;
  /** Milliseconds one attempt waits, blocking, for another process's lock (default 50). */
  busyTimeoutMs?: number;
  /** Milliseconds a write keeps retrying, without blocking, before answering «ocupado» (default 10 s). */
  busyRetryForMs?: number;
  /**
   * Opens the client (default: @libsql/client's createClient, which runs everywhere). Node passes
   * store/libsql-local.node.ts for local files: the same engine, with prepared statements reused.
   */
  connect?: (config: { url: string; authToken?: string; timeout: number; concurrency?: number }) => StoreClient;
  /**
   * How many statements the remote client runs at once before queueing the rest (@libsql/client's
   * `concurrency`, default 20). Workers lift it: a statement queued behind another request's would
   * be started from that request's I/O, and the runtime cancels the waiting one as hung.
   */
  clientConcurrency?: number;
  /**
   * Group commit (default on): concurrent writes share one transaction. Workers turn it off: there a
   * transaction's HTTP requests belong to the request that started them, and must not carry (or be
   * cut short with) another request's writes; the server serializes their transactions instead.
   */
  groupCommit?: boolean;
  /**
   * AES-GCM and HMAC for the field cipher and the derived keys (default: pure JavaScript, runs
   * everywhere). Node passes store/native-crypto.node.ts: the same bytes, several times faster.
   */
  primitives?: CryptoPrimitives;
}

/** What the store needs of a libSQL client. */
export type StoreClient = Pick<Client, 'execute' | 'transaction' | 'close'>;

const WRITE_STATEMENT =
  /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|VACUUM|REINDEX|ATTACH|DETACH|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA\s+\w+\s*=)/i;

function statementText(statement: InStatement): string {
  return typeof statement === 'string' ? statement : statement.sql;
}

/** A reader over `client` that refuses statements that write (a programming error, not input). */
function readerOf(client: StoreClient): Reader {
  return {
    execute(statement: InStatement): Promise<ResultSet> {
      if (WRITE_STATEMENT.test(statementText(statement))) {
        return Promise.reject(new Error(`store.db is for reads; use store.write or store.batch for: ${statementText(statement).slice(0, 60)}`));
      }
      return client.execute(statement);
    },
  } as Reader;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Soon, after the I/O already waiting: setImmediate on Node (Workers, which have no group commit,
 * fall back to a timer).
 */
const soon: (run: () => void) => void = typeof setImmediate === 'function' ? (run) => void setImmediate(run) : (run) => void setTimeout(run, 0);

/** Writes committed together at most (group commit, see openStore). */
const MAX_GROUP = 64;

function isBusy(error: unknown): boolean {
  return error instanceof LibsqlError && (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED');
}

/**
 * Opens the store. Local files get WAL (readers never wait for the writer) and a short busy timeout.
 *
 * @example const store = await openStore({ url: 'file:data/portal.db', dataKey })
 */
export async function openStore(config: StoreConfig): Promise<Store> {
  const client = (config.connect ?? createClient)({
    url: config.url,
    authToken: config.authToken,
    timeout: config.busyTimeoutMs ?? 50,
    ...(config.clientConcurrency ? { concurrency: config.clientConcurrency } : {}),
  });
  if (config.url.startsWith('file:') && !config.url.includes(':memory:')) {
    await client.execute('PRAGMA journal_mode = WAL');
  }
  const lazyBegin = !config.url.startsWith('file:');
  const cipher = await createFieldCipher(config.dataKey, config.primitives);
  const keys = await deriveStoreKeys(config.dataKey, config.primitives);
  const retryFor = config.busyRetryForMs ?? 10_000;

  /** Starts a write (BEGIN IMMEDIATE takes the lock), retrying without blocking while another process holds it. */
  async function withLock<T>(start: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + retryFor;
    for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
      try {
        return await start();
      } catch (error) {
        if (!isBusy(error) || performance.now() + delay > deadline) throw mapDatabaseError(error);
        await sleep(delay);
      }
    }
  }

  // Group commit. Writes queue up while one transaction runs; the next transaction takes every
  // queued write (up to MAX_GROUP), each inside its own savepoint, and commits them together: one
  // fsync for many writes under load, one per write when idle. A write that throws is rolled back
  // to its savepoint alone; each is answered only after the commit that holds it.
  interface Job {
    work: (tx: Transaction) => Promise<unknown>;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }
  const pending: Job[] = [];
  let flushing = false;

  async function runGroup(jobs: Job[]): Promise<void> {
    let tx: Transaction;
    try {
      tx = await withLock(async () => {
        const started = await client.transaction('write');
        if (!lazyBegin) return started;
        // Over HTTP the client sends BEGIN IMMEDIATE with the first statement, not here: one is sent
        // now, so a busy lock is met (and waited out) here rather than inside the group.
        try {
          await started.execute('SELECT 1');
        } catch (error) {
          started.close();
          throw error;
        }
        return started;
      });
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      for (const job of jobs) {
        await tx.execute('SAVEPOINT job');
        try {
          const value = await job.work(tx);
          await tx.execute('RELEASE job');
          outcomes.push({ ok: true, value });
        } catch (error) {
          // Errors that end the whole transaction (disk full, I/O) make this throw too: then nothing is committed.
          await tx.execute('ROLLBACK TO job');
          await tx.execute('RELEASE job');
          outcomes.push({ ok: false, error: mapDatabaseError(error) });
        }
      }
      if (outcomes.some((outcome) => outcome.ok)) await tx.commit();
      else await tx.rollback();
    } catch (error) {
      if (!tx.closed) await tx.rollback().catch(() => undefined);
      const failure = mapDatabaseError(error);
      for (const job of jobs) job.reject(failure);
      return;
    } finally {
      tx.close();
    }
    jobs.forEach((job, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  async function flush(): Promise<void> {
    try {
      while (pending.length > 0) {
        const group = pending.splice(0, MAX_GROUP);
        await runGroup(group);
        if (pending.length === 0) break;
        // libSQL's local driver answers synchronously, so a group runs without ever yielding to
        // I/O: requests whose writes would join the next group could not even enqueue them. Under
        // load (this group held several), a timer's turn (setTimeout's 1 ms floor) lets the
        // requests that arrived meanwhile in, so the next group holds tens instead of a few, and
        // intake keeps about a fifth more per second. One caller's writes in a row (a group of
        // one) go on after the I/O already waiting, without that millisecond each.
        await new Promise<void>((resolve) => (group.length > 1 ? setTimeout(resolve, 0) : soon(resolve)));
      }
    } finally {
      flushing = false;
    }
  }

  const grouped = config.groupCommit ?? true;
  function write<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job = { work, resolve: resolve as (value: unknown) => void, reject };
      if (!grouped) return void runGroup([job]);
      pending.push(job);
      // The first write starts its group after the I/O already read (requests parsed in the same
      // turn join it), not at once with a group of one.
      if (!flushing) {
        flushing = true;
        soon(() => void flush());
      }
    });
  }

  return {
    db: readerOf(client),
    cipher,
    keys,
    clock: config.clock ?? systemClock,
    write,
    batch(statements) {
      return write(async (tx) => {
        for (const statement of statements) await tx.execute(statement);
      });
    },
    close() {
      client.close();
    },
  };
}

/** Turns driver errors that a person can act on into AppErrors; others pass through unchanged. */
export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof LibsqlError) {
    if (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED') {
      return new AppError('busy', 'El sistema está ocupado en este momento. Intente de nuevo en unos segundos.', {
        status: 503,
        cause: error,
      });
    }
    if (error.code.startsWith('SQLITE_CONSTRAINT') && /UNIQUE/.test(error.message)) {
      return new AppError('conflict', 'Ya existe un registro con ese identificador.', { status: 409, cause: error });
    }
  }
  return error;
}
