// WAL checkpoints off the event loop, for the local driver (store/libsql-local.node.ts).
//
// SQLite checkpoints a WAL database inside the COMMIT that takes the WAL past 1,000 pages: it
// copies those pages into the database file and fsyncs the WAL before and the database after, all
// on the thread that committed. On the event loop that is a stall every few dozen commits under
// load: 3–11 ms each on the bot webhook benchmark (every request in flight waited), and on this
// VM's disk an fsync sometimes takes hundreds of milliseconds. So the writer connection's automatic
// checkpoints are turned off and one worker thread per process runs PASSIVE checkpoints (which
// never block readers or the writer) shortly after commits, with a connection of its own opened
// only for the checkpoint. If the thread cannot start or fails, writers get SQLite's automatic
// checkpoints back: the WAL never grows without bound.
import { Worker } from 'node:worker_threads';

const IDLE = 0;
const REQUESTED = 1;
const RUNNING = 2;
const CANCELLED = 3;
const SLOTS = 1024;
/** After a commit, the checkpoint waits this long, so that a burst of commits shares one. */
export const CHECKPOINT_DELAY_MS = 200;
/** SQLite's default, given back to writers when the thread is unavailable. */
const AUTOCHECKPOINT_PAGES = 1000;
/** close() waits at most this long for a checkpoint of its file already running. */
const CLOSE_WAIT_MS = 5_000;

export interface CheckpointResult {
  busy: number;
  frames: number;
  checkpointed: number;
}

/** One database's checkpoints: `committed()` after each commit, `close()` before its connections close. */
export interface WalCheckpoints {
  /** Whether the thread checkpoints this database (its writer's automatic checkpoints are then off). */
  readonly offLoop: boolean;
  committed(): void;
  /** Resolves when no checkpoint is scheduled or running for this database (tests, shutdown). */
  settled(): Promise<CheckpointResult | null>;
  close(): void;
}

interface Client {
  /** Called with the automatic checkpoint's page count if the thread goes away. */
  fallback: (pages: number) => void;
  last: CheckpointResult | null;
  /** A request was posted and its answer has not come back yet. */
  awaiting: boolean;
}

let thread: { worker: Worker; slots: Int32Array; clients: Map<number, Client> } | null | undefined;
let nextSlot = 0;
/** Slots of closed clients; one is reused once the thread has set it back to IDLE. */
const released: number[] = [];

function takeSlot(slots: Int32Array): number | null {
  const index = released.findIndex((slot) => Atomics.load(slots, slot) === IDLE);
  if (index >= 0) return released.splice(index, 1)[0];
  return nextSlot < SLOTS ? nextSlot++ : null;
}

function startThread(): typeof thread {
  if (thread !== undefined) return thread;
  try {
    const shared = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const worker = new Worker(new URL('./wal-checkpoints-worker.node.mjs', import.meta.url), { workerData: { slots: shared } });
    const started = { worker, slots: new Int32Array(shared), clients: new Map<number, Client>() };
    worker.on('message', (message: { slot: number; error?: string } & CheckpointResult) => {
      const client = started.clients.get(message.slot);
      if (!client) return;
      client.last = message.error ? null : { busy: message.busy, frames: message.frames, checkpointed: message.checkpointed };
      client.awaiting = false;
    });
    const giveUp = () => {
      thread = null;
      for (const client of started.clients.values()) client.fallback(AUTOCHECKPOINT_PAGES);
      started.clients.clear();
    };
    worker.on('error', giveUp);
    worker.on('exit', giveUp);
    // Never what keeps the process alive (after the listeners, which would hold it again): a
    // pending checkpoint is just skipped at exit.
    worker.unref();
    thread = started;
  } catch {
    thread = null;
  }
  return thread;
}

/**
 * Checkpoints for the WAL database at `path`. `setAutocheckpoint(pages)` sets the writer's
 * `wal_autocheckpoint` (0 while the thread does the work).
 *
 * @example const checkpoints = walCheckpoints(path, (pages) => writer.exec(`PRAGMA wal_autocheckpoint = ${pages}`)); checkpoints.committed()
 */
export function walCheckpoints(path: string, setAutocheckpoint: (pages: number) => void, options: { offLoop?: boolean } = {}): WalCheckpoints {
  const running = options.offLoop === false ? null : startThread();
  const slot = running ? takeSlot(running.slots) : null;
  if (!running || slot === null) return { offLoop: false, committed() {}, settled: async () => null, close() {} };
  const { slots, worker, clients } = running;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const client: Client = {
    fallback: (pages) => {
      if (!closed) setAutocheckpoint(pages);
    },
    last: null,
    awaiting: false,
  };
  clients.set(slot, client);
  setAutocheckpoint(0);

  const request = () => {
    timer = null;
    if (closed || thread !== running) return;
    // Already asked and not yet started: that one will see this commit's pages too.
    if (Atomics.compareExchange(slots, slot, IDLE, REQUESTED) !== IDLE) return void schedule();
    client.awaiting = true;
    worker.postMessage({ slot, path });
  };
  function schedule() {
    if (timer !== null || closed) return;
    timer = setTimeout(request, CHECKPOINT_DELAY_MS);
    timer.unref?.();
  }

  return {
    offLoop: true,
    committed: schedule,
    settled() {
      // Settled once nothing is scheduled and the last request's answer has arrived (the thread
      // frees the slot just before it answers, so the slot alone would not say the answer is in).
      return new Promise((resolve) => {
        const check = () => {
          if (closed || thread !== running) return resolve(null);
          if (timer === null && !client.awaiting) return resolve(client.last);
          setTimeout(check, 10);
        };
        check();
      });
    },
    close() {
      if (closed) return;
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      // A request not yet started is cancelled (the thread skips it and frees the slot); one
      // running is waited for: the caller is about to close the database, and a restore may
      // replace the file next.
      if (Atomics.compareExchange(slots, slot, REQUESTED, CANCELLED) !== REQUESTED) {
        const deadline = Date.now() + CLOSE_WAIT_MS;
        while (Atomics.load(slots, slot) === RUNNING && Date.now() < deadline) Atomics.wait(slots, slot, RUNNING, 50);
      }
      clients.delete(slot);
      released.push(slot);
    },
  };
}
