// The bot's answers on Telegram go out after the webhook has answered, from the outbox they were
// committed to with the conversation: real update JSON, the real runner and engine, the Bot API a
// capture server on loopback.
import { afterAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import type { Log } from '../../api/errors.ts';
import { createTelegramBot } from '../../bot/channels/telegram.ts';
import { TELEGRAM_REPLY, telegramReplyRows } from '../../bot/channels/telegram-replies.ts';
import { step } from '../../bot/engine/engine.ts';
import { createBotRunner } from '../../bot/runner.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { rememberChatMessages, saveConversation } from '../../store/bot/conversations.ts';
import { memoryOptOuts, startCaptureServer } from '../fixtures/bot-channels.ts';
import { createTestStore } from '../fixtures/store.ts';

const TOKEN = '123456789:AAHtestTOKENtestTOKENtestTOKEN12345';
const SECRET = 'secreto-del-webhook-de-prueba';
const errors: string[] = [];
const log: Log = { info: () => undefined, error: (message) => void errors.push(message) };

const t = await createTestStore('fixture');
const search = createEmbeddedSearch(t.store.db);
const runner = createBotRunner({ store: t.store, search, step, log });
afterAll(() => t.cleanup());

let updateId = 5_000_000;
let chatId = 610_000_000;
const update = (chat: number, text: string, messageId = updateId) => ({
  update_id: ++updateId,
  message: { message_id: messageId, date: 1_790_000_000, chat: { id: chat, type: 'private' }, from: { id: chat, is_bot: false, first_name: 'P' }, text },
});

async function outboxRows() {
  const rows = await t.store.db.execute({
    sql: 'SELECT id, state, payload, attempts, next_attempt_at FROM outbox WHERE kind = ? ORDER BY id',
    args: [TELEGRAM_REPLY.kind],
  });
  return rows.rows.map((row) => ({ id: Number(row.id), state: String(row.state), payload: String(row.payload), nextAt: String(row.next_attempt_at) }));
}

/** The API with the real runner, its Bot API at `apiRoot`. */
const webhookApi = (apiRoot: string) =>
  createApi({ store: t.store, search, log, bot: { runner, optOuts: memoryOptOuts(), telegram: { token: TOKEN, webhookSecret: SECRET, apiRoot } } });

describe('Telegram answers through the outbox', () => {
  it('answers the webhook before the Bot API is called, then sends the answer; the row is encrypted and ends sent', async () => {
    const capture = await startCaptureServer();
    const api = webhookApi(capture.url);
    const chat = ++chatId;
    const before = (await outboxRows()).length;
    const response = await api.request('/api/telegram/webhook', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(update(chat, 'hola')),
    });
    expect(response.status).toBe(200);
    // Answered with nothing sent yet: the answer was committed to the outbox with the conversation.
    expect(capture.callsTo('sendMessage')).toHaveLength(0);
    const queued = (await outboxRows()).slice(before);
    expect(queued.length).toBeGreaterThan(0);
    // Neither the chat id nor the words are readable in the row.
    for (const row of queued) {
      expect(row.payload).not.toContain(String(chat));
      expect(row.payload).not.toMatch(/ayud|menú|Emergencia/i);
    }
    const sent = await capture.waitFor('sendMessage', queued.length);
    expect(sent.every((call) => call.json?.chat_id === chat)).toBe(true);
    await vi_waitFor(async () => (await outboxRows()).slice(before).every((row) => row.state === 'sent'));
    await capture.close();
  });

  it('sends what was committed but not sent (a restart) in order, chat by chat, from the scheduled drain', async () => {
    const capture = await startCaptureServer();
    const chats = [++chatId, ++chatId];
    for (const chat of chats) {
      for (const text of ['primero', 'segundo']) {
        await saveConversation(t.store, 'telegram', String(chat), null, {
          outbound: { kind: TELEGRAM_REPLY.kind, rows: telegramReplyRows(String(chat), [{ text: `${text} ${chat}` }], false) },
        });
      }
    }
    const { replies } = createTelegramBot({ token: TOKEN, store: t.store, runner, log, apiRoot: capture.url });
    const counts = await replies.drain();
    expect(counts.sent).toBeGreaterThanOrEqual(4);
    for (const chat of chats) {
      expect(
        capture
          .callsTo('sendMessage')
          .filter((call) => call.json?.chat_id === chat)
          .map((call) => call.json?.text),
      ).toEqual([`primero ${chat}`, `segundo ${chat}`]);
    }
    expect((await replies.drain()).sent).toBe(0); // nothing twice
    await capture.close();
  });

  it('on a long flood limit puts the chat back until retry_after, then sends it in order; a blocked chat is given up', async () => {
    let limited = true;
    const capture = await startCaptureServer((call) => {
      const chat = call.json?.chat_id;
      if (call.path.endsWith('/sendMessage') && chat === blockedChat)
        return { status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } };
      if (call.path.endsWith('/sendMessage') && chat === floodedChat && limited)
        return { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 60', parameters: { retry_after: 60 } } };
      return undefined;
    });
    const floodedChat = ++chatId;
    const blockedChat = ++chatId;
    const before = (await outboxRows()).length;
    for (const chat of [floodedChat, blockedChat]) {
      await saveConversation(t.store, 'telegram', String(chat), null, {
        outbound: { kind: TELEGRAM_REPLY.kind, rows: telegramReplyRows(String(chat), [{ text: 'uno' }, { text: 'dos' }], false) },
      });
    }
    const { replies } = createTelegramBot({ token: TOKEN, store: t.store, runner, log, apiRoot: capture.url });
    const first = await replies.drain();
    expect(first).toMatchObject({ sent: 0, failed: 2, postponed: 2 });
    const rows = (await outboxRows()).slice(before);
    expect(rows.map((row) => row.state)).toEqual(['pending', 'pending', 'failed', 'failed']);
    const waitUntil = Date.parse(rows[0].nextAt) - t.store.clock.now().getTime();
    expect(waitUntil).toBeGreaterThanOrEqual(59_000);
    // The 403 is not tried again; the flooded chat goes once Telegram allows it.
    expect(capture.callsTo('sendMessage').filter((call) => call.json?.chat_id === blockedChat)).toHaveLength(1);
    limited = false;
    await t.store.batch([
      { sql: "UPDATE outbox SET next_attempt_at = ? WHERE kind = ? AND state = 'pending'", args: [t.store.clock.now().toISOString(), TELEGRAM_REPLY.kind] },
    ]);
    expect((await replies.drain()).sent).toBe(2);
    expect(
      capture
        .callsTo('sendMessage')
        .filter((call) => call.json?.chat_id === floodedChat)
        .map((call) => call.json?.text)
        .slice(-2),
    ).toEqual(['uno', 'dos']);
    await capture.close();
  });

  it('on «borrar» deletes the chat’s known messages before the next answer goes, whichever process saw them', async () => {
    const capture = await startCaptureServer();
    const chat = ++chatId;
    // Seen by another instance, or before a restart: kept in the store, not in memory.
    await rememberChatMessages(t.store, 'telegram', String(chat), [11, 12]);
    const { replies } = createTelegramBot({ token: TOKEN, store: t.store, runner, log, apiRoot: capture.url });
    await saveConversation(t.store, 'telegram', String(chat), null, {
      outbound: { kind: TELEGRAM_REPLY.kind, rows: telegramReplyRows(String(chat), [{ text: 'Listo, borré la conversación.' }], true) },
    });
    await replies.drain();
    const order = capture.calls.map((call) => call.path.split('/').at(-1));
    expect(order).toEqual(['deleteMessages', 'sendMessage']);
    expect(capture.callsTo('deleteMessages')[0].json).toMatchObject({ chat_id: chat, message_ids: [11, 12] });
    await capture.close();
  });

  it('«borrar» through the webhook and the real engine deletes her messages and the bot’s, both directions', async () => {
    const capture = await startCaptureServer();
    const api = webhookApi(capture.url);
    const chat = ++chatId;
    const post = (body: unknown) =>
      api.request('/api/telegram/webhook', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
        body: JSON.stringify(body),
      });
    const hers = [901, 902];
    await post(update(chat, 'hola', hers[0]));
    const [greeting] = await capture.waitFor('sendMessage', 1);
    await post(update(chat, 'borrar', hers[1]));
    const [deleted] = await capture.waitFor('deleteMessages', 1);
    const ids = deleted.json!.message_ids as number[];
    expect(deleted.json!.chat_id).toBe(chat);
    expect(ids).toEqual(expect.arrayContaining(hers));
    // The bot's own reply before «borrar» (the capture server numbers its messages from 1000).
    expect(greeting.json!.chat_id).toBe(chat);
    expect(ids).toContain(1000);
    await capture.close();
  });
});

async function vi_waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
