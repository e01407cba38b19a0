import type { Store } from '../db.ts';

/**
 * The SMS we sent and what Twilio says became of them (migration 0014). Twilio reports each
 * message's progress to our status callback: queued → sent → delivered, or undelivered / failed
 * with an error code. Statuses can arrive out of order; a later stage never goes back to an
 * earlier one.
 */

/** Twilio's message statuses, in the order a message goes through them. */
const STAGE: Record<string, number> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  receiving: 3,
  received: 4,
  delivered: 5,
  read: 6,
  undelivered: 5,
  failed: 5,
  canceled: 5,
};

export function isTwilioStatus(status: string): boolean {
  return status in STAGE;
}

/** Records that Twilio accepted a message (its REST answer), for the status callbacks to update. */
export async function recordSmsSent(store: Store, messageSid: string, outboxId: number | null, status: string): Promise<void> {
  const at = store.clock.now().toISOString();
  await store.batch([
    {
      sql: `INSERT INTO sms_deliveries (message_sid, outbox_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (message_sid) DO UPDATE SET outbox_id = coalesce(sms_deliveries.outbox_id, excluded.outbox_id)`,
      args: [messageSid, outboxId, isTwilioStatus(status) ? status : 'queued', at, at],
    },
  ]);
}

/**
 * A status callback: keeps the furthest stage reached (a «sent» arriving after «delivered» changes
 * nothing) and the error code. A MessageSid we never sent is recorded too (sent from Twilio's
 * console, or before this table existed): the callback is still Twilio's word.
 */
export async function recordSmsStatus(store: Store, messageSid: string, status: string, errorCode: number | null): Promise<void> {
  const at = store.clock.now().toISOString();
  const stage = STAGE[status];
  await store.write(async (tx) => {
    const rows = await tx.execute({ sql: 'SELECT status FROM sms_deliveries WHERE message_sid = ?', args: [messageSid] });
    const known = rows.rows[0];
    if (!known) {
      await tx.execute({
        sql: 'INSERT INTO sms_deliveries (message_sid, status, error_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
        args: [messageSid, status, errorCode, at, at],
      });
      return;
    }
    if ((STAGE[String(known.status)] ?? -1) > stage) return;
    await tx.execute({
      sql: 'UPDATE sms_deliveries SET status = ?, error_code = coalesce(?, error_code), updated_at = ? WHERE message_sid = ?',
      args: [status, errorCode, at, messageSid],
    });
  });
}

/** Counts by status (for operations: how many went undelivered, and why). */
export async function smsDeliveryCounts(store: Store): Promise<Record<string, number>> {
  const rows = await store.db.execute('SELECT status, count(*) AS n FROM sms_deliveries GROUP BY status');
  return Object.fromEntries(rows.rows.map((row) => [String(row.status), Number(row.n)]));
}
