import { safeHoursWindow } from '../safe-hours.ts';
import type { BotChoice, BotEffect, BotMessage, BotState, StepContext, StepOutput } from '../engine/types.ts';
import { showMenu } from './menu.ts';
import {
  ANY_HOUR,
  HOURS_NOT_UNDERSTOOD,
  YES_NO,
  at,
  fit,
  perform,
  picked,
  resultOf,
  say,
  str,
  textOf,
  type Flow,
  type InputEvent,
  RETRY,
  retryOrMenu,
} from './shared.ts';

const FLOW = 'emergency';

const KINDS: BotChoice[] = [
  { value: 'emergency.kind.accident', label: 'Accidente' },
  { value: 'emergency.kind.fire', label: 'Incendio' },
  { value: 'emergency.kind.health', label: 'Persona herida o enferma' },
  { value: 'emergency.kind.crime', label: 'Robo o delito' },
  { value: 'emergency.kind.disaster', label: 'Derrumbe o inundación' },
  { value: 'emergency.kind.other', label: 'Otra cosa' },
];
const SKIP: BotChoice = { value: 'skip', label: 'No sé / omitir' };

export const FIRST_LINE = 'Si hay una vida en riesgo ahora, llame al 911.';

interface Location {
  department?: string;
  municipality?: string;
  district?: string;
  lat?: number;
  lng?: number;
  address?: string;
}

function placeName(place: Location): string {
  return [place.district, place.municipality, place.department].filter((part, i, all) => part && all.indexOf(part) === i).join(', ');
}

const QUESTIONS: Record<string, (data: Record<string, unknown>) => BotMessage> = {
  kind: () => say('¿Qué pasa? Elija una opción.', KINDS),
  location: () =>
    say('¿Dónde es? Comparta su ubicación o escriba el departamento y el municipio o distrito (por ejemplo: San Miguel, San Miguel Centro).', [SKIP], {
      requestLocation: true,
    }),
  confirmPlace: (data) => say(`¿Es en ${fit(placeName((data.candidate ?? {}) as Location), 120)}?`, YES_NO),
  description: () => say('Cuéntenos en pocas palabras qué pasa y cualquier referencia del lugar.'),
  contact: () => say('¿Es seguro que le escribamos por aquí para darle seguimiento?', YES_NO),
  hours: () => say('¿A qué horas es seguro escribirle? Por ejemplo: «de 8 a 12».', [ANY_HOUR]),
  failed: () => say('¿Intentamos registrar su reporte de nuevo?', RETRY),
  sending: () => say('¿Intentamos registrar su reporte de nuevo?', RETRY),
};

function ask(step: string, data: Record<string, unknown>, before: BotMessage[] = []): StepOutput {
  return { messages: [...before, QUESTIONS[step](data)], state: at(FLOW, step, data) };
}

function report(data: Record<string, unknown>): BotEffect {
  const kind = KINDS.find((choice) => choice.value === data.kind)?.label ?? 'Emergencia';
  const location = data.location as Location | undefined;
  return {
    type: 'createReport',
    report: {
      kind: 'emergency',
      description: `${kind}: ${str(data, 'description') ?? ''}`.trim(),
      ...(location ? { location } : {}),
      ...(data.contact === 'yes' ? { followUp: { safeHours: str(data, 'hours') ?? 'cualquier hora' } } : {}),
    },
  };
}

function validLocation(lat: number, lng: number): boolean {
  return Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180;
}

export const emergency: Flow = {
  name: FLOW,
  accountSteps: ['description'],
  start: () => ask('kind', {}, [say(`${FIRST_LINE}\nLa llamada es gratis. Si no es una emergencia de vida, le ayudo a reportarla aquí.`)]),
  question: (state) => (QUESTIONS[state.step] ? [QUESTIONS[state.step](state.data)] : null),
  handle(state: BotState, event: InputEvent, _context: StepContext): StepOutput {
    const data = state.data;
    const again = (before: string) => ask(state.step, data, [say(before)]);
    switch (state.step) {
      case 'kind': {
        const value = picked(event, KINDS);
        return value ? ask('location', { ...data, kind: value }) : again('No entendí. Elija el número de una opción.');
      }
      case 'location': {
        if (event.type === 'location') {
          if (!validLocation(event.lat, event.lng)) return again('No pude leer esa ubicación.');
          return ask('description', { ...data, location: { lat: event.lat, lng: event.lng } }, [say('Gracias, recibimos su ubicación.')]);
        }
        if (picked(event, [SKIP]) === 'skip' && (event.type === 'choice' || (event.type === 'message' && event.text.trim().length < 12))) {
          return ask('description', data);
        }
        const match = resultOf(event, 'matchPlace');
        if (match) {
          const place: Location = { department: match.department, municipality: match.municipality, district: match.district };
          if (match.confidence === 'exact')
            return ask('description', { ...data, location: { ...place, address: str(data, 'placeText') } }, [say(`Anotado: ${placeName(place)}.`)]);
          if (match.confidence === 'fuzzy') return ask('confirmPlace', { ...data, candidate: place });
          const tries = Number(data.placeTries ?? 0) + 1;
          // After two misses keep what she wrote as the address: the report must not be lost over a name.
          if (tries >= 2) return ask('description', { ...data, location: { address: str(data, 'placeText') } }, [say('Anotamos el lugar como lo escribió.')]);
          return ask('location', { ...data, placeTries: tries }, [say('No encontré ese lugar.')]);
        }
        const text = textOf(event, 200);
        if (text) return perform(FLOW, 'location', { ...data, placeText: text }, { type: 'matchPlace', text });
        return again('No entendí.');
      }
      case 'confirmPlace': {
        const value = picked(event, YES_NO);
        const candidate = data.candidate as Location;
        const { candidate: _dropped, ...rest } = data;
        if (value === 'yes') return ask('description', { ...rest, location: { ...candidate, address: str(data, 'placeText') } });
        if (value === 'no') return ask('location', rest, [say('Entendido.')]);
        return again('Responda «sí» o «no».');
      }
      case 'description': {
        const text = textOf(event);
        return text ? ask('contact', { ...data, description: text }) : again('Escriba en pocas palabras qué pasa.');
      }
      case 'contact': {
        const value = picked(event, YES_NO);
        if (value === 'yes') return ask('hours', { ...data, contact: 'yes' });
        if (value === 'no') {
          const next = { ...data, contact: 'no' };
          return perform(FLOW, 'sending', next, report(next));
        }
        return again('Responda «sí» o «no».');
      }
      case 'hours': {
        const hours = picked(event, [ANY_HOUR]) === 'any' ? 'cualquier hora' : textOf(event, 120);
        if (!hours) return again('Escriba las horas o elija una opción.');
        if (safeHoursWindow(hours) === null) return again(HOURS_NOT_UNDERSTOOD);
        const next = { ...data, hours };
        return perform(FLOW, 'sending', next, report(next));
      }
      case 'sending': {
        const result = resultOf(event, 'createReport');
        if (!result) return ask('failed', data, [say('Su reporte aún no se registró.')]);
        if (!result.ok) return ask('failed', data, [say(fit(`No pudimos registrar su reporte: ${result.problem}`, 240))]);
        return {
          messages: [
            say(`Su reporte quedó registrado.\nCódigo: ${result.code}\nGuárdelo para ver el estado en «Seguimiento de mi caso».`),
            say(fit(`Plazo de respuesta: ${result.acknowledgeWithin}. ${FIRST_LINE}`, 300)),
          ],
          state: null,
        };
      }
      case 'failed': {
        return retryOrMenu(event, { retry: () => perform(FLOW, 'sending', data, report(data)), menu: showMenu, again });
      }
    }
    return again('No entendí.');
  },
};
