import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { Bot, BotError, GrammyError, HttpError, InlineKeyboard, Keyboard, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { rememberChatMessages } from '../../store/bot/conversations.ts';
import type { Store } from '../../store/db.ts';
import type { BotEvent, BotMessage, BotRunner } from '../engine/types.ts';
import { createTelegramReplies, TELEGRAM_REPLY, telegramReplyRows, type TelegramReplies } from './telegram-replies.ts';

/**
 * The Telegram channel (grammY): updates → BotEvents → the runner → messages rendered with inline
 * keyboards (choices) and a «send my location» keyboard. Webhook only here (api/bot/webhooks.ts).
 */

/** The log this channel writes to: never message text, chat ids or names (victim-safety rule 6). */
export interface ChannelLog {
  error(message: string, details?: Record<string, unknown>): void;
}

/**
 * What grammY would ask getMe for at start. From TELEGRAM_BOT_INFO (the getMe JSON) or, without
 * it, built from the token's numeric id, so start needs no network (grammY skips getMe when given).
 */
export function defaultBotInfo(token: string, configured?: string): UserFromGetMe {
  if (configured) {
    const parsed = JSON.parse(configured) as UserFromGetMe;
    if (typeof parsed?.id !== 'number' || typeof parsed.username !== 'string')
      throw new Error('TELEGRAM_BOT_INFO debe ser el JSON de getMe, con "id" y "username".');
    return parsed;
  }
  const id = Number(token.split(':')[0]);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error('TELEGRAM_BOT_TOKEN no tiene la forma 123456:ABC… que da @BotFather.');
  return {
    id,
    is_bot: true,
    first_name: 'Tramites',
    username: `bot${id}`,
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
}

/**
 * The platform's fetch for grammY. On Node grammY hands over an AbortSignal from its
 * `abort-controller` polyfill, which undici refuses; it is bridged to a native one.
 */
const runtimeFetch: typeof fetch = (input, init) => {
  const given = init?.signal as unknown as { aborted: boolean; addEventListener(type: 'abort', listener: () => void): void } | null | undefined;
  if (!given || given instanceof AbortSignal) return fetch(input, init);
  const controller = new AbortController();
  if (given.aborted) controller.abort();
  else given.addEventListener('abort', () => controller.abort());
  return fetch(input, { ...init, signal: controller.signal });
};

export function markupOf(message: BotMessage) {
  if (message.requestLocation) {
    const keyboard = new Keyboard().requestLocation('Enviar mi ubicación');
    for (const choice of message.choices ?? []) keyboard.row().text(choice.label);
    return keyboard.oneTime().resized();
  }
  if (message.choices && message.choices.length > 0) {
    const keyboard = new InlineKeyboard();
    message.choices.forEach((choice, index) => (index === 0 ? keyboard : keyboard.row()).text(choice.label, choice.value));
    return keyboard;
  }
  return undefined;
}

/** Telegram's limit for one message's text. */
export const MAX_TEXT = 4096;

function eventOf(ctx: Context): BotEvent | undefined {
  if (ctx.callbackQuery) return ctx.callbackQuery.data !== undefined ? { type: 'choice', value: ctx.callbackQuery.data } : undefined;
  const message = ctx.message;
  if (!message) return undefined;
  if (message.text !== undefined) return { type: 'message', text: message.text.slice(0, MAX_TEXT) };
  if (message.location) {
    const { latitude: lat, longitude: lng } = message.location;
    if (Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) return { type: 'location', lat, lng };
    return { type: 'unsupported', what: 'other' };
  }
  if (message.sticker) return { type: 'unsupported', what: 'sticker' };
  if (message.photo) return { type: 'unsupported', what: 'photo' };
  if (message.voice || message.audio || message.video_note) return { type: 'unsupported', what: 'voice' };
  if (message.video || message.animation) return { type: 'unsupported', what: 'video' };
  if (message.document) return { type: 'unsupported', what: 'document' };
  if (message.contact) return { type: 'unsupported', what: 'contact' };
  return { type: 'unsupported', what: 'other' };
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof GrammyError) return { method: error.method, code: error.error_code };
  if (error instanceof HttpError) return { kind: 'http' };
  return { kind: error instanceof Error ? error.name : typeof error };
}

/** The bot and the delivery of its answers (bot/channels/telegram-replies.ts). */
export interface TelegramChannel {
  bot: Bot;
  replies: TelegramReplies;
}

/**
 * The Telegram bot: one handler for every update (the runner decides what it means), one error
 * boundary. `botInfo` and `apiRoot` come from configuration (no getMe at start; TELEGRAM_API_ROOT
 * points it at a local Bot API server or a test's capture server).
 *
 * The webhook answers as soon as the update's effect is committed: the answers are committed with
 * it to the outbox and sent right after by `replies` (never inside the webhook, so a slow or rate
 * limited Bot API never holds Telegram's request), and a button's callback query is answered in
 * the webhook's own response (grammY's webhook reply), not by a call of its own.
 *
 * @example const { bot, replies } = createTelegramBot({ token, store, runner, log: consoleLog }); app.post('/webhook', webhookCallback(bot, 'hono'))
 */
export function createTelegramBot(options: {
  token: string;
  store: Store;
  runner: BotRunner;
  log: ChannelLog;
  botInfo?: UserFromGetMe;
  apiRoot?: string;
}): TelegramChannel {
  const bot = new Bot(options.token, {
    botInfo: options.botInfo ?? defaultBotInfo(options.token),
    client: {
      ...(options.apiRoot ? { apiRoot: options.apiRoot.replace(/\/+$/, '') } : {}),
      // The runtime's own fetch (undici on Node, the platform's on Workers) rather than grammY's
      // node-fetch shim: on loopback at 40 connections the shim cut webhook throughput ~6×.
      fetch: runtimeFetch,
      // Only the callback answer rides on the webhook's response: it needs no result.
      canUseWebhookReply: (method) => method === 'answerCallbackQuery',
    },
  });
  // Flood limits (grammY's plugins): at most 30 messages a second in all and one a second per
  // chat; a 429 is waited out when Telegram asks for at most 5 seconds, and otherwise surfaces, so
  // the delivery puts that chat's answers back until retry_after.
  bot.api.config.use(apiThrottler());
  bot.api.config.use(autoRetry({ maxRetryAttempts: 2, maxDelaySeconds: 5, rethrowHttpErrors: true }));
  const replies = createTelegramReplies({ store: options.store, api: bot.api, log: options.log });
  const outbox = {
    kind: TELEGRAM_REPLY.kind,
    rows: (chatId: string) => (messages: BotMessage[], forget: boolean) => telegramReplyRows(chatId, messages, forget),
  };

  // The one error boundary: logs what failed, never the update's content. grammY's `bot.catch` only
  // sees errors under long polling; in a webhook they would reach the framework as a 500, Telegram
  // would re-send, and the runner's dedupe would swallow the copy anyway — so the update ends here.
  const boundary = (error: BotError) => options.log.error('telegram update failed', { update: error.ctx.update.update_id, ...describeError(error.error) });
  bot.catch(boundary);
  bot.errorBoundary(boundary).use(async (ctx) => {
    const chat = ctx.chat;
    const event = eventOf(ctx);
    if (!chat || !event) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
      return;
    }
    const isPrivate = chat.type === 'private';
    // Telegram re-sends an update whose webhook did not answer 2xx in time: update_id dedupes it.
    // Her message's id is kept (48 h, with the conversation) so «borrar» can delete it later.
    const result = await options.runner.handle({
      channel: 'telegram',
      identity: String(chat.id),
      event,
      dedupeKey: `tg:${ctx.update.update_id}`,
      outbox: { kind: outbox.kind, rows: outbox.rows(String(chat.id)) },
      ...(ctx.message && isPrivate ? { channelMessageIds: [ctx.message.message_id] } : {}),
    });
    // After the commit: the webhook's response carries this answer.
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
    if (result.duplicate) return;
    if (result.queued) {
      replies.kick();
      return;
    }
    // Not committed to the outbox (the runner's apology after a failure): sent now.
    const sent: number[] = ctx.message && isPrivate ? [ctx.message.message_id] : [];
    for (const message of result.messages) {
      sent.push((await ctx.api.sendMessage(chat.id, message.text.slice(0, MAX_TEXT), { reply_markup: markupOf(message) })).message_id);
    }
    if (isPrivate) await rememberChatMessages(options.store, 'telegram', String(chat.id), sent);
  });

  return { bot, replies };
}
