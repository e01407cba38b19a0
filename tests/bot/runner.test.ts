import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotEvent, BotState, Step, StepOutput } from '../../bot/engine/types.ts';
import { step } from '../../bot/engine/engine.ts';
import { matchPlace } from '../../bot/place-match.ts';
import { safeHoursWindow } from '../../bot/safe-hours.ts';
import { APOLOGY, createBotRunner } from '../../bot/runner.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { isOptedOut, loadConversation, loadUnlessSeen, optIn, optOut, saveConversation } from '../../store/bot/conversations.ts';
import { pruneExpired } from '../../store/housekeeping.ts';
import { getPublicReport } from '../../store/reports/reports.ts';
import { listTerritory } from '../../store/territory/territory.ts';
import { FAST_CODE_WORD } from '../fixtures/reports.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

/**
 * A tiny engine of our own (the real one lands in bot/engine/engine.ts): a word at the start asks
 * for one effect, and the resumed result is turned into one message. `count` shows that state
 * survives between events.
 */
const fakeStep: Step = (state, event, context): StepOutput => {
  const count = Number(state?.data.count ?? 0) + 1;
  const next = (data: Record<string, unknown> = {}): BotState => ({ flow: 'fake', step: 'start', data: { ...state?.data, count, ...data } });
  if (event.type === 'resume') {
    const result = event.result;
    if (result.type === 'forget') return { messages: [{ text: 'Listo: borramos la conversación.' }], state: null };
    return { messages: [{ text: JSON.stringify(result) }], state: next() };
  }
  if (event.type !== 'message') return { messages: [{ text: `evento ${event.type}` }], state: next() };
  const [word, ...rest] = event.text.split(' ');
  const tail = rest.join(' ');
  switch (word) {
    case 'buscar':
      return { messages: [], state: next(), effect: { type: 'search', query: tail } };
    case 'queja':
      return { messages: [], state: next(), effect: { type: 'createReport', report: { kind: 'complaint', description: tail } } };
    case 'seguimiento':
      return {
        messages: [],
        state: next(),
        effect: {
          type: 'createReport',
          report: {
            kind: 'emergency',
            description: tail,
            followUp: { safeHours: '08:00-17:00', mayLeaveMessage: false },
            location: { department: 'San Salvador' },
          },
        },
      };
    case 'violencia':
      return {
        messages: [],
        state: next(),
        effect: { type: 'createReport', report: { kind: 'violence', description: tail, codeWord: 'girasol', followUp: {} } },
      };
    case 'lugarmalo':
      return {
        messages: [],
        state: next(),
        effect: { type: 'createReport', report: { kind: 'complaint', description: 'Una queja de prueba larga.', location: { department: 'Narnia' } } },
      };
    case 'caso': {
      const [code, codeWord] = rest;
      return { messages: [], state: next(), effect: { type: 'lookupCase', code, codeWord } };
    }
    case 'responder': {
      const [code, ...message] = rest;
      return { messages: [], state: next(), effect: { type: 'replyToCase', code, message: message.join(' ') } };
    }
    case 'lugar':
      return { messages: [], state: next(), effect: { type: 'matchPlace', text: tail } };
    case 'borrar':
      return { messages: [], state: next(), effect: { type: 'forget' } };
    case 'bucle':
      return { messages: [{ text: 'otra vez' }], state: next(), effect: { type: 'search', query: 'dui' } };
    case 'falla':
      throw new Error('the engine broke');
    case 'clave':
      return { messages: [{ text: 'Escriba su palabra clave.', expectsSecret: true }], state: next() };
    default:
      return { messages: [{ text: `${context.channel} ${count}`, choices: [{ value: 'menu', label: 'Menú' }] }], state: next({ said: event.text }) };
  }
};

// The bot's loop answers `bucle` forever: resume → another search.
const loopingStep: Step = (state, event, context) =>
  event.type === 'resume' ? { messages: [], state, effect: { type: 'search', query: 'dui' } } : fakeStep(state, event, context);

let t: TestStore;
const errors: string[] = [];
const runnerOf = (step: Step = fakeStep) =>
  createBotRunner({
    store: t.store,
    search: createEmbeddedSearch(t.store.db),
    step,
    passwordIterations: FAST_CODE_WORD,
    publicBaseUrl: 'https://tramites.example.sv',
    log: { error: (message) => errors.push(message) },
  });
const say = (text: string): BotEvent => ({ type: 'message', text });
const CHAT_ID = '987654321';
const PHONE = '+50370001234';

beforeAll(async () => {
  t = await createTestStore();
});
afterAll(() => t.cleanup());

async function reportCount(): Promise<number> {
  const rows = await t.store.db.execute('SELECT count(*) AS n FROM reports');
  return Number(rows.rows[0].n);
}

describe('the bot runner', () => {
  it('keeps the state between events of one identity, apart from another’s', async () => {
    const runner = runnerOf();
    expect((await runner.handle({ channel: 'telegram', identity: CHAT_ID, event: say('hola') })).messages[0].text).toBe('telegram 1');
    expect((await runner.handle({ channel: 'telegram', identity: CHAT_ID, event: say('hola') })).messages[0].text).toBe('telegram 2');
    expect((await runner.handle({ channel: 'sms', identity: CHAT_ID, event: say('hola') })).messages[0].text).toBe('sms 1');
  });

  it('answers a search with three procedures, their cost, two requirements, offices and an absolute link', async () => {
    const { messages } = await runnerOf().handle({ channel: 'sms', identity: PHONE, event: say('buscar pasaporte') });
    const result = JSON.parse(messages[0].text);
    expect(result.type).toBe('search');
    expect(result.hits.length).toBeGreaterThan(0);
    expect(result.hits.length).toBeLessThanOrEqual(3);
    const passport = result.hits.find((hit: { slug: string }) => hit.slug === 'prueba-pasaporte-renovacion');
    expect(passport.cost).toBe('$25 (Pago en banco autorizado)');
    expect(passport.url).toBe('https://tramites.example.sv/tramites/prueba-pasaporte-renovacion');
    expect(passport.requirements.length).toBeLessThanOrEqual(2);
    const dui = JSON.parse((await runnerOf().handle({ channel: 'sms', identity: PHONE, event: say('buscar dui') })).messages[0].text);
    expect(dui.hits.find((hit: { slug: string }) => hit.slug === 'prueba-emision-dui').cost).toBe('Gratuito');
  });

  it('files a report once for an update delivered twice', async () => {
    const runner = runnerOf();
    const before = await reportCount();
    const first = await runner.handle({
      channel: 'telegram',
      identity: CHAT_ID,
      event: say('queja Me cobraron por un formulario gratuito.'),
      dedupeKey: '5001',
    });
    const result = JSON.parse(first.messages[0].text);
    expect(result).toMatchObject({ type: 'createReport', ok: true, acknowledgeWithin: '5 días hábiles' });
    const again = await runner.handle({
      channel: 'telegram',
      identity: CHAT_ID,
      event: say('queja Me cobraron por un formulario gratuito.'),
      dedupeKey: '5001',
    });
    expect(again).toEqual({ messages: [], duplicate: true, forget: false });
    expect(await reportCount()).toBe(before + 1);
    const row = await t.store.db.execute({
      sql: 'SELECT channel, contact, contact_channel FROM reports WHERE code = ?',
      args: [result.code.replaceAll('-', '')],
    });
    expect(row.rows[0]).toMatchObject({ channel: 'telegram', contact: null, contact_channel: null });
    // The same key on another channel is another update.
    const sms = await runner.handle({ channel: 'sms', identity: PHONE, event: say('hola'), dedupeKey: '5001' });
    expect(sms.duplicate).toBe(false);
  });

  it('keeps the chat id as the case’s contact, encrypted, only when she asked for follow-up', async () => {
    const { messages } = await runnerOf().handle({
      channel: 'telegram',
      identity: CHAT_ID,
      event: say('seguimiento Un poste caído bloquea la calle principal.'),
    });
    const { code } = JSON.parse(messages[0].text);
    const row = await t.store.db.execute({
      sql: 'SELECT channel, contact, contact_channel, priority, department_code FROM reports WHERE code = ?',
      args: [code.replaceAll('-', '')],
    });
    expect(row.rows[0].contact_channel).toBe('telegram');
    expect(String(row.rows[0].contact)).toMatch(/^v1:/);
    expect(JSON.parse(await t.store.cipher.decrypt(String(row.rows[0].contact)))).toMatchObject({
      channel: 'telegram',
      value: CHAT_ID,
      safeHours: '08:00-17:00',
    });
    expect(row.rows[0].department_code).not.toBeNull();
  });

  it('files the web chat’s reports as channel «chat», with no contact (it cannot reach her)', async () => {
    const { messages } = await runnerOf().handle({ channel: 'web', identity: 'web-session-1', event: say('violencia Una descripción de lo que pasó ayer.') });
    const { code } = JSON.parse(messages[0].text);
    const row = await t.store.db.execute({ sql: 'SELECT channel, contact FROM reports WHERE code = ?', args: [code.replaceAll('-', '')] });
    expect(row.rows[0]).toMatchObject({ channel: 'chat', contact: null });
    // A violence case is found only with its code word.
    const without = JSON.parse((await runnerOf().handle({ channel: 'web', identity: 'web-session-1', event: say(`caso ${code}`) })).messages[0].text);
    expect(without).toEqual({ type: 'lookupCase', found: false });
    const withWord = JSON.parse((await runnerOf().handle({ channel: 'web', identity: 'web-session-1', event: say(`caso ${code} Girasol`) })).messages[0].text);
    expect(withWord).toMatchObject({ type: 'lookupCase', found: true, closed: false, lastUpdate: 'Recibimos su caso.' });
  });

  it('answers a problem with the report (an unknown place) instead of failing, and files nothing', async () => {
    const before = await reportCount();
    const { messages } = await runnerOf().handle({ channel: 'sms', identity: PHONE, event: say('lugarmalo') });
    expect(JSON.parse(messages[0].text)).toMatchObject({ type: 'createReport', ok: false, problem: expect.stringMatching(/departamento/) });
    expect(await reportCount()).toBe(before);
  });

  it('relays a reply to a case, and says why when the code is unknown', async () => {
    const filed = JSON.parse(
      (await runnerOf().handle({ channel: 'sms', identity: PHONE, event: say('queja El trámite tardó tres meses sin respuesta.') })).messages[0].text,
    );
    const ok = JSON.parse(
      (await runnerOf().handle({ channel: 'sms', identity: PHONE, event: say(`responder ${filed.code} Sigo esperando.`) })).messages[0].text,
    );
    expect(ok).toEqual({ type: 'replyToCase', ok: true });
    const view = await getPublicReport(t.store, filed.code);
    expect(view?.timeline.at(-1)).toMatchObject({ by: 'citizen', text: 'Sigo esperando.' });
    const unknown = JSON.parse((await runnerOf().handle({ channel: 'sms', identity: PHONE, event: say('responder ZZZZ-ZZZZ hola') })).messages[0].text);
    expect(unknown).toMatchObject({ type: 'replyToCase', ok: false, problem: expect.stringMatching(/No encontramos/) });
  });

  it('limits lookups that find nothing per person, as on the web: past 15, even a real code answers «not found»', async () => {
    const guesser = '+50370004242';
    const filed = JSON.parse(
      (await runnerOf().handle({ channel: 'sms', identity: PHONE, event: say('queja Nadie contestó en la oficina durante una semana.') })).messages[0].text,
    );
    const lookup = async (identity: string, code: string) =>
      JSON.parse((await runnerOf().handle({ channel: 'sms', identity, event: say(`caso ${code}`) })).messages[0].text) as { found: boolean };
    expect((await lookup(guesser, filed.code)).found).toBe(true);
    for (let i = 0; i < 15; i++) expect((await lookup(guesser, 'K7QM-2XDT-9RBH-4C')).found).toBe(false);
    expect((await lookup(guesser, filed.code)).found, 'limited').toBe(false);
    expect((await lookup(PHONE, filed.code)).found, 'another person is not limited').toBe(true);
    const reply = JSON.parse((await runnerOf().handle({ channel: 'sms', identity: guesser, event: say(`responder ${filed.code} hola`) })).messages[0].text);
    expect(reply).toMatchObject({ ok: false, problem: expect.stringMatching(/demasiados intentos/) });
  });

  it('takes one person’s events one at a time, so none is lost and a re-delivery racing the first has no second effect', async () => {
    const runner = runnerOf();
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => runner.handle({ channel: 'sms', identity: '+50370003333', event: say('hola') })));
    expect(answers.map((answer) => answer.messages[0].text).sort()).toEqual(['sms 1', 'sms 2', 'sms 3', 'sms 4', 'sms 5']);
    const filed = JSON.parse(
      (await runner.handle({ channel: 'sms', identity: '+50370003333', event: say('queja Nadie contestó en la oficina.') })).messages[0].text,
    );
    const reply = say(`responder ${filed.code} Una sola vez.`);
    const both = await Promise.all([1, 2].map(() => runner.handle({ channel: 'sms', identity: '+50370003333', event: reply, dedupeKey: 'SM-race' })));
    expect(both.map((answer) => answer.duplicate).sort()).toEqual([false, true]);
    const view = await getPublicReport(t.store, filed.code);
    expect(view?.timeline.filter((entry) => entry.text === 'Una sola vez.')).toHaveLength(1);
  });

  it('matches a place written with a typo', async () => {
    const { messages } = await runnerOf().handle({ channel: 'sms', identity: PHONE, event: say('lugar en soyapngo') });
    expect(JSON.parse(messages[0].text)).toEqual({
      type: 'matchPlace',
      department: 'San Salvador',
      municipality: 'San Salvador Este',
      district: 'Soyapango',
      confidence: 'fuzzy',
    });
  });

  it('starts afresh after 30 minutes without a message', async () => {
    const runner = runnerOf();
    await runner.handle({ channel: 'sms', identity: '+50370009999', event: say('hola') });
    t.clock.advance(29 * 60_000);
    expect((await runner.handle({ channel: 'sms', identity: '+50370009999', event: say('hola') })).messages[0].text).toBe('sms 2');
    t.clock.advance(31 * 60_000);
    expect(await loadConversation(t.store, 'sms', '+50370009999')).toBeNull();
    expect((await runner.handle({ channel: 'sms', identity: '+50370009999', event: say('hola') })).messages[0].text).toBe('sms 1');
  });

  it('forgets the conversation when she asks', async () => {
    const runner = runnerOf();
    await runner.handle({ channel: 'telegram', identity: '555000111', event: say('hola') });
    const answer = await runner.handle({ channel: 'telegram', identity: '555000111', event: say('borrar') });
    expect(answer).toEqual({ messages: [{ text: 'Listo: borramos la conversación.' }], duplicate: false, forget: true });
    expect(await loadConversation(t.store, 'telegram', '555000111')).toBeNull();
    const rows = await t.store.db.execute('SELECT count(*) AS n FROM bot_conversations');
    expect((await runner.handle({ channel: 'telegram', identity: '555000111', event: say('hola') })).messages[0].text).toBe('telegram 1');
    expect(Number(rows.rows[0].n)).toBeGreaterThan(0);
  });

  it('keeps the web chat’s last messages, a secret answer masked', async () => {
    const runner = runnerOf();
    await runner.handle({ channel: 'web', identity: 'web-session-2', event: say('clave') });
    await runner.handle({ channel: 'web', identity: 'web-session-2', event: say('girasol') });
    await runner.handle({ channel: 'web', identity: 'web-session-2', event: { type: 'choice', value: 'menu' } });
    const saved = (await loadConversation(t.store, 'web', 'web-session-2')) as { transcript: { from: string; text: string }[] };
    expect(saved.transcript.map((entry) => `${entry.from}: ${entry.text}`)).toEqual([
      'person: clave',
      'bot: Escriba su palabra clave.',
      'person: ••••',
      'bot: web 2',
      'person: Menú',
      'bot: evento choice',
    ]);
    for (let i = 0; i < 30; i++) await runner.handle({ channel: 'web', identity: 'web-session-2', event: say(`mensaje ${i}`) });
    const later = (await loadConversation(t.store, 'web', 'web-session-2')) as { transcript: unknown[] };
    expect(later.transcript).toHaveLength(20);
  });

  it('apologises, and keeps the state, when the engine fails or loops', async () => {
    const runner = runnerOf(loopingStep);
    await runner.handle({ channel: 'sms', identity: '+50370007777', event: say('hola') });
    expect(await runner.handle({ channel: 'sms', identity: '+50370007777', event: say('falla') })).toEqual({
      messages: [APOLOGY],
      duplicate: false,
      forget: false,
    });
    expect(await runner.handle({ channel: 'sms', identity: '+50370007777', event: say('bucle') })).toEqual({
      messages: [APOLOGY],
      duplicate: false,
      forget: false,
    });
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.join(' ')).not.toMatch(/bucle|falla/);
    expect((await runner.handle({ channel: 'sms', identity: '+50370007777', event: say('hola') })).messages[0].text).toBe('sms 2');
    expect(APOLOGY.text.split('\n')[0]).not.toMatch(/violencia|denuncia|911/i);
  });

  it('stores no chat id or phone number raw, and the state only encrypted', async () => {
    const tables = await t.store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
    const everything: string[] = [];
    for (const table of tables.rows) {
      const rows = await t.store.db.execute(`SELECT * FROM "${String(table.name)}"`);
      for (const row of rows.rows) everything.push(JSON.stringify(row));
    }
    const dump = everything.join('\n');
    expect(dump).not.toContain(CHAT_ID);
    expect(dump).not.toContain(PHONE);
    expect(dump).not.toContain('70001234');
    expect(dump).not.toContain('web-session-');
    const states = await t.store.db.execute('SELECT state FROM bot_conversations');
    expect(states.rows.length).toBeGreaterThan(0);
    for (const row of states.rows) expect(String(row.state)).toMatch(/^v1:[0-9a-f]+:[0-9a-f]+$/);
    expect(dump).not.toContain('Sigo esperando');
    // And in the file's bytes (free pages and the write-ahead log included).
    const file = t.url.slice('file:'.length);
    for (const path of [file, `${file}-wal`]) {
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path).toString('latin1');
      for (const raw of [CHAT_ID, PHONE, '70001234', 'web-session-']) expect(bytes.includes(raw), `${raw} in ${path}`).toBe(false);
    }
  });
});

describe('the runner with the real engine', () => {
  const talk = async (channel: 'sms' | 'telegram' | 'web', identity: string, lines: string[]) => {
    const runner = runnerOf(step);
    let last = '';
    for (const line of lines) last = (await runner.handle({ channel, identity, event: say(line) })).messages.map((m) => m.text).join('\n');
    return last;
  };

  it('files an emergency by SMS with the place matched and her hours as the contact’s window', async () => {
    const answer = await talk('sms', '+50370002222', [
      'hola',
      '1',
      'incendio',
      'san migel',
      'sí',
      'Se quema una casa frente al parque central',
      'sí',
      'de 8 a 12',
    ]);
    const code = /Código: (\S+)/.exec(answer)?.[1];
    expect(code, answer).toBeTruthy();
    const row = await t.store.db.execute({
      sql: 'SELECT kind, channel, contact, contact_channel, district_code FROM reports WHERE code = ?',
      args: [code!.replaceAll('-', '')],
    });
    expect(row.rows[0], answer).toMatchObject({ kind: 'emergency', channel: 'sms', contact_channel: 'sms' });
    expect(row.rows[0].district_code).not.toBeNull();
    expect(JSON.parse(await t.store.cipher.decrypt(String(row.rows[0].contact)))).toMatchObject({ value: '+50370002222', safeHours: '08:00-12:00' });
  });

  it('answers a search with the catalog’s procedures and their links', async () => {
    const answer = await talk('telegram', '222333444', ['hola', '3', 'pasaporte']);
    expect(answer).toContain('Renovación de prueba del pasaporte');
    expect(answer).toContain('https://tramites.example.sv/tramites/prueba-pasaporte-renovacion');
    expect(answer).toContain('$25');
  });

  it('reads her safe hours as she writes them', () => {
    expect(safeHoursWindow('de 8 a 12')).toBe('08:00-12:00');
    expect(safeHoursWindow('lunes a viernes de 9 a 5')).toBe('09:00-17:00');
    expect(safeHoursWindow('de 2 a 5 de la tarde')).toBe('14:00-17:00');
    expect(safeHoursWindow('8am-5pm')).toBe('08:00-17:00');
    expect(safeHoursWindow('en la mañana')).toBe('08:00-12:00');
    expect(safeHoursWindow('cualquier hora')).toBeUndefined();
    expect(safeHoursWindow('cuando él no esté')).toBeNull();
  });
});

describe('the bot’s store', () => {
  it('remembers an SMS opt-out until she opts in again', async () => {
    expect(await isOptedOut(t.store, 'sms', '+50370005555')).toBe(false);
    await optOut(t.store, 'sms', '+50370005555');
    await optOut(t.store, 'sms', '+50370005555');
    expect(await isOptedOut(t.store, 'sms', '+50370005555')).toBe(true);
    expect(await isOptedOut(t.store, 'telegram', '+50370005555')).toBe(false);
    await optIn(t.store, 'sms', '+50370005555');
    expect(await isOptedOut(t.store, 'sms', '+50370005555')).toBe(false);
  });

  it('reads in one query whether an update was handled, else her conversation, each on its own channel', async () => {
    expect(await loadUnlessSeen(t.store, 'telegram', '444000222', 'tg:77')).toEqual({ seen: false, conversation: null });
    expect(await saveConversation(t.store, 'telegram', '444000222', { state: { step: 'menu' } }, { dedupeKey: 'tg:77' })).toBe(true);
    expect(await loadUnlessSeen(t.store, 'telegram', '444000222', 'tg:77')).toEqual({ seen: true });
    // Another update of hers, the same key on another channel, no key at all: the conversation is read.
    expect(await loadUnlessSeen(t.store, 'telegram', '444000222', 'tg:78')).toEqual({ seen: false, conversation: { state: { step: 'menu' } } });
    expect(await loadUnlessSeen(t.store, 'sms', '444000222', 'tg:77')).toEqual({ seen: false, conversation: null });
    expect(await loadUnlessSeen(t.store, 'telegram', '444000222', undefined)).toEqual({ seen: false, conversation: { state: { step: 'menu' } } });
    t.clock.advance(31 * 60_000);
    expect(await loadUnlessSeen(t.store, 'telegram', '444000222', 'tg:79')).toEqual({ seen: false, conversation: null });
    expect(await loadUnlessSeen(t.store, 'telegram', '444000222', 'tg:77')).toEqual({ seen: true });
  });

  it('prunes ended conversations and updates handled over a week ago', async () => {
    const runner = runnerOf();
    await runner.handle({ channel: 'telegram', identity: '444000111', event: say('hola'), dedupeKey: '9001' });
    t.clock.advance(8 * 86_400_000);
    await pruneExpired(t.store);
    expect(Number((await t.store.db.execute('SELECT count(*) AS n FROM bot_conversations')).rows[0].n)).toBe(0);
    expect(Number((await t.store.db.execute('SELECT count(*) AS n FROM bot_updates')).rows[0].n)).toBe(0);
  });
});

describe('place matching', () => {
  it('finds districts, municipalities and departments, tolerating typos but not on short names', async () => {
    const territory = await listTerritory(t.store.db);
    expect(matchPlace(territory, 'Soyapango')).toMatchObject({ district: 'Soyapango', confidence: 'exact' });
    expect(matchPlace(territory, 'vivo en san migel')).toMatchObject({ department: 'San Miguel', district: 'San Miguel', confidence: 'fuzzy' });
    expect(matchPlace(territory, 'departamento de La Libertad')).toMatchObject({ department: 'La Libertad' });
    expect(matchPlace(territory, 'no sé')).toEqual({ confidence: 'none' });
    expect(matchPlace(territory, 'x'.repeat(4096))).toEqual({ confidence: 'none' });
  });
});
