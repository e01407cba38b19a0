import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import twilio from 'twilio';
import { afterAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import type { Log } from '../../api/errors.ts';
import { isGsm7, renderSms, smsKeyword, toGsm7, twiml, validateTwilioSignature } from '../../bot/channels/sms.ts';
import type { BotMessage } from '../../bot/engine/types.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { fakeRunner, memoryOptOuts } from '../fixtures/bot-channels.ts';
import { createTestStore } from '../fixtures/store.ts';

const AUTH_TOKEN = '12345678901234567890123456789012';
const BASE = 'https://tramites.example.gob.sv';
const URL_SMS = `${BASE}/api/sms/twilio`;
const silent: Log = { info: () => undefined, error: () => undefined };

const t = await createTestStore('none');
afterAll(() => t.cleanup());

function setup(reply?: Parameters<typeof fakeRunner>[0]) {
  const fake = fakeRunner(reply);
  const optOuts = memoryOptOuts();
  const api = createApi({
    store: t.store,
    search: createEmbeddedSearch(t.store.db),
    log: silent,
    publicOrigin: BASE,
    bot: { runner: fake.runner, optOuts, twilio: { authToken: AUTH_TOKEN } },
  });
  let sid = 0;
  async function sms(body: string, options: { from?: string; sid?: string; token?: string; url?: string } = {}) {
    const params = {
      ToCountry: 'SV',
      From: options.from ?? '+50370000001',
      To: '+50321000000',
      Body: body,
      MessageSid: options.sid ?? `SM${String(++sid).padStart(32, '0')}`,
      AccountSid: 'AC' + '0'.repeat(32),
      NumMedia: '0',
    };
    const signature = twilio.getExpectedTwilioSignature(options.token ?? AUTH_TOKEN, options.url ?? URL_SMS, params);
    const response = await api.request('http://localhost/api/sms/twilio', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    const text = await response.text();
    const messages = [...text.matchAll(/<Message>([\s\S]*?)<\/Message>/g)].map((match) => match[1]);
    return { response, text, messages };
  }
  return { api, fake, optOuts, sms };
}

describe('Twilio signatures', () => {
  it('accepts exactly what the twilio package signs, and nothing it does not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 8 }),
        fc.string({ maxLength: 30 }),
        async (params, path) => {
          const url = `${BASE}/api/sms/twilio${path ? `?q=${encodeURIComponent(path)}` : ''}`;
          const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
          expect(await validateTwilioSignature(AUTH_TOKEN, url, params, signature)).toBe(true);
          expect(twilio.validateRequest(AUTH_TOKEN, signature, url, params)).toBe(true);
          expect(await validateTwilioSignature('another-token', url, params, signature)).toBe(false);
          expect(await validateTwilioSignature(AUTH_TOKEN, url, { ...params, Extra: 'x' }, signature)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects a Twilio request signed with another token: 403 and the runner never called', async () => {
    const { fake, sms } = setup();
    const { response } = await sms('hola', { token: 'another-token-another-token-1234' });
    expect(response.status).toBe(403);
    expect((await sms('hola', { url: 'https://evil.example/api/sms/twilio' })).response.status).toBe(403);
    expect(fake.handled).toEqual([]);
  });

  it('rejects an unsigned request and a body that is not a form', async () => {
    const { api, fake } = setup();
    const unsigned = await api.request('/api/sms/twilio', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'From=%2B50370000001&Body=hola&MessageSid=SM1',
    });
    expect(unsigned.status).toBe(403);
    const json = await api.request('/api/sms/twilio', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"From":"x"}' });
    expect(json.status).toBe(415);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    expect(fake.handled).toEqual([]);
  });

  it('answers 400 to a signed request without From or MessageSid', async () => {
    const { api } = setup();
    const params = { Body: 'hola' };
    const response = await api.request('/api/sms/twilio', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, URL_SMS, params) },
      body: new URLSearchParams(params).toString(),
    });
    expect(response.status).toBe(400);
  });

  it('answers 404 in the JSON error shape when SMS is not configured', async () => {
    const api = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: silent });
    const response = await api.request('/api/sms/twilio', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('inbound SMS', () => {
  it('hands the text to the runner and answers TwiML with numbered choices in GSM-7', async () => {
    const { fake, sms } = setup();
    const { response, messages } = await sms('Hola');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/xml/);
    expect(fake.handled[0]).toMatchObject({ channel: 'sms', identity: '+50370000001', event: { type: 'message', text: 'Hola' } });
    expect(messages).toEqual(['¿En qué le ayudamos?\n1 Emergencia\n2 Linea 198']);
  });

  it('has one effect for a replayed MessageSid', async () => {
    const { fake, sms } = setup();
    const first = await sms('hola', { sid: 'SM' + 'a'.repeat(32) });
    const again = await sms('hola', { sid: 'SM' + 'a'.repeat(32) });
    expect(fake.handled).toHaveLength(1);
    expect(first.messages).toHaveLength(1);
    expect(again.response.status).toBe(200);
    expect(again.messages).toEqual([]);
  });

  it('honours STOP and ALTO at once: confirmed once, then silence until INICIO', async () => {
    for (const word of ['STOP', 'alto', 'Baja.', 'PARAR', 'cancelar']) {
      const { fake, optOuts, sms } = setup();
      const confirm = await sms(word);
      expect(confirm.messages).toHaveLength(1);
      expect(isGsm7(confirm.messages[0])).toBe(true);
      expect(confirm.messages[0]).toMatch(/INICIO/);
      expect(await optOuts.isOptedOut('sms', '+50370000001')).toBe(true);
      expect((await sms(word)).messages).toEqual([]);
      expect((await sms('hola, necesito ayuda')).messages).toEqual([]);
      expect((await sms('MENU')).messages).toEqual([]);
      expect(fake.handled).toEqual([]);
      const back = await sms(word === 'STOP' ? 'START' : 'Inicio');
      expect(back.messages.length).toBeGreaterThan(1);
      expect(await optOuts.isOptedOut('sms', '+50370000001')).toBe(false);
      expect(fake.handled).toHaveLength(1);
    }
  });

  it('maps AYUDA/HELP and MENU to the engine words', async () => {
    const { fake, sms } = setup();
    await sms('AYUDA');
    await sms('help');
    await sms('Menú');
    expect(fake.handled.map((input) => input.event)).toEqual([
      { type: 'message', text: 'ayuda' },
      { type: 'message', text: 'ayuda' },
      { type: 'message', text: 'menú' },
    ]);
  });

  it('answers a 4,096-character SMS and an empty one without failing', async () => {
    const { fake, sms } = setup((event) => ({ messages: [{ text: event.type === 'message' ? `Recibido: ${event.text}` : '' }] }));
    const long = await sms('ñ'.repeat(4096));
    expect(long.response.status).toBe(200);
    for (const body of long.messages) expect(new SegmentedMessage(body, 'auto').segmentsCount).toBeLessThanOrEqual(2);
    expect((await sms('')).response.status).toBe(200);
    expect(fake.handled).toHaveLength(2);
  });

  it('escapes the reply as XML', () => {
    expect(twiml(['<a & "b">'])).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>&lt;a &amp; &quot;b&quot;&gt;</Message></Response>');
    expect(twiml([])).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });
});

describe('GSM-7', () => {
  it('drops the accents GSM-7 lacks and keeps ñ, é, ü, ¿, ¡', () => {
    expect(toGsm7('¿Qué trámite? ¡Línea 198! Ñandú, pingüino, acción, ÁÍÓÚ')).toBe('¿Qué tramite? ¡Linea 198! Ñandu, pingüino, accion, AIOU');
    expect(toGsm7('«Sí» — espere… – “ya” ‘ok’')).toBe('"Si" - espere... - "ya" \'ok\'');
    expect(toGsm7('Hola 👋 ✅')).toBe('Hola ');
    // Characters the regular expression's class must escape, and the extension table.
    expect(toGsm7('a\\b [x] ^{}~|€ -')).toBe('a\\b [x] ^{}~|€ -');
  });

  it('keeps every GSM-7 text as it is and turns anything else into GSM-7, character by character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        const out = toGsm7(text);
        expect(isGsm7(out)).toBe(true);
        if (isGsm7(text.normalize('NFC'))) expect(out).toBe(text.normalize('NFC').replace(/ {2,}/g, ' '));
      }),
    );
  });

  it('writes only GSM-7 and never more than 2 segments per SMS, whatever the engine says', () => {
    const text = fc.string({
      unit: fc.constantFrom(...'abcdeáéíóúñü¿¡ÁÉÍÓÚÑ «»–—…“”€[]{}\n.,;:!?0123456789👋'.split(''), 'Línea 198', 'Emergencia '),
      maxLength: 1200,
    });
    const message: fc.Arbitrary<BotMessage> = fc.record(
      {
        text,
        choices: fc.array(fc.record({ value: fc.string({ minLength: 1, maxLength: 10 }), label: text.map((s) => s.slice(0, 40) || 'Opción') }), {
          maxLength: 8,
        }),
      },
      { requiredKeys: ['text'] },
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 4 }), (messages) => {
        for (const body of renderSms(messages)) {
          const segmented = new SegmentedMessage(body, 'auto');
          expect(segmented.getNonGsmCharacters()).toEqual([]);
          expect(segmented.encodingName).toBe('GSM-7');
          expect(segmented.segmentsCount).toBeLessThanOrEqual(2);
          expect(body.trim()).not.toBe('');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a long message whole, only split, in order', () => {
    const long = Array.from({ length: 30 }, (_, i) => `Paso ${i + 1}: lleve su DUI y la partida de nacimiento a la oficina más cercana.`).join(' ');
    const bodies = renderSms([{ text: long }]);
    expect(bodies.length).toBeGreaterThan(1);
    expect(bodies.join(' ').replace(/\s+/g, ' ')).toBe(toGsm7(long));
  });

  it('recognises keywords however they are typed, and only as the whole message', () => {
    expect(smsKeyword(' stop ')).toBe('optOut');
    expect(smsKeyword('Alto!')).toBe('optOut');
    expect(smsKeyword('menú')).toBe('menu');
    expect(smsKeyword('inicio')).toBe('optIn');
    expect(smsKeyword('no quiero que pare')).toBeUndefined();
  });
});

describe('Twilio status callbacks (POST /api/sms/twilio/status)', () => {
  const URL_STATUS = `${BASE}/api/sms/twilio/status`;
  async function status(api: ReturnType<typeof setup>['api'], params: Record<string, string>, token = AUTH_TOKEN) {
    const signature = twilio.getExpectedTwilioSignature(token, URL_STATUS, params);
    return api.request('http://localhost/api/sms/twilio/status', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
      body: new URLSearchParams(params).toString(),
    });
  }
  const row = async (sid: string) =>
    (await t.store.db.execute({ sql: 'SELECT status, error_code FROM sms_deliveries WHERE message_sid = ?', args: [sid] })).rows.map((r) => ({ ...r }))[0];

  it('records the furthest status Twilio reports, whatever order the callbacks come in, and keeps no number', async () => {
    const { api } = setup();
    const sid = 'SM' + 'a'.repeat(32);
    const base = { MessageSid: sid, AccountSid: 'AC' + '0'.repeat(32), From: '+50321000000', To: '+50370001111' };
    expect((await status(api, { ...base, MessageStatus: 'sent' })).status).toBe(204);
    expect((await status(api, { ...base, MessageStatus: 'delivered' })).status).toBe(204);
    expect((await status(api, { ...base, MessageStatus: 'sent' })).status).toBe(204); // late, older
    expect(await row(sid)).toEqual({ status: 'delivered', error_code: null });
    const stored = JSON.stringify((await t.store.db.execute('SELECT * FROM sms_deliveries')).rows);
    expect(stored).not.toContain('70001111');
  });

  it('keeps an undelivered message’s error code, and on 21610 (she answered STOP to Twilio) stops messages to that number', async () => {
    const { api, optOuts } = setup();
    const sid = 'SM' + 'b'.repeat(32);
    const response = await status(api, { MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '21610', To: '+50370002222', From: '+50321000000' });
    expect(response.status).toBe(204);
    expect(await row(sid)).toEqual({ status: 'undelivered', error_code: 21610 });
    expect(await optOuts.isOptedOut('sms', '+50370002222')).toBe(true);
  });

  it('refuses a bad signature with 403 and stores nothing; a callback without a known status is a 400', async () => {
    const { api } = setup();
    const sid = 'SM' + 'c'.repeat(32);
    expect((await status(api, { MessageSid: sid, MessageStatus: 'delivered' }, 'otro-token-que-no-es-el-de-la-cuenta')).status).toBe(403);
    expect(await row(sid)).toBeUndefined();
    expect((await status(api, { MessageSid: sid, MessageStatus: 'entregado' })).status).toBe(400);
    expect((await status(api, { MessageStatus: 'delivered' })).status).toBe(400);
  });
});
