import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import type { Log } from '../../api/errors.ts';
import { defaultBotInfo } from '../../bot/channels/telegram.ts';
import type { BotEvent } from '../../bot/engine/types.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { fakeRunner, memoryOptOuts, startCaptureServer } from '../fixtures/bot-channels.ts';
import { createTestStore } from '../fixtures/store.ts';

const TOKEN = '123456789:AAHtestTOKENtestTOKENtestTOKEN12345';
const SECRET = 'secreto-del-webhook-de-prueba';
const CHAT = { id: 555000111, first_name: 'Prueba', type: 'private' as const };
const FROM = { id: 555000111, is_bot: false, first_name: 'Prueba', language_code: 'es' };

const t = await createTestStore('none');
const capture = await startCaptureServer();
afterAll(async () => {
  await capture.close();
  t.cleanup();
});

const errors: { message: string; details?: Record<string, unknown> }[] = [];
const log: Log = { info: () => undefined, error: (message, details) => void errors.push({ message, details }) };

function setup(reply?: Parameters<typeof fakeRunner>[0]) {
  const fake = fakeRunner(reply);
  const api = createApi({
    store: t.store,
    search: createEmbeddedSearch(t.store.db),
    log,
    bot: { runner: fake.runner, optOuts: memoryOptOuts(), telegram: { token: TOKEN, webhookSecret: SECRET, apiRoot: capture.url } },
  });
  const post = (update: unknown, secret: string | null = SECRET) =>
    api.request('/api/telegram/webhook', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(secret === null ? {} : { 'X-Telegram-Bot-Api-Secret-Token': secret }) },
      body: typeof update === 'string' ? update : JSON.stringify(update),
    });
  return { fake, post };
}

let updateId = 800_000;
let messageId = 10;
const message = (extra: Record<string, unknown>) => ({
  update_id: ++updateId,
  message: { message_id: ++messageId, from: FROM, chat: CHAT, date: 1_790_000_000, ...extra },
});

beforeAll(() => {
  capture.calls.length = 0;
});

describe('Telegram webhook', () => {
  it('refuses a missing or wrong secret token before reading anything', async () => {
    const { fake, post } = setup();
    expect((await post(message({ text: 'hola' }), null)).status).toBe(401);
    expect((await post(message({ text: 'hola' }), 'otro')).status).toBe(401);
    expect(fake.handled).toEqual([]);
  });

  it('has no webhook without a secret to check', async () => {
    const api = createApi({
      store: t.store,
      search: createEmbeddedSearch(t.store.db),
      log,
      bot: { runner: fakeRunner().runner, optOuts: memoryOptOuts(), telegram: { token: TOKEN, webhookSecret: '', apiRoot: capture.url } },
    });
    const response = await api.request('/api/telegram/webhook', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(message({ text: 'hola' })),
    });
    expect(response.status).toBe(404);
  });

  it('answers 400 to malformed JSON or a body without update_id', async () => {
    const { fake, post } = setup();
    expect((await post('{"update_id": 1, ')).status).toBe(400);
    expect((await post({ hello: 1 })).status).toBe(400);
    expect(fake.handled).toEqual([]);
  });

  it('maps a text message to a message event and renders choices as an inline keyboard', async () => {
    const { fake, post } = setup();
    const before = capture.calls.length;
    const response = await post(message({ text: 'Hola' }));
    expect(response.status).toBe(200);
    expect(fake.handled).toEqual([{ channel: 'telegram', identity: String(CHAT.id), event: { type: 'message', text: 'Hola' }, dedupeKey: `tg:${updateId}` }]);
    const calls = capture.calls.slice(before);
    expect(calls.map((call) => call.path)).toEqual([`/bot${TOKEN}/sendMessage`]);
    expect(calls[0].json).toMatchObject({
      chat_id: CHAT.id,
      text: '¿En qué le ayudamos?',
      reply_markup: { inline_keyboard: [[{ text: 'Emergencia', callback_data: 'emergency' }], [{ text: 'Línea 198', callback_data: 'line198' }]] },
    });
  });

  it('has one effect for a replayed update_id', async () => {
    const { fake, post } = setup();
    const update = message({ text: 'hola' });
    const before = capture.callsTo('sendMessage').length;
    expect((await post(update)).status).toBe(200);
    expect((await post(update)).status).toBe(200);
    expect(fake.handled).toHaveLength(1);
    expect(capture.callsTo('sendMessage').length - before).toBe(1);
  });

  it('answers a callback query and passes its data as a choice', async () => {
    const { fake, post } = setup();
    const before = capture.callsTo('answerCallbackQuery').length;
    const update = {
      update_id: ++updateId,
      callback_query: {
        id: '4382bfdwdsb323b2d9',
        from: FROM,
        chat_instance: '-8600000000000000',
        data: 'line198',
        message: {
          message_id: 77,
          from: { id: 123456789, is_bot: true, first_name: 'Tramites', username: 'bot123456789' },
          chat: CHAT,
          date: 1_790_000_000,
          text: '¿En qué le ayudamos?',
        },
      },
    };
    const response = await post(update);
    expect(response.status).toBe(200);
    expect(fake.handled[0].event).toEqual({ type: 'choice', value: 'line198' });
    // Answered in the webhook's own response (grammY's webhook reply), after the update was handled: no call of its own.
    expect(await response.json()).toEqual({ method: 'answerCallbackQuery', callback_query_id: '4382bfdwdsb323b2d9' });
    expect(capture.callsTo('answerCallbackQuery').length - before).toBe(0);
  });

  it('maps a shared location, and refuses an impossible one as unsupported', async () => {
    const { fake, post } = setup();
    await post(message({ location: { latitude: 13.6929, longitude: -89.2182 } }));
    await post(message({ location: { latitude: 413.6, longitude: -89.2 } }));
    expect(fake.handled.map((input) => input.event)).toEqual([
      { type: 'location', lat: 13.6929, lng: -89.2182 },
      { type: 'unsupported', what: 'other' },
    ]);
  });

  it('maps stickers, photos, voice notes and contacts to unsupported', async () => {
    const { fake, post } = setup();
    await post(
      message({
        sticker: { file_id: 'CAACAgIAAxkBAAE', file_unique_id: 'AgAD', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false },
      }),
    );
    await post(message({ photo: [{ file_id: 'AgACAgEAAxkBAAI', file_unique_id: 'AQAD', width: 90, height: 90 }] }));
    await post(message({ voice: { file_id: 'AwACAgEAAxkBAAI', file_unique_id: 'AgAD', duration: 3 } }));
    await post(message({ contact: { phone_number: '+50370000000', first_name: 'Alguien' } }));
    expect(fake.handled.map((input) => (input.event as Extract<BotEvent, { type: 'unsupported' }>).what)).toEqual(['sticker', 'photo', 'voice', 'contact']);
  });

  it('asks for a location with a reply keyboard button', async () => {
    const { post } = setup(() => ({ messages: [{ text: '¿Dónde está?', requestLocation: true }] }));
    await post(message({ text: 'emergencia' }));
    expect(capture.callsTo('sendMessage').at(-1)!.json).toMatchObject({
      reply_markup: { keyboard: [[{ text: 'Enviar mi ubicación', request_location: true }]], one_time_keyboard: true, resize_keyboard: true },
    });
  });

  it('logs a failed Bot API call without the update content and still answers 200', async () => {
    const failing = await startCaptureServer(() => ({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } }));
    const fake = fakeRunner();
    const api = createApi({
      store: t.store,
      search: createEmbeddedSearch(t.store.db),
      log,
      bot: { runner: fake.runner, optOuts: memoryOptOuts(), telegram: { token: TOKEN, webhookSecret: SECRET, apiRoot: failing.url } },
    });
    errors.length = 0;
    const response = await api.request('/api/telegram/webhook', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(message({ text: 'me llamo María, mi número es 7000-0000' })),
    });
    await failing.close();
    expect(response.status).toBe(200);
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors)).not.toMatch(/María|7000|555000111/);
    expect(errors[0].details).toMatchObject({ method: 'sendMessage', code: 400 });
  });

  it('waits out a short flood limit once, and hands a 4,096-character message on whole', async () => {
    let refused = 0;
    const limited = await startCaptureServer((call) =>
      call.path.endsWith('/sendMessage') && refused++ === 0
        ? { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 0', parameters: { retry_after: 0 } } }
        : undefined,
    );
    const fake = fakeRunner();
    const api = createApi({
      store: t.store,
      search: createEmbeddedSearch(t.store.db),
      log,
      bot: { runner: fake.runner, optOuts: memoryOptOuts(), telegram: { token: TOKEN, webhookSecret: SECRET, apiRoot: limited.url } },
    });
    const response = await api.request('/api/telegram/webhook', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(message({ text: 'a'.repeat(4096) })),
    });
    await limited.close();
    expect(response.status).toBe(200);
    expect(limited.callsTo('sendMessage')).toHaveLength(2);
    expect((fake.handled[0].event as { text: string }).text).toHaveLength(4096);
  });

  it('builds botInfo from the token so start needs no getMe', () => {
    expect(defaultBotInfo(TOKEN)).toMatchObject({ id: 123456789, is_bot: true });
    expect(defaultBotInfo(TOKEN, '{"id":42,"is_bot":true,"first_name":"X","username":"x_bot"}')).toMatchObject({ id: 42, username: 'x_bot' });
    expect(() => defaultBotInfo('nope')).toThrow(/TELEGRAM_BOT_TOKEN/);
    expect(capture.callsTo('getMe')).toEqual([]);
  });
});
