// The thread that checkpoints the local WAL databases of this process (store/wal-checkpoints.node.ts).
// Plain JavaScript: it runs under any Node the server runs on, with no loader.
//
// Each request names a database file and a slot of the shared state array. The slot says whether
// the request still stands (the client may have closed meanwhile): REQUESTED → RUNNING → IDLE here,
// or CANCELLED by the client, and then nothing is opened. No connection is kept between
// checkpoints, so a closed, moved or replaced database file is never held open.
import { existsSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'libsql';

const IDLE = 0;
const REQUESTED = 1;
const RUNNING = 2;
const CANCELLED = 3;
const slots = new Int32Array(workerData.slots);

parentPort.on('message', ({ slot, path }) => {
  if (Atomics.compareExchange(slots, slot, REQUESTED, RUNNING) !== REQUESTED) {
    Atomics.store(slots, slot, IDLE);
    Atomics.notify(slots, slot);
    return;
  }
  let result;
  try {
    // A file gone (a test's directory removed, a restore's rename) is never created again here.
    if (existsSync(path) && existsSync(`${path}-wal`)) {
      const db = new Database(path, { timeout: 0 });
      try {
        const row = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').raw(true).get();
        result = { slot, busy: Number(row[0]), frames: Number(row[1]), checkpointed: Number(row[2]) };
      } finally {
        db.close();
      }
    } else {
      result = { slot, busy: 0, frames: 0, checkpointed: 0 };
    }
  } catch (error) {
    // SQLITE_BUSY (another checkpoint or a restart): the next request tries again.
    result = { slot, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  } finally {
    Atomics.store(slots, slot, IDLE);
    Atomics.notify(slots, slot);
  }
  parentPort.postMessage(result);
});
