import { es, type MessageKey } from './es.ts';

/**
 * The Spanish text of `key`, with `{name}` placeholders filled in.
 *
 * @example t('count.procedures', { count: 12 }) // '12 trámites'
 */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return es[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** «1 trámite» / «12 trámites». */
export function countProcedures(count: number): string {
  return count === 1 ? t('count.procedure') : t('count.procedures', { count: count.toLocaleString('es-SV') });
}

/** «15 de septiembre de 2026» from 2026-09-15. */
export function formatDate(isoDate: string): string {
  const date = new Date(`${isoDate.slice(0, 10)}T12:00:00Z`);
  return new Intl.DateTimeFormat('es-SV', { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

/** «Gratuito» for 0, «$10.39», or «Monto no confirmado» when the amount is not known (never «Gratuito»). */
export function formatCost(amount: number | undefined | null): string {
  if (amount === undefined || amount === null) return t('procedure.costUnknown');
  if (amount === 0) return t('procedure.free');
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: amount % 1 === 0 ? 0 : 2, maximumFractionDigits: 2 })}`;
}

/** The cost as one line: the amount (or that it is not known) and its note, «$10.39 (en efectivo)». */
export function costLine(cost: { amount?: number; note?: string } | undefined): string {
  const amount = formatCost(cost?.amount);
  return cost?.note ? `${amount} (${cost.note})` : amount;
}
