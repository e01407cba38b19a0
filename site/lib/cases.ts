import { es, type MessageKey } from '../i18n/es.ts';
import { t } from '../i18n/t.ts';
import type { SlaClock } from '../../store/reports/sla.ts';

/**
 * How the case pages say things: the SLA clock as words («vence en 3 min», «vencido hace 2 h»),
 * dates in El Salvador's time, and the names of priorities, queues, channels and events.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** «menos de 1 min», «12 min», «5 h», «3 días»: rounded down, so a clock never promises more time than there is. */
export function durationText(ms: number): string {
  const span = Math.abs(ms);
  if (span < MINUTE) return t('cases.time.lessMinute');
  if (span < HOUR) return t('cases.time.minutes', { n: Math.floor(span / MINUTE) });
  if (span < 2 * DAY) return t('cases.time.hours', { n: Math.floor(span / HOUR) });
  const days = Math.floor(span / DAY);
  return days === 1 ? t('cases.time.day') : t('cases.time.days', { n: days });
}

export interface SlaText {
  /** «Acuse», «Resolución» or «Cerrado». */
  stage: string;
  /** «vence en 3 min» / «vencido hace 2 h»; empty when the case is closed. */
  text: string;
  overdue: boolean;
  dueAt: string | null;
}

/**
 * The running deadline of a case in words.
 *
 * @example slaText({ stage: 'acknowledge', remainingMs: 180_000, overdue: false, … }) // { stage: 'Acuse', text: 'vence en 3 min', … }
 */
export function slaText(sla: SlaClock): SlaText {
  if (sla.stage === 'done' || sla.remainingMs === null) return { stage: t('cases.sla.done'), text: '', overdue: false, dueAt: null };
  const stage = sla.stage === 'acknowledge' ? t('cases.sla.acknowledge') : t('cases.sla.resolve');
  const time = durationText(sla.remainingMs);
  return { stage, text: sla.overdue ? t('cases.sla.overdue', { time }) : t('cases.sla.due', { time }), overdue: sla.overdue, dueAt: sla.dueAt };
}

const dateTime = new Intl.DateTimeFormat('es-SV', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/El_Salvador' });

/** «20 nov 2026, 9:00» in El Salvador's time. */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** The text of a key built from a vocabulary word (`cases.priority.urgent`), or the word itself. */
function named(prefix: string, word: string): string {
  const key = `${prefix}.${word}`;
  return key in es ? t(key as MessageKey) : word;
}

export const priorityName = (priority: string) => named('cases.priority', priority);
export const queueName = (queue: string) => named('cases.queue', queue);
export const channelName = (channel: string) => named('cases.channel', channel);
export const eventName = (type: string) => named('cases.event', type);

/** Who did something on the timeline, without naming staff by email to anyone reading over a shoulder. */
export function actorText(actor: string): string {
  const [kind, rest = ''] = actor.split(':', 2);
  if (kind === 'person') return t('cases.actor.person', { id: rest });
  if (kind === 'citizen') return t('cases.actor.citizen', { channel: rest });
  if (kind === 'token') return t('cases.actor.token');
  return t('cases.actor.system');
}
