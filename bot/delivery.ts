import type { Store } from '../store/db.ts';
import { claimDue, markFailedAttempt, markSent, postponeClaimed, recoverStaleClaims, type OutboxRow } from '../store/outbox/outbox.ts';
import { nextSafeMoment, notificationContact, REPORT_NOTIFICATION, type NotificationPayload } from '../store/reports/notifications.ts';
import { recordSmsSent } from '../store/bot/sms-deliveries.ts';
import { MAX_SMS_SEGMENTS, smsSegments, toGsm7, type OptOuts } from './channels/sms.ts';

/**
 * Delivers the reports' notifications outbox on Telegram and SMS: at most once, only with consent
 * (the contact still there, on the channel she chose, not opted out), only inside her safe hours.
 * Consent is checked again at send time, never trusted from when the row was queued. The message
 * is neutral — no case text, and a first line (what a lock screen shows) that names no subject —
 * except an operator's public reply when she asked to talk here (contact.relay): then the reply's
 * text follows the neutral line «Mensaje nuevo:».
 */

export interface DeliveryLog {
  error(message: string, details?: Record<string, unknown>): void;
}

export interface DeliveryDeps {
  store: Store;
  optOuts: OptOuts;
  log: DeliveryLog;
  /** Where she looks her case up (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  telegram?: { token: string; apiRoot?: string };
  twilio?: { accountSid: string; authToken: string; from: string; apiRoot?: string };
  fetch?: typeof fetch;
}

/** The whole message. Nothing of the case, nothing of its kind: «una novedad en su trámite». */
export function notificationText(publicBaseUrl: string): string {
  return `Tiene una novedad en su trámite.\nConsúltela con su código en ${publicBaseUrl.replace(/\/+$/, '')}/seguimiento`;
}

/** The first line of a relayed reply: what a lock screen shows, naming no subject. */
export const RELAY_FIRST_LINE = 'Mensaje nuevo:';

/**
 * An operator's reply relayed to her (she asked to talk here: contact.relay): the neutral first
 * line, then the reply. On SMS at most two GSM-7 segments: a longer reply is cut with «…» and
 * points to /seguimiento for the rest.
 */
export function relayText(publicBaseUrl: string, reply: string, channel: 'telegram' | 'sms'): string {
  const full = `${RELAY_FIRST_LINE}\n${reply}`;
  if (channel === 'telegram') return full.length <= 4096 ? full : `${full.slice(0, 4000)}…`;
  if (smsSegments(toGsm7(full)) <= MAX_SMS_SEGMENTS) return toGsm7(full);
  const tail = `…\nSiga en ${publicBaseUrl.replace(/\/+$/, '')}/seguimiento`;
  let low = 0;
  let high = reply.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (smsSegments(toGsm7(`${RELAY_FIRST_LINE}\n${reply.slice(0, mid).trimEnd()}${tail}`)) <= MAX_SMS_SEGMENTS) low = mid;
    else high = mid - 1;
  }
  return toGsm7(`${RELAY_FIRST_LINE}\n${reply.slice(0, low).trimEnd()}${tail}`);
}

/** The text of a public reply to relay, decrypted at send time; null for any other event. */
async function relayedReply(store: Store, reportId: number, eventId: number): Promise<string | null> {
  const rows = await store.db.execute({
    sql: "SELECT message FROM report_events WHERE id = ? AND report_id = ? AND type = 'public_reply' AND public = 1",
    args: [eventId, reportId],
  });
  const message = rows.rows[0]?.message;
  if (message === undefined || message === null) return null;
  return store.cipher.decrypt(String(message));
}

/** Twilio: «Attempt to send to unsubscribed recipient» — she answered STOP to our number. */
const TWILIO_UNSUBSCRIBED = 21610;
/** When a channel is not configured in this process, look again in an hour (not an attempt). */
const UNCONFIGURED_WAIT_MS = 3_600_000;

/** A kind that gives a row up at once: a refused consent or a permanent error is never retried. */
const GIVE_UP = { ...REPORT_NOTIFICATION, maxAttempts: 1 };

type Outcome = { sent: true; sid?: string; status?: string } | { sent: false; retry: boolean; reason: string; optedOut?: boolean };

function isPayload(value: unknown): value is NotificationPayload {
  const payload = value as NotificationPayload;
  return (
    typeof payload === 'object' &&
    payload !== null &&
    Number.isSafeInteger(payload.reportId) &&
    Number.isSafeInteger(payload.eventId) &&
    (payload.channel === 'telegram' || payload.channel === 'sms')
  );
}

async function sendTelegram(deps: DeliveryDeps, chatId: string, text: string): Promise<Outcome> {
  const telegram = deps.telegram!;
  const root = (telegram.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '');
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(`${root}/bot${telegram.token}/sendMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ chat_id: Number(chatId), text }),
    });
  } catch {
    // No answer: it may or may not have gone out, and a message to a person goes at most once.
    return { sent: false, retry: false, reason: 'telegram: sin respuesta, no se reintenta' };
  }
  if (response.ok) return { sent: true };
  const body = (await response.json().catch(() => ({}))) as { error_code?: number };
  const code = body.error_code ?? response.status;
  // 403: she blocked the bot — the same as saying stop.
  if (code === 403) return { sent: false, retry: false, reason: 'telegram 403: bloqueado por la persona', optedOut: true };
  return { sent: false, retry: code === 429 || code >= 500, reason: `telegram ${code}` };
}

async function sendSms(deps: DeliveryDeps, to: string, text: string): Promise<Outcome> {
  const twilio = deps.twilio!;
  const root = (twilio.apiRoot ?? 'https://api.twilio.com').replace(/\/+$/, '');
  let response: Response;
  try {
    response = await (deps.fetch ?? fetch)(`${root}/2010-04-01/Accounts/${encodeURIComponent(twilio.accountSid)}/Messages.json`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${btoa(`${twilio.accountSid}:${twilio.authToken}`)}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        To: to,
        From: twilio.from,
        Body: toGsm7(text),
        // Twilio reports delivered / undelivered / failed there (api/bot/webhooks.ts), signed like inbound SMS.
        ...(deps.publicBaseUrl.startsWith('https://') ? { StatusCallback: `${deps.publicBaseUrl.replace(/\/+$/, '')}/api/sms/twilio/status` } : {}),
      }).toString(),
    });
  } catch {
    return { sent: false, retry: false, reason: 'twilio: sin respuesta, no se reintenta' };
  }
  if (response.ok) {
    const accepted = (await response.json().catch(() => ({}))) as { sid?: unknown; status?: unknown };
    return {
      sent: true,
      sid: typeof accepted.sid === 'string' ? accepted.sid : undefined,
      status: typeof accepted.status === 'string' ? accepted.status : undefined,
    };
  }
  const body = (await response.json().catch(() => ({}))) as { code?: number };
  if (body.code === TWILIO_UNSUBSCRIBED) return { sent: false, retry: false, reason: `twilio ${TWILIO_UNSUBSCRIBED}: dio de baja el número`, optedOut: true };
  return { sent: false, retry: response.status === 429 || response.status >= 500, reason: `twilio ${response.status}${body.code ? ` ${body.code}` : ''}` };
}

/**
 * One pass over the due notifications. Returns how many went out, waited, or were given up.
 *
 * @example await deliverReportNotifications({ store, optOuts, log, publicBaseUrl, twilio: { accountSid, authToken, from } })
 */
export async function deliverReportNotifications(deps: DeliveryDeps): Promise<{ sent: number; postponed: number; dropped: number; retried: number }> {
  const counts = { sent: 0, postponed: 0, dropped: 0, retried: 0 };
  await recoverStaleClaims(deps.store, REPORT_NOTIFICATION);
  const rows = await claimDue(deps.store, REPORT_NOTIFICATION, 100);
  const drop = async (row: OutboxRow, reason: string) => {
    counts.dropped++;
    await markFailedAttempt(deps.store, GIVE_UP, [row], reason);
  };
  for (const row of rows) {
    try {
      if (!isPayload(row.payload)) {
        await drop(row, 'aviso mal formado');
        continue;
      }
      const payload = row.payload;
      const contact = await notificationContact(deps.store, payload.reportId);
      if (!contact || contact.channel !== payload.channel) {
        await drop(row, 'sin contacto para ese canal: no se envía');
        continue;
      }
      const configured = payload.channel === 'telegram' ? deps.telegram : deps.twilio;
      const now = deps.store.clock.now();
      if (!configured) {
        counts.postponed++;
        await postponeClaimed(deps.store, [row], new Date(now.getTime() + UNCONFIGURED_WAIT_MS).toISOString());
        continue;
      }
      if (payload.channel === 'telegram' && !/^-?\d{1,20}$/.test(contact.value)) {
        // A @username cannot be written to first: only a chat she opened with the bot has an id.
        await drop(row, 'telegram: usuario sin chat con el bot');
        continue;
      }
      if (await deps.optOuts.isOptedOut(payload.channel, contact.value)) {
        await drop(row, 'dio de baja el canal: no se envía');
        continue;
      }
      const due = nextSafeMoment(now, contact.safeHours);
      if (due.getTime() > now.getTime()) {
        counts.postponed++;
        await postponeClaimed(deps.store, [row], due.toISOString());
        continue;
      }
      // She asked to talk here: an operator's reply goes with its text; anything else stays neutral.
      const reply = contact.relay ? await relayedReply(deps.store, payload.reportId, payload.eventId) : null;
      const text = reply !== null ? relayText(deps.publicBaseUrl, reply, payload.channel) : notificationText(deps.publicBaseUrl);
      const outcome = payload.channel === 'telegram' ? await sendTelegram(deps, contact.value, text) : await sendSms(deps, contact.value, text);
      if (outcome.sent) {
        counts.sent++;
        await markSent(deps.store, [row.id]);
        if (outcome.sid) await recordSmsSent(deps.store, outcome.sid, row.id, outcome.status ?? 'queued');
        continue;
      }
      if (outcome.optedOut) await deps.optOuts.optOut(payload.channel, contact.value);
      if (outcome.retry) {
        counts.retried++;
        await markFailedAttempt(deps.store, REPORT_NOTIFICATION, [row], outcome.reason);
      } else await drop(row, outcome.reason);
    } catch (error) {
      // Left `sending`: the stale-claim recovery marks it failed, never sent twice.
      deps.log.error('notification delivery failed', { outbox: row.id, error: error instanceof Error ? error.name : typeof error });
    }
  }
  return counts;
}
