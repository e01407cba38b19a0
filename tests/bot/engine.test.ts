import { describe, expect, it } from 'vitest';
import { step } from '../../bot/engine/engine.ts';
import type { BotEffect, BotEvent, BotMessage, BotState, EffectResult, StepContext } from '../../bot/engine/types.ts';
import { generateTrackingCode, formatTrackingCode } from '../../store/reports/tracking-code.ts';

const CODE = formatTrackingCode(generateTrackingCode(() => new Uint8Array(32).fill(7)));
const context: StepContext = { channel: 'telegram', now: '2026-12-01T12:00:00Z' };

type Fakes = { [K in BotEffect['type']]: (effect: Extract<BotEffect, { type: K }>) => EffectResult };

const hit = (n: number) => ({
  slug: `tramite-${n}`,
  title: `Trámite ${n}`,
  summary: 'Resumen',
  cost: n === 1 ? '$10.00' : null,
  requirements: [`Requisito ${n}a`, `Requisito ${n}b`, `Requisito ${n}c`],
  url: `https://tramites.gob.sv/tramites/tramite-${n}`,
  offices: [`Oficina ${n}, San Salvador`],
});

function fakes(overrides: Partial<Fakes> = {}): Fakes {
  return {
    search: () => ({ type: 'search', hits: [hit(1), hit(2), hit(3), hit(4)] }),
    createReport: () => ({ type: 'createReport', ok: true, code: CODE, acknowledgeWithin: '24 horas' }),
    lookupCase: () => ({
      type: 'lookupCase',
      found: true,
      status: 'En revisión',
      updatedAt: '2026-11-30T10:00:00Z',
      lastUpdate: 'Asignado a la institución.',
      closed: false,
    }),
    replyToCase: () => ({ type: 'replyToCase', ok: true }),
    matchPlace: () => ({ type: 'matchPlace', department: 'San Miguel', municipality: 'San Miguel Centro', district: 'San Miguel', confidence: 'exact' }),
    forget: () => ({ type: 'forget', ok: true }),
    ...overrides,
  } as Fakes;
}

/** One turn as the runner plays it: the event, then every effect answered by a fake, until none is left. */
function turn(state: BotState | null, event: BotEvent, f: Fakes = fakes(), ctx = context) {
  const messages: BotMessage[] = [];
  const effects: BotEffect[] = [];
  let output = step(state, event, ctx);
  messages.push(...output.messages);
  for (let i = 0; output.effect && i < 5; i++) {
    effects.push(output.effect);
    const result = (f[output.effect.type] as (effect: BotEffect) => EffectResult)(output.effect);
    output = step(output.state, { type: 'resume', result }, ctx);
    messages.push(...output.messages);
  }
  return { messages, state: output.state, effects, text: messages.map((m) => m.text).join('\n---\n') };
}

/** A scripted conversation: strings are typed, `{choice}` objects are buttons. */
function conversation(f: Fakes = fakes(), ctx = context) {
  let state: BotState | null = null;
  const effects: BotEffect[] = [];
  let last = turn(null, { type: 'message', text: 'hola' }, f, ctx);
  state = last.state;
  return {
    send(input: string | BotEvent) {
      const event: BotEvent = typeof input === 'string' ? { type: 'message', text: input } : input;
      last = turn(state, event, f, ctx);
      state = last.state;
      effects.push(...last.effects);
      return last;
    },
    get state() {
      return state;
    },
    effects,
  };
}
const choice = (value: string): BotEvent => ({ type: 'choice', value });

describe('the start menu', () => {
  it('greets with the six options and 911', () => {
    const { messages, state } = turn(null, { type: 'message', text: 'hola' });
    expect(messages[0].choices?.map((c) => c.label)).toEqual([
      'Emergencia',
      'Línea 198',
      'Buscar un trámite',
      'Seguimiento de mi caso',
      'Presentar una queja o denuncia',
      'Ayuda',
    ]);
    expect(messages[0].text).toContain('911');
    expect(state).toEqual({ flow: 'menu', step: 'choose', data: {} });
  });
  it('understands numbers, words and typos', () => {
    for (const text of ['1', 'uno', 'emergencia', 'emerjencia', 'Emergensia']) {
      expect(turn({ flow: 'menu', step: 'choose', data: {} }, { type: 'message', text }).state?.flow).toBe('emergency');
    }
    expect(turn(null, { type: 'message', text: 'denuncia' }).state?.flow).toBe('complaint');
  });
});

describe('free text at the menu', () => {
  it('searches procedures for what she wrote, and greets a greeting with the menu', () => {
    const searched = turn({ flow: 'menu', step: 'choose', data: {} }, { type: 'message', text: 'cómo saco el pasaporte' });
    expect(searched.effects).toEqual([{ type: 'search', query: 'cómo saco el pasaporte' }]);
    expect(searched.state).toMatchObject({ flow: 'search', step: 'results' });
    expect(turn(null, { type: 'message', text: 'necesito la partida de nacimiento' }).effects).toEqual([
      { type: 'search', query: 'necesito la partida de nacimiento' },
    ]);
    expect(turn(null, { type: 'message', text: 'buscar un tramite' }).state).toMatchObject({ flow: 'search', step: 'query' });
    for (const text of ['hola', 'Hola, buenas tardes', 'buenos días']) {
      const greeted = turn(null, { type: 'message', text });
      expect(greeted.effects).toEqual([]);
      expect(greeted.state).toEqual({ flow: 'menu', step: 'choose', data: {} });
    }
  });
});

describe('emergencia', () => {
  it('walks from 911 to a report with a code and the response time', () => {
    const c = conversation();
    const first = c.send('1');
    expect(first.messages[0].text.split('\n')[0]).toBe('Si hay una vida en riesgo ahora, llame al 911.');
    c.send('incendio');
    expect(c.state).toMatchObject({ flow: 'emergency', step: 'location' });
    expect(c.send('ayuda').messages.at(-1)?.requestLocation).toBe(true);
    const located = c.send('san miguel');
    expect(located.effects[0]).toEqual({ type: 'matchPlace', text: 'san miguel' });
    expect(located.text).toContain('San Miguel Centro');
    c.send('Se quema una casa frente al parque');
    c.send('sí');
    const done = c.send('de 8 a 12');
    const report = done.effects[0];
    expect(report).toMatchObject({
      type: 'createReport',
      report: {
        kind: 'emergency',
        description: 'Incendio: Se quema una casa frente al parque',
        location: { department: 'San Miguel', municipality: 'San Miguel Centro', district: 'San Miguel', address: 'san miguel' },
        followUp: { safeHours: 'de 8 a 12' },
      },
    });
    expect(done.text).toContain(CODE);
    expect(done.text).toContain('24 horas');
    expect(c.state).toBeNull();
  });
  it('takes a shared location, confirms a fuzzy place and keeps the text after two misses', () => {
    const c = conversation(
      fakes({
        matchPlace: (e) =>
          e.text === 'sansalvador'
            ? { type: 'matchPlace', department: 'San Salvador', municipality: 'San Salvador Centro', confidence: 'fuzzy' }
            : { type: 'matchPlace', confidence: 'none' },
      }),
    );
    c.send(choice('menu.emergency'));
    c.send(choice('emergency.kind.accident'));
    expect(c.send({ type: 'location', lat: 999, lng: 0 }).text).toContain('No pude leer esa ubicación');
    const fuzzy = c.send('sansalvador');
    expect(fuzzy.text).toContain('¿Es en San Salvador Centro, San Salvador?');
    c.send('no');
    expect(c.state?.step).toBe('location');
    c.send('por la ceiba');
    c.send('por la ceiba grande');
    expect(c.state?.step).toBe('description');
    c.send('choque de dos carros');
    const done = c.send('no');
    expect(done.effects[0]).toMatchObject({ report: { location: { address: 'por la ceiba grande' } } });
    expect((done.effects[0] as Extract<BotEffect, { type: 'createReport' }>).report.followUp).toBeUndefined();
    const c2 = conversation();
    c2.send('1');
    c2.send('2');
    c2.send({ type: 'location', lat: 13.7, lng: -89.2 });
    c2.send('humo');
    expect(c2.send('no').effects[0]).toMatchObject({ report: { location: { lat: 13.7, lng: -89.2 } } });
  });
  it('offers to try again when the report could not be filed, and files it once on retry', () => {
    let calls = 0;
    const c = conversation(
      fakes({
        createReport: () =>
          calls++ === 0
            ? { type: 'createReport', ok: false, problem: 'el servicio no responde' }
            : { type: 'createReport', ok: true, code: CODE, acknowledgeWithin: '24 horas' },
      }),
    );
    c.send('1');
    c.send('1');
    c.send('omitir');
    c.send('algo pasa');
    const failed = c.send('no');
    expect(failed.text).toContain('el servicio no responde');
    expect(c.state?.step).toBe('failed');
    expect(c.send('intentar de nuevo').text).toContain(CODE);
  });
});

describe('línea 198', () => {
  it('asks whether it is safe first, offers the safer options when the phone is shared, and files a call-back request with a code word', () => {
    const c = conversation();
    const first = c.send('2');
    expect(first.messages[0].text).toMatch(/^Gracias por escribir\.\n¿Es seguro escribir ahora\?/);
    const shared = c.send('si');
    expect(shared.text).toContain('¿Alguien más puede leer este teléfono?');
    const safer = c.send('sí');
    expect(safer.messages[0].text).toContain('llamar al 198');
    expect(safer.messages[0].text).toContain('«borrar»');
    expect(safer.messages[0].text).toMatch(/gratis.*24 horas.*confidencial.*saldo/);
    expect(c.state).toMatchObject({ flow: 'line198', step: 'options' });
    c.send('que me contacten');
    c.send('de lunes a viernes de 9 a 11');
    expect(c.send('no').messages.at(-1)?.expectsSecret).toBe(true);
    c.send('girasol');
    const done = c.send('omitir');
    expect(done.effects[0]).toEqual({
      type: 'createReport',
      report: {
        kind: 'violence',
        description: 'Pide que la contacten.',
        followUp: { safeHours: 'de lunes a viernes de 9 a 11', mayLeaveMessage: false },
        codeWord: 'girasol',
      },
    });
    expect(done.text).toContain(CODE);
    expect(done.text).toContain('palabra clave');
  });
  it('when it is not safe to write, says how to call 198 and to erase, and waits without pushing', () => {
    const c = conversation();
    c.send(choice('menu.line198'));
    const paused = c.send('no');
    expect(paused.text).toContain('198');
    expect(paused.text).toContain('«borrar»');
    expect(c.state?.step).toBe('paused');
    c.send('ya puedo escribir');
    expect(c.state?.step).toBe('shared');
  });
  it('explains protection measures and psychological support, and says how talking with an operator works', () => {
    const c = conversation();
    c.send('2');
    c.send('sí');
    c.send('no');
    expect(c.send('medidas de protección').text).toContain('juzgado');
    expect(c.send('apoyo psicologico').text).toContain('gratis');
    expect(c.send(choice('line198.option.call')).text).toContain('Marque 198');
    expect(c.send('escribir con una persona').text).toContain('le responde por aquí');
    c.send('si');
    c.send('cualquier hora');
    c.send('si');
    c.send('luna');
    const done = c.send('No puedo salir de la casa');
    expect(done.effects[0]).toMatchObject({
      report: {
        kind: 'violence',
        description: 'Pide escribir con una operadora. No puedo salir de la casa',
        codeWord: 'luna',
        followUp: { mayLeaveMessage: true, relay: true },
      },
    });
    expect(done.text).toContain('una operadora lo lee y le responde por aquí');
  });
});

describe('buscar un trámite', () => {
  it('shows the top 3 with cost, two requirements and the link, then requisitos, costo and dónde', () => {
    const c = conversation();
    c.send('3');
    const found = c.send('sacar dui');
    expect(found.effects[0]).toEqual({ type: 'search', query: 'sacar dui' });
    expect(found.messages.filter((m) => /^\d\. Trámite/.test(m.text))).toHaveLength(3);
    expect(found.text).toContain('Costo: $10.00');
    expect(found.text).toContain('Requisitos: Requisito 1a; Requisito 1b');
    expect(found.text).not.toContain('Requisito 1c');
    expect(found.text).toContain('https://tramites.gob.sv/tramites/tramite-1');
    expect(found.text).not.toContain('Trámite 4');
    expect(c.send('requisitos 2').text).toContain('- Requisito 2c');
    expect(c.send('costo').text).toContain('no indicado');
    expect(c.send('donde').text).toContain('Oficina 2, San Salvador');
    c.send('otra búsqueda');
    expect(c.state?.step).toBe('query');
    c.send('pasaporte');
    c.send('1');
    expect(c.state).toMatchObject({ step: 'detail', data: { selected: 0 } });
    expect(c.send('costo').text).toContain('$10.00');
  });
  it('says so when nothing is found', () => {
    const c = conversation(fakes({ search: () => ({ type: 'search', hits: [] }) }));
    c.send('3');
    expect(c.send('zzzz').text).toContain('No encontré trámites para «zzzz»');
    expect(c.state?.step).toBe('query');
  });
  it('answers «mi esposo me golpea» with the 198 and 911 first, not a search', () => {
    const c = conversation();
    c.send('3');
    const out = c.send('mi esposo me golpea');
    expect(out.effects).toEqual([]);
    expect(out.messages[0].text.split('\n')[0]).toBe('Información');
    expect(out.messages[0].text).toContain('198');
    expect(out.messages[0].text).toContain('911');
  });
});

describe('violence mentioned in another flow', () => {
  it('points to the 198 first and still keeps her answer', () => {
    const c = conversation();
    c.send('1');
    c.send('otra cosa');
    c.send('omitir');
    const out = c.send('mi esposo me pega y no me deja salir');
    expect(out.messages[0].text).toMatch(/^Información\nSi vive violencia, la línea 198/);
    expect(c.state).toMatchObject({ flow: 'emergency', step: 'contact', data: { description: 'mi esposo me pega y no me deja salir' } });
  });
});

describe('seguimiento', () => {
  it('normalises the code, shows status and last update, and sends a reply', () => {
    const c = conversation();
    c.send('4');
    expect(c.send('ABCD').text).toContain('no parece correcto');
    const found = c.send(CODE.toLowerCase().replace(/-/g, ' '));
    expect(found.effects[0]).toEqual({ type: 'lookupCase', code: CODE });
    expect(found.text).toContain('Estado de su caso: En revisión');
    expect(found.text).toContain('30/11/2026');
    expect(found.text).toContain('Asignado a la institución.');
    c.send('responder');
    const replied = c.send('Ya llevé los papeles');
    expect(replied.effects[0]).toEqual({ type: 'replyToCase', code: CODE, message: 'Ya llevé los papeles' });
    expect(replied.text).toContain('Enviamos su mensaje');
  });
  it('asks for the code word without saying whether the case exists', () => {
    const c = conversation(
      fakes({
        lookupCase: (e) =>
          e.codeWord === 'girasol'
            ? { type: 'lookupCase', found: true, status: 'Abierto', updatedAt: '2026-12-01', lastUpdate: null, closed: true }
            : { type: 'lookupCase', found: false },
      }),
    );
    c.send('seguimiento');
    const asked = c.send(CODE);
    expect(asked.text).toContain('Si eligió una palabra clave');
    expect(asked.messages.at(-1)?.expectsSecret).toBe(true);
    const wrong = c.send('margarita');
    expect(wrong.text).toContain('No encontramos un caso con ese código y esa palabra clave');
    c.send(CODE);
    const right = c.send('girasol');
    expect(right.effects[0]).toEqual({ type: 'lookupCase', code: CODE, codeWord: 'girasol' });
    expect(right.text).toContain('todavía no hay novedades');
    expect(right.messages.at(-1)?.choices?.map((x) => x.value)).toEqual(['menu']);
  });
});

describe('queja o denuncia', () => {
  it('files a corruption report with the institution in the description', () => {
    const c = conversation();
    c.send('5');
    c.send('corrupción');
    c.send('Me pidieron $20 para darme cita');
    c.send('Alcaldía de Santa Tecla');
    const done = c.send('si');
    expect(done.effects[0]).toEqual({
      type: 'createReport',
      report: { kind: 'corruption', description: 'Me pidieron $20 para darme cita\nInstitución o trámite: Alcaldía de Santa Tecla', followUp: {} },
    });
    expect(done.text).toContain(CODE);
  });
  it('files a missing requirement without institution or contact', () => {
    const c = conversation();
    c.send(choice('menu.complaint'));
    c.send('3');
    c.send('Piden una foto que no está en la lista');
    c.send('omitir');
    expect(c.send('no').effects[0]).toEqual({
      type: 'createReport',
      report: { kind: 'missing_requirement', description: 'Piden una foto que no está en la lista' },
    });
  });
});

describe('ayuda and the words that work anywhere', () => {
  it('explains the bot, «menú», «borrar», 911 and 198', () => {
    const { text } = turn(null, { type: 'message', text: '6' });
    for (const word of ['«menú»', '«borrar»', '911', '198']) expect(text).toContain(word);
  });
  it('«salir» asks the runner to forget, then says what was deleted and how to delete the rest on each channel', () => {
    for (const channel of ['telegram', 'sms', 'web'] as const) {
      const ctx = { ...context, channel };
      const out = turn({ flow: 'line198', step: 'codeWord', data: { hours: 'x' } }, { type: 'message', text: 'salir' }, fakes(), ctx);
      expect(out.effects).toEqual([{ type: 'forget' }]);
      expect(out.state).toBeNull();
      expect(out.text).toMatch(/^Listo\. Borramos lo que guardamos/);
    }
    expect(turn(null, { type: 'message', text: 'borrar' }, fakes(), { ...context, channel: 'sms' }).text).toContain('borre esta conversación');
  });
});

describe('bad input', () => {
  it('answers a sticker with «solo puedo leer texto» and the same question', () => {
    const c = conversation();
    c.send('1');
    const out = c.send({ type: 'unsupported', what: 'sticker' });
    expect(out.messages[0].text).toMatch(/^Por ahora solo puedo leer texto/);
    expect(out.messages[1].text).toContain('¿Qué pasa?');
    expect(c.state).toMatchObject({ flow: 'emergency', step: 'kind' });
  });
  it('answers an unknown button, a stray resume and a state from an older version with the menu', () => {
    const menu = (out: ReturnType<typeof turn>) => expect(out.messages.at(-1)?.choices?.[0].value).toBe('menu.emergency');
    menu(turn({ flow: 'emergency', step: 'kind', data: {} }, choice('no-such-button')));
    menu(turn(null, choice('no-such-button')));
    menu(turn({ flow: 'complaint', step: 'what', data: {} }, { type: 'resume', result: { type: 'forget', ok: true } }));
    menu(turn({ flow: 'search', step: 'searching', data: { pending: 'search' } }, { type: 'resume', result: { type: 'lookupCase', found: false } }));
    menu(turn(null, { type: 'resume', result: { type: 'search', hits: [] } }));
    menu(turn({ flow: 'old-flow', step: 'x', data: {} }, { type: 'message', text: 'hola' }));
    menu(turn({ flow: 'emergency', step: 'gone', data: {} }, { type: 'message', text: 'hola' }));
    menu(turn({ flow: 'emergency' } as unknown as BotState, { type: 'message', text: 'hola' }));
  });
  it('keeps a 4,096-character description to 2,000 characters', () => {
    const c = conversation();
    c.send('5');
    c.send('1');
    c.send('x'.repeat(4096));
    c.send('omitir');
    const report = c.send('no').effects[0] as Extract<BotEffect, { type: 'createReport' }>;
    expect(report.report.description).toHaveLength(2000);
  });
});

describe('safe hours she writes', () => {
  it('are asked again when they cannot be read, in both flows that keep a contact, and accepted when they can', () => {
    for (const state of [
      { flow: 'line198', step: 'hours', data: { operator: false } },
      { flow: 'emergency', step: 'hours', data: { contact: 'yes', kind: 'x', description: 'y' } },
    ] as BotState[]) {
      const unreadable = turn(state, { type: 'message', text: 'cuando él no esté' });
      expect(unreadable.text).toMatch(/No entendí esas horas/);
      expect(unreadable.state).toMatchObject({ flow: state.flow, step: 'hours' });
      expect(unreadable.effects).toEqual([]);
      const readable = turn(state, { type: 'message', text: 'de 2 a 5 de la tarde' });
      expect(readable.text).not.toMatch(/No entendí/);
      expect(readable.state?.step === 'hours' && readable.effects.length === 0).toBe(false);
    }
  });
});
