import type { APIRoute } from 'astro';
import { isAppError } from '../../../store/app-error.ts';
import { today } from '../../../store/clock.ts';
import { catalogAndFeedbackFigures } from '../../../store/transparency/figures.ts';
import { parseTransparencyQuery } from '../../../store/transparency/filter.ts';
import { CASE_TABLES, monthCaseTables, publishedTables, tableCsv } from '../../../store/transparency/tables.ts';

// /transparencia/{tabla}.csv: each published table of /transparencia, with the same filters and the
// same disclosure control. Bad filters answer 400 in the API's error shape.
export const GET: APIRoute = async ({ params, url, locals }) => {
  const { store } = locals;
  const error = (status: number, code: string, message: string, fields?: Record<string, string>) =>
    new Response(JSON.stringify({ error: { code, message, ...(fields ? { fields } : {}) } }), {
      status,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
  let query;
  try {
    query = await parseTransparencyQuery(store.db, url.searchParams, today(store.clock));
  } catch (caught) {
    if (!isAppError(caught)) throw caught;
    return error(400, caught.code, caught.message, caught.fields as Record<string, string> | undefined);
  }
  const name = String(params.tabla);
  // Cases: one finished month (`mes`), whatever else the query says (store/transparency/tables.ts).
  const isCaseTable = (CASE_TABLES as readonly string[]).includes(name);
  let table;
  let period = `${query.filter.from}_${query.filter.to}`;
  if (isCaseTable) {
    const departments = new Map((await store.db.execute('SELECT code, name FROM departments')).rows.map((row) => [String(row.code), String(row.name)]));
    table = (await monthCaseTables(store.db, { month: query.month, months: query.months, today: query.filter.today }, departments)).tables.find(
      (entry) => entry.name === name,
    );
    period = query.month;
  } else {
    table = publishedTables(await catalogAndFeedbackFigures(store.db, query.filter)).find((entry) => entry.name === name);
  }
  if (!table) return error(404, 'not_found', 'Esa tabla no existe. Las tablas están enlazadas en /transparencia y en /datos.');
  return new Response(tableCsv(table), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${table.name}_${period}.csv"`,
      'Cache-Control': 'public, max-age=300',
    },
  });
};
