import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import { randomToken, sha256Hex } from '../crypto.ts';
import type { Db, Store } from '../db.ts';
import { assertCanManagePeople, type Actor } from '../policy.ts';

/** Institution tokens: for an institution's own systems that keep its entries in step. */

/** Creates a token for an institution's systems (admins only); shown once, stored hashed. */
export async function createApiToken(store: Store, by: Actor, institutionSlug: string, name: string): Promise<{ id: number; token: string }> {
  assertCanManagePeople(by);
  const label = name.trim();
  if (label.length < 3 || label.length > 120) {
    throw new AppError('invalid_token_name', 'Escriba para qué sistema es el token (de 3 a 120 caracteres).', {
      fields: { name: 'Escriba para qué sistema es el token (de 3 a 120 caracteres).' },
    });
  }
  const institution = await store.db.execute({ sql: 'SELECT id FROM institutions WHERE slug = ?', args: [institutionSlug] });
  if (!institution.rows[0])
    throw new AppError('unknown_institution', `No existe la institución «${institutionSlug}».`, {
      status: 404,
      fields: { institution: 'Institución desconocida: elíjala de la lista.' },
    });
  const token = `tsv_${randomToken(32)}`;
  const id = await store.write(async (tx) => {
    const inserted = await tx.execute({
      sql: 'INSERT INTO api_tokens (institution_id, name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
      args: [Number(institution.rows[0].id), label, await sha256Hex(token), by.kind === 'person' ? by.id : null, store.clock.now().toISOString()],
    });
    const tokenId = Number(inserted.rows[0].id);
    await appendAudit(store, tx, by, { action: 'token.create', entity: 'api_token', entityId: String(tokenId), after: { institutionSlug, name: label } });
    return tokenId;
  });
  return { id, token };
}

/** The institution actor behind a bearer token, or null when unknown or revoked. */
export async function readApiToken(db: Db, token: string): Promise<Actor | null> {
  if (!/^tsv_[A-Za-z0-9_-]{20,80}$/.test(token)) return null;
  const rows = await db.execute({
    sql: 'SELECT id, institution_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL',
    args: [await sha256Hex(token)],
  });
  const row = rows.rows[0];
  return row ? { kind: 'token', id: Number(row.id), institutionId: Number(row.institution_id) } : null;
}

export async function listTokens(db: Db, actor: Actor): Promise<{ id: number; name: string; institution: string; createdAt: string; revoked: boolean }[]> {
  assertCanManagePeople(actor);
  const rows = await db.execute(
    'SELECT t.id, t.name, i.slug AS institution, t.created_at, t.revoked_at FROM api_tokens t JOIN institutions i ON i.id = t.institution_id ORDER BY t.id DESC',
  );
  return rows.rows.map((row) => ({
    id: Number(row.id),
    name: String(row.name),
    institution: String(row.institution),
    createdAt: String(row.created_at),
    revoked: row.revoked_at !== null,
  }));
}

/** Revokes an institution token at once (admins only). */
export async function revokeToken(store: Store, actor: Actor, tokenId: number): Promise<void> {
  assertCanManagePeople(actor);
  await store.write(async (tx) => {
    const updated = await tx.execute({
      sql: 'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id',
      args: [store.clock.now().toISOString(), tokenId],
    });
    if (updated.rows.length === 0) throw new AppError('not_found', 'No existe ese token o ya estaba revocado.', { status: 404 });
    await appendAudit(store, tx, actor, { action: 'token.revoke', entity: 'api_token', entityId: String(tokenId), after: { revoked: true } });
  });
}
