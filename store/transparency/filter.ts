import { AppError } from '../app-error.ts';
import type { Reader } from '../db.ts';
import type { FigureFilter } from './figures.ts';

/** The earliest day figures may ask about (the portal's first records) and the longest period. */
const EARLIEST = '2020-01-01';
const LONGEST_DAYS = 5 * 366;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface TransparencyQuery {
  filter: FigureFilter;
  /** The finished calendar month whose cases are published (`mes`, default last month): `YYYY-MM`. */
  month: string;
  /** The twelve months ending with `month`, oldest first (the cases' monthly series). */
  months: string[];
  /** The filters as given back to links and forms (empty when not set). */
  params: { desde: string; hasta: string; institucion: string; tema: string; mes: string };
  institution: { slug: string; name: string } | null;
  category: { slug: string; name: string } | null;
}

const validDay = (value: string) => {
  const ms = DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value; // 2026-02-30 is not a day
};

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const monthOf = (year: number, month: number) => new Date(Date.UTC(year, month - 1, 1)).toISOString().slice(0, 7);

/** The last finished calendar month before `today`'s. */
export function lastFinishedMonth(today: string): string {
  const [year, month] = today.split('-').map(Number);
  return monthOf(year, month - 1);
}

/** The twelve months ending with `month`. */
export function twelveMonthsTo(month: string): string[] {
  const [year, m] = month.split('-').map(Number);
  return Array.from({ length: 12 }, (_, i) => monthOf(year, m - 11 + i));
}

/** The default period: the last twelve months, this month included. */
export function defaultPeriod(today: string): { from: string; to: string } {
  const [year, month] = today.split('-').map(Number);
  return { from: new Date(Date.UTC(year, month - 12, 1)).toISOString().slice(0, 10), to: today };
}

/**
 * Reads /transparencia's query (`desde`, `hasta`, `institucion`, `tema`) into a figure filter.
 * Bad input answers 400 naming the field and how to fix it: a day that is not YYYY-MM-DD or does
 * not exist, a period reversed, longer than five years or outside 2020…today, an institution or
 * theme that is not in the catalog.
 *
 * @example await parseTransparencyQuery(store.db, new URLSearchParams('desde=2026-01-01&hasta=2026-06-30'), '2026-12-01')
 */
export async function parseTransparencyQuery(db: Reader, query: URLSearchParams, today: string): Promise<TransparencyQuery> {
  const fields: Record<string, string> = {};
  const given = (name: string) => (query.get(name) ?? '').trim();
  const defaults = defaultPeriod(today);
  const desde = given('desde');
  const hasta = given('hasta');
  if (desde && !validDay(desde)) fields.desde = 'Escriba la fecha «desde» como AAAA-MM-DD, por ejemplo 2026-01-01.';
  if (hasta && !validDay(hasta)) fields.hasta = 'Escriba la fecha «hasta» como AAAA-MM-DD, por ejemplo 2026-06-30.';
  const from = desde && !fields.desde ? desde : defaults.from;
  const to = hasta && !fields.hasta ? hasta : defaults.to;
  if (!fields.desde && !fields.hasta) {
    if (from > to) fields.desde = 'La fecha «desde» es posterior a «hasta»: póngalas en orden.';
    else if (from < EARLIEST) fields.desde = `Elija una fecha «desde» a partir de ${EARLIEST}.`;
    else if (to > today) fields.hasta = `Elija una fecha «hasta» que no pase de hoy (${today}).`;
    else if ((Date.parse(to) - Date.parse(from)) / 86_400_000 > LONGEST_DAYS) fields.hasta = 'Elija un periodo de cinco años como máximo.';
  }
  const lookup = async (table: 'institutions' | 'categories', slug: string) =>
    slug ? (await db.execute({ sql: `SELECT id, slug, name FROM ${table} WHERE slug = ?`, args: [slug] })).rows[0] : undefined;
  const mes = given('mes');
  const lastMonth = lastFinishedMonth(today);
  if (mes && !MONTH.test(mes)) fields.mes = 'Escriba el mes como AAAA-MM, por ejemplo 2026-10.';
  else if (mes && mes < EARLIEST.slice(0, 7)) fields.mes = `Elija un mes a partir de ${EARLIEST.slice(0, 7)}.`;
  else if (mes && mes > lastMonth) fields.mes = `Los reportes se publican por mes terminado: elija ${lastMonth} o uno anterior.`;
  const month = mes && !fields.mes ? mes : lastMonth;
  const institucion = given('institucion');
  const tema = given('tema');
  const institution = await lookup('institutions', institucion);
  const category = await lookup('categories', tema);
  if (institucion && !institution) fields.institucion = 'No conocemos esa institución: elíjala de la lista o deje el campo vacío.';
  if (tema && !category) fields.tema = 'No conocemos ese tema: elíjalo de la lista o deje el campo vacío.';
  if (Object.keys(fields).length > 0) {
    throw new AppError('invalid_filter', Object.values(fields)[0], { status: 400, fields });
  }
  return {
    filter: {
      from,
      to,
      today,
      ...(institution ? { institutionId: Number(institution.id) } : {}),
      ...(category ? { categoryId: Number(category.id) } : {}),
    },
    month,
    months: twelveMonthsTo(month),
    params: { desde, hasta, institucion, tema, mes },
    institution: institution ? { slug: String(institution.slug), name: String(institution.name) } : null,
    category: category ? { slug: String(category.slug), name: String(category.name) } : null,
  };
}
