import type { APIRoute } from 'astro';
import { isAppError } from '../../../store/app-error.ts';
import { today } from '../../../store/clock.ts';
import { transparencyFigures } from '../../../store/transparency/figures.ts';
import { parseTransparencyQuery } from '../../../store/transparency/filter.ts';
import { publishedTables, tableCsv } from '../../../store/transparency/tables.ts';

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
  const departments = new Map((await store.db.execute('SELECT code, name FROM departments')).rows.map((row) => [String(row.code), String(row.name)]));
  const table = publishedTables(await transparencyFigures(store.db, query.filter), departments).find((entry) => entry.name === params.tabla);
  if (!table) return error(404, 'not_found', 'Esa tabla no existe. Las tablas están enlazadas en /transparencia y en /datos.');
  return new Response(tableCsv(table), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${table.name}_${query.filter.from}_${query.filter.to}.csv"`,
      'Cache-Control': 'public, max-age=300',
    },
  });
};
