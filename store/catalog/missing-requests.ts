import type { Store } from '../db.ts';
import { assertCanReadMissingRequests, type Actor } from '../policy.ts';

/**
 * «¿No encuentra el trámite?»: what people looked for and did not find, for the catalog team.
 * Both texts are free text a citizen wrote, so both are stored encrypted (DATA_KEY); equal
 * searches are grouped by a keyed fingerprint of the folded query, never by the text itself.
 */

/** Lower case, no accents, single spaces: «Partida  de Nacimiénto» and «partida de nacimiento» group together. */
function foldQuery(query: string): string {
  return query.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

export async function missingQueryKey(store: Pick<Store, 'keys'>, query: string): Promise<string> {
  return store.keys.fingerprint(`missing-query\n${foldQuery(query)}`);
}

/** Records what was looked for and not found (texts already validated and cleaned by the caller). */
export async function recordMissingProcedure(store: Store, request: { query: string; details?: string }): Promise<void> {
  await store.batch([
    {
      sql: 'INSERT INTO missing_procedure_requests (query, query_key, details, created_at) VALUES (?, ?, ?, ?)',
      args: [
        await store.cipher.encrypt(request.query),
        await missingQueryKey(store, request.query),
        request.details ? await store.cipher.encrypt(request.details) : null,
        store.clock.now().toISOString(),
      ],
    },
  ]);
}

export interface MissingRequestGroup {
  query: string;
  count: number;
  lastAt: string;
  details: string[];
}

/** What people looked for and did not find, most asked first (admins only: texts may be personal). */
export async function listMissingProcedures(store: Pick<Store, 'db' | 'cipher'>, actor: Actor, limit = 50): Promise<MissingRequestGroup[]> {
  assertCanReadMissingRequests(actor);
  const groups = await store.db.execute({
    sql: `SELECT query_key, count(*) AS n, max(created_at) AS last_at FROM missing_procedure_requests
           GROUP BY query_key ORDER BY n DESC, last_at DESC LIMIT ?`,
    args: [limit],
  });
  return Promise.all(
    groups.rows.map(async (group) => {
      const samples = await store.db.execute({
        sql: 'SELECT query, details FROM missing_procedure_requests WHERE query_key = ? ORDER BY id DESC LIMIT 5',
        args: [String(group.query_key)],
      });
      const open = (stored: unknown) =>
        stored === null || stored === undefined ? Promise.resolve(null) : store.cipher.decrypt(String(stored)).catch(() => '[cifrado con otra clave]');
      const query = (await open(samples.rows[0]?.query)) ?? '';
      const details = (await Promise.all(samples.rows.map((row) => open(row.details)))).filter((text): text is string => Boolean(text));
      return { query: foldQuery(query), count: Number(group.n), lastAt: String(group.last_at), details };
    }),
  );
}
