import { createClient, LibsqlError, type Client, type InStatement, type Transaction } from '@libsql/client';
import { AppError } from './app-error.ts';
import { createFieldCipher, type FieldCipher } from './field-cipher.ts';

/** A client or an open transaction: repository functions accept either. */
export type Db = Pick<Client, 'execute'> | Pick<Transaction, 'execute'>;

export interface Store {
  /** For reads (and single-statement writes that need no transaction). */
  db: Client;
  /** Encrypts sensitive fields (feedback texts, report descriptions and contacts) at rest. */
  cipher: FieldCipher;
  /**
   * Runs `work` inside one write transaction and commits it; rolls back if `work` throws.
   * Write transactions are queued inside the process: libSQL's local driver blocks the event loop
   * while it waits for a lock, so two interleaved transactions of one process would wait on each
   * other until the busy timeout. The busy timeout still covers other processes (a CLI import
   * while the server runs).
   */
  write<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Several statements committed together, queued like `write`. */
  batch(statements: InStatement[]): Promise<void>;
  close(): void;
}

export interface StoreConfig {
  url: string;
  authToken?: string;
  /** 64 hex characters: the key of sensitive fields (DATA_KEY). */
  dataKey: string;
  /** Milliseconds a local connection waits for another process's lock. */
  busyTimeoutMs?: number;
}

/**
 * Opens the store. Local files get WAL (readers never wait for the writer) and a busy timeout.
 *
 * @example const store = await openStore({ url: 'file:data/portal.db', dataKey })
 */
export async function openStore(config: StoreConfig): Promise<Store> {
  const db = createClient({
    url: config.url,
    authToken: config.authToken,
    timeout: config.busyTimeoutMs ?? 5000,
  });
  if (config.url.startsWith('file:') && !config.url.includes(':memory:')) {
    await db.execute('PRAGMA journal_mode = WAL');
  }
  const cipher = await createFieldCipher(config.dataKey);
  let queue: Promise<unknown> = Promise.resolve();

  function enqueue<T>(job: () => Promise<T>): Promise<T> {
    const result = queue.then(job, job);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    db,
    cipher,
    write(work) {
      return enqueue(async () => {
        let tx: Transaction;
        try {
          tx = await db.transaction('write');
        } catch (error) {
          throw mapDatabaseError(error);
        }
        try {
          const result = await work(tx);
          await tx.commit();
          return result;
        } catch (error) {
          if (!tx.closed) await tx.rollback().catch(() => undefined);
          throw mapDatabaseError(error);
        } finally {
          tx.close();
        }
      });
    },
    batch(statements) {
      return enqueue(async () => {
        try {
          await db.batch(statements, 'write');
        } catch (error) {
          throw mapDatabaseError(error);
        }
      });
    },
    close() {
      db.close();
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
