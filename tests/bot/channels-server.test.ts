import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import twilio from 'twilio';
import { afterAll, describe, expect, it } from 'vitest';
import type { Log } from '../../api/errors.ts';
import { renderSms } from '../../bot/channels/sms.ts';
import { step } from '../../bot/engine/engine.ts';
import type { BotEvent, BotMessage, BotState, EffectResult } from '../../bot/engine/types.ts';
import { listen } from '../../server.node.ts';
import { isOptedOut } from '../../store/bot/conversations.ts';
import { startCaptureServer } from '../fixtures/bot-channels.ts';
import { createTestStore } from '../fixtures/store.ts';

const BASE = 'https://tramites.example.gob.sv';
const AUTH = 'auth-token-of-the-test-account-00';
const TOKEN = '123456789:AAHtestTOKENtestTOKENtestTOKEN12345';
const SECRET = 'secreto-del-webhook';
const silent: Log = { info: () => undefined, error: () => undefined };

const t = await createTestStore('fixture');
const capture = await startCaptureServer();
const server = await listen({
  store: t.store,
  log: silent,
  port: 0,
  host: '127.0.0.1',
  publicBaseUrl: BASE,
  jobSpeed: 0,
  botChannels: { telegram: { token: TOKEN, webhookSecret: SECRET, apiRoot: capture.url }, twilio: { authToken: AUTH } },
});
afterAll(async () => {
  await server.close();
  await capture.close();
  t.cleanup();
});

let sid = 0;
async function sms(body: string, from = '+50370000001') {
  const params = { From: from, To: '+50321000000', Body: body, MessageSid: `SM${String(++sid).padStart(32, '0')}`, NumMedia: '0' };
  const response = await fetch(`${server.url}/api/sms/twilio`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': twilio.getExpectedTwilioSignature(AUTH, `${BASE}/api/sms/twilio`, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  return { response, messages: [...text.matchAll(/<Message>([\s\S]*?)<\/Message>/g)].map((match) => match[1]) };
}

describe('the channels on the running server, with the real runner and engine', () => {
  it('answers an SMS with the menu as a numbered GSM-7 list', async () => {
    const { response, messages } = await sms('hola');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(messages.join('\n')).toMatch(/^1 /m);
    for (const body of messages) expect(new SegmentedMessage(body, 'auto').encodingName).toBe('GSM-7');
  });

  it('stores an ALTO and stays silent until INICIO', async () => {
    const from = '+50370000099';
    expect((await sms('ALTO', from)).messages).toHaveLength(1);
    expect(await isOptedOut(t.store, 'sms', from)).toBe(true);
    expect((await sms('hola', from)).messages).toEqual([]);
    expect((await sms('INICIO', from)).messages.length).toBeGreaterThan(1);
    expect(await isOptedOut(t.store, 'sms', from)).toBe(false);
  });

  it('registers its webhook with Telegram at start: the public URL, the secret token, the updates it reads', async () => {
    const [call] = await capture.waitFor('setWebhook', 1);
    expect(call.json).toEqual({ url: `${BASE}/api/telegram/webhook`, secret_token: SECRET, allowed_updates: ['message', 'callback_query'] });
  });

  it('answers a Telegram update once, even when Telegram sends it again', async () => {
    const update = {
      update_id: 424242,
      message: {
        message_id: 1,
        date: 1_790_000_000,
        chat: { id: 777000111, type: 'private' },
        from: { id: 777000111, is_bot: false, first_name: 'P' },
        text: 'hola',
      },
    };
    const post = () =>
      fetch(`${server.url}/api/telegram/webhook`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
        body: JSON.stringify(update),
      });
    expect((await post()).status).toBe(200);
    // The answer goes out after the webhook answered, from the outbox it was committed to.
    const sent = await capture.waitFor('sendMessage', 1);
    expect(sent[0].json).toMatchObject({ chat_id: 777000111, reply_markup: { inline_keyboard: expect.any(Array) } });
    const sentAfterFirst = sent.length;
    expect((await post()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(capture.callsTo('sendMessage').length).toBe(sentAfterFirst);
    expect(capture.callsTo('getMe')).toEqual([]);
  });

  it('answers the webhooks in their own lane: private headers, the API body limit and error shape, and nothing made for browsers', async () => {
    const { response } = await sms('hola');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('content-security-policy')).toBeNull();
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const telegram = (body: string) =>
      fetch(`${server.url}/api/telegram/webhook`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
        body,
      });
    const malformed = await telegram('{"update_id":');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('cache-control')).toBe('no-store');
    expect((await malformed.json()).error.code).toBe('invalid_json');
    const huge = await telegram(JSON.stringify({ update_id: 1, message: { text: 'x'.repeat(300 * 1024) } }));
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.message).toMatch(/256 KB/);
    const unsigned = await fetch(`${server.url}/api/sms/twilio`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': 'AAAA' },
      body: 'From=%2B50370000001&Body=hola&MessageSid=SM1',
    });
    expect(unsigned.status).toBe(403);
    expect((await unsigned.json()).error.code).toBe('forbidden');

    // The rest of the API keeps the site's headers: the lane covers only the webhooks.
    const health = await fetch(`${server.url}/api/health`);
    expect(health.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(health.headers.get('referrer-policy')).toBe('same-origin');
    expect((await fetch(`${server.url}/api/telegram/webhook`)).status).toBe(404);
  });
});

describe('every SMS the flows can say', () => {
  const resumeFor = (effect: NonNullable<ReturnType<typeof step>['effect']>): EffectResult => {
    switch (effect.type) {
      case 'search':
        return {
          type: 'search',
          hits: [1, 2, 3].map((n) => ({
            slug: `tramite-${n}`,
            title: `Renovación del Documento Único de Identidad número ${n} — con cita previa «en línea»`,
            summary: 'Trámite para renovar el documento cuando venció, se dañó o cambió algún dato; se hace en los duicentros.',
            cost: '$10.25 (pago en el duicentro)',
            requirements: ['Partida de nacimiento reciente', 'DUI anterior', 'Comprobante de pago', 'Fotografía tomada en el lugar'],
            url: `${BASE}/tramites/tramite-${n}`,
            offices: ['Duicentro San Salvador Centro, Alameda Juan Pablo II, edificio 3, primer nivel'],
          })),
        };
      case 'createReport':
        return { type: 'createReport', ok: true, code: 'ABCD-2345-EFGH', acknowledgeWithin: '5 minutos' };
      case 'lookupCase':
        return {
          type: 'lookupCase',
          found: true,
          status: 'En revisión',
          updatedAt: '2026-11-20T15:00:00.000Z',
          lastUpdate: 'Recibimos su caso y lo estamos revisando.',
          closed: false,
        };
      case 'replyToCase':
        return { type: 'replyToCase', ok: true };
      case 'matchPlace':
        return { type: 'matchPlace', department: 'San Salvador', municipality: 'San Salvador Centro', district: 'San Salvador', confidence: 'fuzzy' };
      case 'forget':
        return { type: 'forget', ok: true };
    }
  };
  const words = [
    'hola',
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
    'sí',
    'no',
    'menú',
    'ayuda',
    'salir',
    'borrar',
    'emergencia',
    'línea 198',
    'requisitos',
    'costo',
    'dónde',
    'ABCD-2345-EFGH',
    'girasol',
    'San Salvador',
    'me quiere matar',
    'De 18:00 a 20:00',
    'x'.repeat(500),
  ];
  const event: fc.Arbitrary<BotEvent> = fc.oneof(
    fc.constantFrom(...words).map((text): BotEvent => ({ type: 'message', text })),
    fc.string({ maxLength: 60 }).map((text): BotEvent => ({ type: 'message', text })),
    fc.constantFrom<BotEvent>({ type: 'unsupported', what: 'sticker' }, { type: 'location', lat: 13.7, lng: -89.2 }),
  );

  it('is GSM-7 and at most 2 segments, whatever path a conversation takes', () => {
    let walked = 0;
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 25 }), (events) => {
        let state: BotState | null = null;
        const said: BotMessage[] = [];
        for (const next of events) {
          let output = step(state, next, { channel: 'sms', now: '2026-11-20T15:00:00.000Z' });
          said.push(...output.messages);
          for (let i = 0; output.effect && i < 5; i++) {
            output = step(output.state, { type: 'resume', result: resumeFor(output.effect) }, { channel: 'sms', now: '2026-11-20T15:00:00.000Z' });
            said.push(...output.messages);
          }
          state = output.state;
        }
        for (const body of renderSms(said)) {
          const segmented = new SegmentedMessage(body, 'auto');
          expect(segmented.getNonGsmCharacters(), body).toEqual([]);
          expect(segmented.segmentsCount, body).toBeLessThanOrEqual(2);
          walked++;
        }
      }),
      { numRuns: 40 },
    );
    expect(walked).toBeGreaterThan(100);
  });
});
