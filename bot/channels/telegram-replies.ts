import { GrammyError, HttpError, type Api } from 'grammy';
import { rememberChatMessages, takeChatMessages } from '../../store/bot/conversations.ts';
import type { Store } from '../../store/db.ts';
import { claimDue, markFailedAttempt, markSent, postponeClaimed, recoverStaleClaims, type OutboxKind, type OutboxRow } from '../../store/outbox/outbox.ts';
import type { BotMessage } from '../engine/types.ts';
import { markupOf, MAX_TEXT, type ChannelLog } from './telegram.ts';

/**
 * The bot's answers on Telegram, sent after the webhook has answered.
 *
 * The webhook commits the conversation and its answers together (one outbox row per message,
 * written in the transaction that saves the state and marks the update handled), answers
 * Telegram 200, then wakes this delivery. So the webhook never waits on the Bot API (tens to
 * hundreds of milliseconds away, and rate limited), and an answer that was committed is sent even
 * if the process dies after acknowledging: the scheduled job picks up what is left.
 *
 * Order: a chat's answers go one after another, in the order they were written; different chats
 * go in parallel (bounded). Flood limits: the API is throttled (grammY's throttler: 30 messages a
 * second in all, one a second per chat) and a 429 is waited out briefly by grammY's auto-retry;
 * a longer one puts the chat's answers back until Telegram's `retry_after`.
 *
 * At most once: a row found still «sending» after a crash is marked failed, never sent again
 * (store/outbox/outbox.ts). A send that got no answer at all (connection refused or reset) is
 * tried again a few times: Telegram did not take it.
 */
export const TELEGRAM_REPLY: OutboxKind = {
  kind: 'bot.telegram.reply',
  atMostOnce: true,
  maxAttempts: 5,
  retryDelayMs: (attempts) => [2_000, 10_000, 30_000, 120_000][attempts] ?? 300_000,
};

/** What a row holds, encrypted: the chat, and the message or the request to delete the chat's messages first. */
export interface TelegramReplyPayload {
  chatId: string;
  message?: BotMessage;
  /** «borrar»: delete the messages of this chat the bot knows of, before the next message. */
  forget?: boolean;
}

/** The rows of one answer (runner: written with the conversation). */
export function telegramReplyRows(chatId: string, messages: BotMessage[], forget: boolean): TelegramReplyPayload[] {
  const rows: TelegramReplyPayload[] = messages.map((message) => ({ chatId, message }));
  if (forget) {
    if (rows.length > 0) rows[0].forget = true;
    else rows.push({ chatId, forget: true });
  }
  return rows;
}

/** Chats served at once; each chat's messages stay in order. */
const PARALLEL_CHATS = 16;
const CLAIM = 200;
/** deleteMessages takes 1–100 ids a call. */
const DELETE_BATCH = 100;

export interface TelegramReplies {
  /** Sends what is due now; resolves when this pass is done. Overlapping calls share one pass. */
  drain(): Promise<{ sent: number; failed: number; postponed: number }>;
  /** Asks for a pass soon (after the webhook has answered); never throws. */
  kick(): void;
}

/**
 * @example const replies = createTelegramReplies({ store, api: bot.api, recent, log }); replies.kick()
 */
export function createTelegramReplies(deps: { store: Store; api: Api; log: ChannelLog }): TelegramReplies {
  const { store, api, log } = deps;
  let running: Promise<{ sent: number; failed: number; postponed: number }> | null = null;
  let again = false;

  async function open(row: OutboxRow): Promise<TelegramReplyPayload | null> {
    const sealed = (row.payload as { sealed?: unknown })?.sealed;
    if (typeof sealed !== 'string') return null;
    try {
      const payload = JSON.parse(await store.cipher.decrypt(sealed)) as TelegramReplyPayload;
      return typeof payload?.chatId === 'string' && /^-?\d{1,20}$/.test(payload.chatId) ? payload : null;
    } catch {
      return null;
    }
  }

  /** Every message of the chat kept in the last 48 hours (hers and ours, whichever process saw them). */
  async function deleteKnown(chatId: string): Promise<void> {
    const ids = await takeChatMessages(store, 'telegram', chatId);
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      // Some may be gone already or too old: deleting is best effort, the rest still goes.
      await api.deleteMessages(Number(chatId), ids.slice(i, i + DELETE_BATCH)).catch((error) => log.error('telegram delete failed', describe(error)));
    }
  }

  /** One chat's rows, in order; stops at the first that must wait, and puts the rest back with it. */
  async function serveChat(rows: { row: OutboxRow; payload: TelegramReplyPayload }[], counts: { sent: number; failed: number; postponed: number }) {
    const sent: number[] = [];
    const messageIds: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const { row, payload } = rows[i];
      try {
        if (payload.forget) await deleteKnown(payload.chatId);
        if (payload.message) {
          const message = await api.sendMessage(Number(payload.chatId), payload.message.text.slice(0, MAX_TEXT), { reply_markup: markupOf(payload.message) });
          messageIds.push(message.message_id);
        }
        sent.push(row.id);
        counts.sent++;
      } catch (error) {
        const rest = rows.slice(i).map((entry) => entry.row);
        if (error instanceof GrammyError && error.error_code === 429) {
          // Still limited after auto-retry's short wait: the whole chat waits for Telegram's retry_after.
          const wait = (error.parameters.retry_after ?? 30) * 1000;
          counts.postponed += rest.length;
          await postponeClaimed(store, rest, new Date(store.clock.now().getTime() + wait).toISOString());
        } else if (error instanceof HttpError) {
          // No answer from Telegram: not taken; tried again later, in order.
          counts.postponed += rest.length;
          await markFailedAttempt(store, TELEGRAM_REPLY, rest, 'telegram: sin respuesta');
        } else {
          // Refused (blocked the bot, chat gone, bad request): this answer is given up; the rest of the chat goes on.
          log.error('telegram reply failed', describe(error));
          counts.failed++;
          await markFailedAttempt(store, { ...TELEGRAM_REPLY, maxAttempts: 1 }, [row], error instanceof GrammyError ? `telegram ${error.error_code}` : 'error');
          if (error instanceof GrammyError && error.error_code === 403) {
            counts.failed += rest.length - 1;
            await markFailedAttempt(store, { ...TELEGRAM_REPLY, maxAttempts: 1 }, rest.slice(1), 'telegram 403: bloqueado por la persona');
            break;
          }
          continue;
        }
        break;
      }
    }
    await markSent(store, sent);
    if (rows.length > 0) await rememberChatMessages(store, 'telegram', rows[0].payload.chatId, messageIds);
  }

  async function pass(): Promise<{ sent: number; failed: number; postponed: number }> {
    const counts = { sent: 0, failed: 0, postponed: 0 };
    await recoverStaleClaims(store, TELEGRAM_REPLY);
    for (;;) {
      const rows = await claimDue(store, TELEGRAM_REPLY, CLAIM);
      if (rows.length === 0) break;
      const chats = new Map<string, { row: OutboxRow; payload: TelegramReplyPayload }[]>();
      const unreadable: OutboxRow[] = [];
      for (const row of rows) {
        const payload = await open(row);
        if (!payload) {
          unreadable.push(row);
          continue;
        }
        const list = chats.get(payload.chatId) ?? [];
        list.push({ row, payload });
        chats.set(payload.chatId, list);
      }
      counts.failed += unreadable.length;
      await markFailedAttempt(store, { ...TELEGRAM_REPLY, maxAttempts: 1 }, unreadable, 'respuesta ilegible');
      const queue = [...chats.values()];
      await Promise.all(
        Array.from({ length: Math.min(PARALLEL_CHATS, queue.length) }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) await serveChat(next, counts);
        }),
      );
      if (rows.length < CLAIM) break;
    }
    return counts;
  }

  function drain() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let counts = await pass();
        while (again) {
          again = false;
          const more = await pass();
          counts = { sent: counts.sent + more.sent, failed: counts.failed + more.failed, postponed: counts.postponed + more.postponed };
        }
        return counts;
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    drain,
    kick() {
      setTimeout(() => {
        drain().catch((error: unknown) => log.error('telegram replies failed', describe(error)));
      }, 0);
    },
  };
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof GrammyError) return { method: error.method, code: error.error_code };
  if (error instanceof HttpError) return { kind: 'http' };
  return { kind: error instanceof Error ? error.name : typeof error };
}
