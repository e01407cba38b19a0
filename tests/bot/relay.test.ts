import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isGsm7, smsSegments } from '../../bot/channels/sms.ts';
import { deliverReportNotifications, notificationText, RELAY_FIRST_LINE, type DeliveryDeps } from '../../bot/delivery.ts';
import { step } from '../../bot/engine/engine.ts';
import type { BotChannel, BotEvent } from '../../bot/engine/types.ts';
import { createBotRunner } from '../../bot/runner.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { discardUndelivered } from '../../store/outbox/outbox.ts';
import { addReportEvent, getCase } from '../../store/reports/handling.ts';
import { REPORT_NOTIFICATION } from '../../store/reports/notifications.ts';
import { createStaff, fileReport, FAST_CODE_WORD, type Staff } from '../fixtures/reports.ts';
import { memoryOptOuts, startCaptureServer } from '../fixtures/bot-channels.ts';
import { createTestStore, TEST_NOW } from '../fixtures/store.ts';

const BASE = 'https://tramites.example.gob.sv';
const SID = 'AC' + 'e'.repeat(32);
const BOT_TOKEN = '123456789:AAHtestTOKENtestTOKENtestTOKEN12345';
const ctx = { channel: 'telegram' as const, now: TEST_NOW };

const t = await createTestStore('fixture');
const staff: Staff = await createStaff(t);
const capture = await startCaptureServer();
afterAll(async () => {
  await capture.close();
  t.cleanup();
});
const runner = createBotRunner({ store: t.store, search: createEmbeddedSearch(t.store.db), step, passwordIterations: FAST_CODE_WORD });

function deps(optOuts = memoryOptOuts()): DeliveryDeps {
  return {
    store: t.store,
    optOuts,
    log: { error: () => undefined },
    publicBaseUrl: BASE,
    telegram: { token: BOT_TOKEN, apiRoot: capture.url },
    twilio: { accountSid: SID, authToken: 'auth-token-of-the-test-account-00', from: '+50321000000', apiRoot: capture.url },
  };
}

const say = (text: string): BotEvent => ({ type: 'message', text });
const choose = (value: string): BotEvent => ({ type: 'choice', value });

/** Línea 198 → «Escribir con una persona», every answer given; returns the case code. */
async function intoRelay(channel: BotChannel, identity: string): Promise<string> {
  const walk: BotEvent[] = [
    say('hola'),
    choose('menu.line198'),
    choose('yes'),
    choose('no'),
    choose('line198.option.operator'),
    choose('yes'),
    choose('any'),
    choose('no'),
    say('girasol'),
    choose('skip'),
  ];
  let last: string[] = [];
  for (const event of walk) last = (await runner.handle({ channel, identity, event })).messages.map((m) => m.text);
  const code = /Su código es (\S+)\./.exec(last.join('\n'))?.[1];
  expect(code).toBeTruthy();
  return code!;
}

beforeEach(async () => {
  await discardUndelivered(t.store, REPORT_NOTIFICATION.kind);
  await t.store.batch([{ sql: 'DELETE FROM outbox WHERE kind = ?', args: [REPORT_NOTIFICATION.kind] }]);
  capture.calls.length = 0;
  t.clock.set(TEST_NOW); // 09:00 in El Salvador
});

describe('engine: the 198 relay', () => {
  it('files the case with a relay follow-up, then relays every message; «menú» leaves it', () => {
    let state = null as ReturnType<typeof step>['state'];
    for (const event of [
      choose('menu.line198'),
      choose('yes'),
      choose('no'),
      choose('line198.option.operator'),
      choose('yes'),
      choose('any'),
      choose('no'),
      say('girasol'),
    ])
      state = step(state, event, ctx).state;
    const filed = step(state, choose('skip'), ctx);
    expect(filed.effect).toMatchObject({ type: 'createReport', report: { kind: 'violence', followUp: { relay: true } } });
    const opened = step(filed.state, { type: 'resume', result: { type: 'createReport', ok: true, code: 'ABC-123', acknowledgeWithin: '1 hora' } }, ctx);
    expect(opened.state).toMatchObject({ flow: 'line198', step: 'relay', data: { code: 'ABC-123', codeWord: 'girasol' } });
    const sent = step(opened.state, say('Necesito ayuda con mis hijos'), ctx);
    expect(sent.effect).toEqual({ type: 'replyToCase', code: 'ABC-123', codeWord: 'girasol', message: 'Necesito ayuda con mis hijos' });
    const first = step(sent.state, { type: 'resume', result: { type: 'replyToCase', ok: true } }, ctx);
    expect(first.messages.map((m) => m.text)).toEqual(['Información\nEnviado. Una persona le responderá aquí.']);
    const second = step(step(first.state, say('otra cosa'), ctx).state, { type: 'resume', result: { type: 'replyToCase', ok: true } }, ctx);
    expect(second.messages.map((m) => m.text)).toEqual(['✓']);
    expect(second.state?.step).toBe('relay');
    // Danger words: 911 first, and the message still goes to her case.
    const danger = step(second.state, say('me quiere matar, auxilio'), ctx);
    expect(danger.messages[0].text).toMatch(/911/);
    expect(danger.effect).toMatchObject({ type: 'replyToCase', message: 'me quiere matar, auxilio' });
    const menu = step(second.state, say('menú'), ctx);
    expect(menu.state).toMatchObject({ flow: 'menu' });
    expect(menu.messages[0].text).toMatch(/^Información\n.*«Seguimiento»/);
    expect(step(second.state, say('borrar'), ctx).effect).toEqual({ type: 'forget' });
  });
});

describe('runner and delivery: talking with a 198 operator', () => {
  it('her messages reach the case timeline for the 198 queue; the reply reaches her Telegram with its text, once', async () => {
    const code = await intoRelay('telegram', '700100200');
    const before = (await getCase(t.store, staff.operator198, code)).updatedAt;
    t.clock.advance(60_000);
    const answer = await runner.handle({ channel: 'telegram', identity: '700100200', event: say('Estoy en casa de mi hermana') });
    expect(answer.messages.map((m) => m.text)).toEqual(['Información\nEnviado. Una persona le responderá aquí.']);
    const detail = await getCase(t.store, staff.operator198, code);
    expect(detail.events.some((e) => e.type === 'citizen_message' && e.message === 'Estoy en casa de mi hermana')).toBe(true);
    expect(detail.updatedAt).not.toBe(before);
    await expect(getCase(t.store, staff.operatorQuejas, code)).rejects.toThrow();
    await expect(getCase(t.store, staff.officerRnpn, code)).rejects.toThrow();

    await addReportEvent(t.store, staff.operator198, code, { type: 'public_reply', message: 'Gracias por escribir. ¿Está segura ahora?' });
    expect(await deliverReportNotifications(deps())).toMatchObject({ sent: 1 });
    await deliverReportNotifications(deps());
    const calls = capture.callsTo('sendMessage').filter((c) => c.json?.chat_id === 700100200);
    expect(calls).toHaveLength(1);
    expect(calls[0].json?.text).toBe(`${RELAY_FIRST_LINE}\nGracias por escribir. ¿Está segura ahora?`);
  });

  it('on SMS: GSM-7, at most two segments, a long reply cut with «…» and a pointer to /seguimiento', async () => {
    const code = await intoRelay('sms', '+50370001111');
    await addReportEvent(t.store, staff.operator198, code, { type: 'public_reply', message: 'Está bien. Podemos ayudarle. '.repeat(20).trim() });
    await deliverReportNotifications(deps());
    const [call] = capture.callsTo('Messages.json');
    expect(call.form?.To).toBe('+50370001111');
    const body = call.form!.Body;
    expect(body.split('\n')[0]).toBe(RELAY_FIRST_LINE);
    expect(body).toMatch(/Esta bien\. Podemos/);
    expect(body).toMatch(/…|\.\.\./);
    expect(body.endsWith(`${BASE}/seguimiento`)).toBe(true);
    expect(isGsm7(body)).toBe(true);
    expect(smsSegments(body)).toBeLessThanOrEqual(2);
  });

  it('nothing after opt-out, and only inside her safe hours', async () => {
    const code = await fileReport(t, 'violence', { channel: 'sms', contact: { channel: 'sms', value: '+50370002222', safeHours: '18:00-20:00', relay: true } });
    await addReportEvent(t.store, staff.operator198, code, { type: 'public_reply', message: 'Hola, le escribimos.' });
    await deliverReportNotifications(deps());
    expect(capture.calls).toEqual([]);
    t.clock.set('2026-11-21T00:30:00.000Z'); // 18:30 local
    await deliverReportNotifications(deps());
    expect(capture.callsTo('Messages.json')).toHaveLength(1);
    expect(capture.callsTo('Messages.json')[0].form?.Body).toBe(`${RELAY_FIRST_LINE}\nHola, le escribimos.`);

    capture.calls.length = 0;
    const optOuts = memoryOptOuts();
    await optOuts.optOut('sms', '+50370002222');
    await addReportEvent(t.store, staff.operator198, code, { type: 'public_reply', message: 'Segundo mensaje.' });
    await deliverReportNotifications(deps(optOuts));
    expect(capture.calls).toEqual([]);
  });

  it('a case where she did not ask to talk here still gets only the neutral notice', async () => {
    const code = await fileReport(t, 'violence', { channel: 'telegram', contact: { channel: 'telegram', value: '700300400' } });
    await addReportEvent(t.store, staff.operator198, code, { type: 'public_reply', message: 'Texto que no debe salir.' });
    await deliverReportNotifications(deps());
    const [call] = capture.callsTo('sendMessage');
    expect(call.json?.text).toBe(notificationText(BASE));
  });
});
