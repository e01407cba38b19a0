import type { BotChoice, BotMessage, BotState, EffectResult, StepContext, StepOutput } from '../engine/types.ts';
import { understand } from '../text/understand.ts';
import { showMenu } from './menu.ts';
import { at, fit, perform, resultOf, say, textOf, type Flow, type InputEvent } from './shared.ts';

const FLOW = 'search';
const TOP = 3;

type Hit = Extract<EffectResult, { type: 'search' }>['hits'][number];
/** What the state keeps of a result: enough for «requisitos», «costo», «dónde» without a new search. */
interface Kept {
  title: string;
  cost: string | null;
  requirements: string[];
  url: string;
  offices: string[];
}

const DETAILS: BotChoice[] = [
  { value: 'search.detail.requirements', label: 'Requisitos' },
  { value: 'search.detail.cost', label: 'Costo' },
  { value: 'search.detail.where', label: 'Dónde' },
  { value: 'search.detail.again', label: 'Otra búsqueda' },
  { value: 'menu', label: 'Menú' },
];

function keep(hit: Hit): Kept {
  return {
    title: fit(hit.title, 100),
    cost: hit.cost ? fit(hit.cost, 60) : null,
    requirements: hit.requirements.slice(0, 8).map((item) => fit(item, 120)),
    url: fit(hit.url, 120),
    offices: hit.offices.slice(0, 4).map((item) => fit(item, 120)),
  };
}

function costText(cost: string | null): string {
  return cost ?? 'no indicado';
}

function resultMessage(n: number, hit: Kept): BotMessage {
  const requirements = hit.requirements.slice(0, 2).join('; ');
  const lines = [`${n}. ${hit.title}`, `Costo: ${costText(hit.cost)}`, requirements ? `Requisitos: ${fit(requirements, 110)}` : null, hit.url];
  return say(fit(lines.filter(Boolean).join('\n'), 300));
}

function isKept(value: unknown): value is Kept {
  const hit = value as Kept;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof hit.title === 'string' &&
    typeof hit.url === 'string' &&
    (hit.cost === null || typeof hit.cost === 'string') &&
    Array.isArray(hit.requirements) &&
    hit.requirements.every((item) => typeof item === 'string') &&
    Array.isArray(hit.offices) &&
    hit.offices.every((item) => typeof item === 'string')
  );
}

/** The results kept in the state; a state saved by another version may hold anything. */
function hitsOf(data: Record<string, unknown>): Kept[] {
  return Array.isArray(data.hits) ? data.hits.filter(isKept) : [];
}

function numberChoices(hits: Kept[]): BotChoice[] {
  return hits.map((hit, i) => ({ value: `search.pick.${i}`, label: `${i + 1}. ${fit(hit.title, 40)}` }));
}

const QUESTIONS: Record<string, (data: Record<string, unknown>) => BotMessage> = {
  query: () => say('¿Qué trámite busca? Escríbalo con sus palabras, por ejemplo: «sacar DUI» o «partida de nacimiento».'),
  results: (data) => say('Elija un resultado para ver requisitos, costo u oficinas, o escriba otra búsqueda.', numberChoices(hitsOf(data))),
  detail: (data) => say(`¿Qué quiere saber de «${fit(hitsOf(data)[Number(data.selected ?? 0)]?.title ?? 'este trámite', 80)}»?`, DETAILS),
  searching: () => say('Escriba de nuevo lo que busca.'),
};

function ask(step: string, data: Record<string, unknown>, before: BotMessage[] = []): StepOutput {
  return { messages: [...before, QUESTIONS[step](data)], state: at(FLOW, step, data) };
}

function detail(data: Record<string, unknown>, which: string): StepOutput {
  const hits = hitsOf(data);
  const hit = hits[Number(data.selected ?? 0)];
  if (!hit) return ask('query', { hits: [] });
  let text: string;
  if (which === 'search.detail.requirements') {
    text = hit.requirements.length ? `Requisitos:\n${hit.requirements.map((item) => `- ${item}`).join('\n')}` : `No tenemos los requisitos. Vea: ${hit.url}`;
  } else if (which === 'search.detail.cost') {
    text = `Costo: ${costText(hit.cost)}.`;
  } else {
    text = hit.offices.length ? `Dónde:\n${hit.offices.map((item) => `- ${item}`).join('\n')}` : `No tenemos oficinas anotadas. Vea: ${hit.url}`;
  }
  return ask('detail', data, [say(fit(`${hit.title}\n${text}`, 300))]);
}

/** «requisitos 2», «costo del 1»: a follow-up word and a result number in one message. */
function followUpIn(text: string, hits: Kept[]): { which: string; selected: number | null } | null {
  const which = understand(text, DETAILS.slice(0, 3));
  if (!which) return null;
  const number = /\b([1-9])\b/.exec(text);
  const selected = number ? Number(number[1]) - 1 : null;
  return selected === null || selected < hits.length ? { which, selected } : null;
}

/** A search straight from the menu: «cómo saco el pasaporte» needs no «3» first. */
export function searchFromMenu(query: string): StepOutput {
  return search({}, query.slice(0, 200));
}

function search(data: Record<string, unknown>, query: string): StepOutput {
  return perform(FLOW, 'searching', { ...data, query }, { type: 'search', query });
}

export const searchFlow: Flow = {
  name: FLOW,
  accountSteps: [],
  start: () => ask('query', {}),
  question: (state) => (QUESTIONS[state.step] ? [QUESTIONS[state.step](state.data)] : null),
  handle(state: BotState, event: InputEvent, _context: StepContext): StepOutput {
    const data = state.data;
    const hits = hitsOf(data);
    switch (state.step) {
      case 'query':
      case 'searching': {
        const result = resultOf(event, 'search');
        if (result) {
          const kept = result.hits.slice(0, TOP).map(keep);
          const query = fit(String(data.query ?? ''), 60);
          if (kept.length === 0) return ask('query', { hits: [] }, [say(`No encontré trámites para «${query}». Pruebe con otras palabras o escriba «menú».`)]);
          return ask('results', { query: data.query, hits: kept }, [say(`Encontré esto para «${query}»:`), ...kept.map((hit, i) => resultMessage(i + 1, hit))]);
        }
        const text = textOf(event, 200);
        return text ? search(data, text) : ask('query', data);
      }
      case 'results': {
        const choices = numberChoices(hits);
        if (event.type === 'choice') {
          const index = choices.findIndex((choice) => choice.value === event.value);
          return index >= 0 ? ask('detail', { ...data, selected: index }) : ask('results', data, [say('Elija uno de los resultados.')]);
        }
        const text = textOf(event, 200);
        if (!text) return ask('results', data);
        const picked = understand(text, choices);
        if (picked) return ask('detail', { ...data, selected: choices.findIndex((choice) => choice.value === picked) });
        const followUp = followUpIn(text, hits);
        if (followUp && (followUp.selected !== null || hits.length === 1)) return detail({ ...data, selected: followUp.selected ?? 0 }, followUp.which);
        if (followUp) return ask('results', data, [say('¿De cuál resultado? Escriba su número.')]);
        return search({}, text);
      }
      case 'detail': {
        const value =
          event.type === 'choice'
            ? DETAILS.some((d) => d.value === event.value)
              ? event.value
              : null
            : event.type === 'message'
              ? understand(event.text, DETAILS)
              : null;
        if (value === 'search.detail.again') return ask('query', {});
        if (value === 'menu') return showMenu();
        if (value) return detail(data, value);
        const text = textOf(event, 200);
        if (text) {
          const followUp = followUpIn(text, hits);
          if (followUp) return detail({ ...data, selected: followUp.selected ?? data.selected }, followUp.which);
          const number = /^\s*([1-9])\s*$/.exec(text);
          if (number && Number(number[1]) <= hits.length) return ask('detail', { ...data, selected: Number(number[1]) - 1 });
          return search({}, text);
        }
        return ask('detail', data);
      }
    }
    return ask('query', {});
  },
};
