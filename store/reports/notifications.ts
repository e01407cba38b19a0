import type { Db, Store } from '../db.ts';
import type { OutboxKind } from '../outbox/outbox.ts';
import { enqueueOutbox } from '../outbox/outbox.ts';
import type { ContactInput } from './reports.ts';

/**
 * Messages to the person who reported: an institution's public reply (or a status change) reaches
 * her on Telegram or SMS only when she gave that channel for follow-up, and only inside the hours
 * she said are safe. The outbox row holds ids, never the text or the number: the sender (the bot
 * issue) decrypts at send time and opens with a neutral first line. Delivery state lives in the
 * outbox, apart from the case; a message is sent at most once.
 */
export const REPORT_NOTIFICATION: OutboxKind = {
  kind: 'notify.report',
  atMostOnce: true,
  maxAttempts: 5,
  retryDelayMs: (attempts) => 60_000 * 2 ** attempts,
};

export interface NotificationPayload {
  reportId: number;
  eventId: number;
  channel: 'telegram' | 'sms';
}

const LOCAL_OFFSET_MS = 6 * 3600_000; // El Salvador = UTC−6

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/**
 * The first moment at or after `now` inside `safeHours` («HH:MM-HH:MM», local; may wrap past
 * midnight). Without safe hours, now.
 */
export function nextSafeMoment(now: Date, safeHours: string | undefined): Date {
  if (!safeHours) return now;
  const [from, to] = safeHours.split('-').map(minutesOf);
  const local = new Date(now.getTime() - LOCAL_OFFSET_MS);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  const inside = from <= to ? minute >= from && minute < to : minute >= from || minute < to;
  if (inside) return now;
  const startOfDay = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  let start = startOfDay + from * 60_000;
  if (start <= local.getTime()) start += 86_400_000;
  return new Date(start + LOCAL_OFFSET_MS);
}

/** Inside the caller's transaction: queues a message about `eventId` if she asked for one. */
export async function enqueueCitizenNotification(store: Pick<Store, 'cipher' | 'clock'>, tx: Db, reportId: number, eventId: number): Promise<boolean> {
  const rows = await tx.execute({ sql: 'SELECT contact, contact_channel FROM reports WHERE id = ?', args: [reportId] });
  const row = rows.rows[0];
  if (!row || row.contact === null) return false;
  const channel = String(row.contact_channel);
  if (channel !== 'telegram' && channel !== 'sms') return false;
  const contact = JSON.parse(await store.cipher.decrypt(String(row.contact))) as ContactInput;
  const now = store.clock.now();
  const payload: NotificationPayload = { reportId, eventId, channel };
  await enqueueOutbox(tx, { kind: REPORT_NOTIFICATION.kind, payload, dedupeKey: `event:${eventId}`, at: now.toISOString() });
  const due = nextSafeMoment(now, contact.safeHours);
  if (due.getTime() !== now.getTime()) {
    await tx.execute({
      sql: "UPDATE outbox SET next_attempt_at = ? WHERE kind = ? AND dedupe_key = ? AND state = 'pending'",
      args: [due.toISOString(), REPORT_NOTIFICATION.kind, `event:${eventId}`],
    });
  }
  return true;
}

/**
 * The contact a notification goes to, decrypted at send time (never kept in the outbox): null when
 * she deleted it, the retention job purged it, or the case has none.
 */
export async function notificationContact(store: Pick<Store, 'db' | 'cipher'>, reportId: number): Promise<ContactInput | null> {
  const rows = await store.db.execute({ sql: 'SELECT contact FROM reports WHERE id = ?', args: [reportId] });
  const stored = rows.rows[0]?.contact;
  if (stored === undefined || stored === null) return null;
  return JSON.parse(await store.cipher.decrypt(String(stored))) as ContactInput;
}
