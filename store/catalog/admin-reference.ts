import { AppError } from '../app-error.ts';
import { appendAudit, type Actor } from '../audit/audit.ts';
import type { Db, Store } from '../db.ts';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function requireAdmin(actor: Actor): void {
  if (actor.kind !== 'person' || actor.role !== 'admin') throw new AppError('forbidden', 'Solo la administración gestiona instituciones, temas, cuentas y tokens.', { status: 403 });
}

export interface InstitutionInput {
  slug: string;
  name: string;
  acronym?: string;
  website?: string;
}

/** Creates or renames an institution (admins only), with an audit record. */
export async function saveInstitution(store: Store, actor: Actor, input: InstitutionInput): Promise<void> {
  requireAdmin(actor);
  const errors: Record<string, string> = {};
  if (!SLUG.test(input.slug)) errors.slug = 'Use solo minúsculas sin tildes, números y guiones (por ejemplo «mined»).';
  if (input.name.trim().length < 3 || input.name.length > 200) errors.name = 'Escriba el nombre completo (de 3 a 200 caracteres).';
  if (input.website && !/^https?:\/\/[^\s]+$/.test(input.website)) errors.website = 'Escriba la dirección completa, empezando por https://.';
  if (Object.keys(errors).length > 0) throw new AppError('invalid_institution', 'Revise los datos de la institución.', { fields: errors });
  await store.write(async (tx) => {
    const before = (await tx.execute({ sql: 'SELECT slug, name, acronym, website FROM institutions WHERE slug = ?', args: [input.slug] })).rows[0];
    await tx.execute({
      sql: `INSERT INTO institutions (slug, name, acronym, website) VALUES (?, ?, ?, ?)
            ON CONFLICT (slug) DO UPDATE SET name = excluded.name, acronym = excluded.acronym, website = excluded.website`,
      args: [input.slug, input.name.trim(), input.acronym?.trim() || null, input.website?.trim() || null],
    });
    await appendAudit(tx, actor, { action: before ? 'institution.update' : 'institution.create', entity: 'institution', entityId: input.slug, before: before ? { ...before } : undefined, after: input });
  });
}

export interface CategoryInput {
  slug: string;
  name: string;
  description?: string;
}

/** Creates or edits a theme (admins only), with an audit record. */
export async function saveCategory(store: Store, actor: Actor, input: CategoryInput): Promise<void> {
  requireAdmin(actor);
  const errors: Record<string, string> = {};
  if (!SLUG.test(input.slug)) errors.slug = 'Use solo minúsculas sin tildes, números y guiones (por ejemplo «cultura»).';
  if (input.name.trim().length < 3 || input.name.length > 120) errors.name = 'Escriba el nombre del tema (de 3 a 120 caracteres).';
  if ((input.description ?? '').length > 500) errors.description = 'Acorte la descripción a 500 caracteres.';
  if (Object.keys(errors).length > 0) throw new AppError('invalid_category', 'Revise los datos del tema.', { fields: errors });
  await store.write(async (tx) => {
    const before = (await tx.execute({ sql: 'SELECT slug, name, description FROM categories WHERE slug = ?', args: [input.slug] })).rows[0];
    await tx.execute({
      sql: `INSERT INTO categories (slug, name, description) VALUES (?, ?, ?)
            ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description`,
      args: [input.slug, input.name.trim(), input.description?.trim() || null],
    });
    await appendAudit(tx, actor, { action: before ? 'category.update' : 'category.create', entity: 'category', entityId: input.slug, before: before ? { ...before } : undefined, after: input });
  });
}

export interface PersonRow {
  id: number;
  email: string;
  role: string;
  institution: string | null;
  queue: string | null;
  disabled: boolean;
}

export async function listPeople(db: Db, actor: Actor): Promise<PersonRow[]> {
  requireAdmin(actor);
  const rows = await db.execute('SELECT p.id, p.email, p.role, i.slug AS institution, p.queue, p.disabled_at FROM people p LEFT JOIN institutions i ON i.id = p.institution_id ORDER BY p.disabled_at IS NOT NULL, p.email');
  return rows.rows.map((row) => ({
    id: Number(row.id),
    email: String(row.email),
    role: String(row.role),
    institution: row.institution === null ? null : String(row.institution),
    queue: row.queue === null ? null : String(row.queue),
    disabled: row.disabled_at !== null,
  }));
}

export async function listTokens(db: Db, actor: Actor): Promise<{ id: number; name: string; institution: string; createdAt: string; revoked: boolean }[]> {
  requireAdmin(actor);
  const rows = await db.execute('SELECT t.id, t.name, i.slug AS institution, t.created_at, t.revoked_at FROM api_tokens t JOIN institutions i ON i.id = t.institution_id ORDER BY t.id DESC');
  return rows.rows.map((row) => ({ id: Number(row.id), name: String(row.name), institution: String(row.institution), createdAt: String(row.created_at), revoked: row.revoked_at !== null }));
}

/** Revokes an institution token at once (admins only). */
export async function revokeToken(store: Store, actor: Actor, tokenId: number): Promise<void> {
  requireAdmin(actor);
  await store.write(async (tx) => {
    const updated = await tx.execute({ sql: "UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND revoked_at IS NULL RETURNING id", args: [tokenId] });
    if (updated.rows.length === 0) throw new AppError('not_found', 'No existe ese token o ya estaba revocado.', { status: 404 });
    await appendAudit(tx, actor, { action: 'token.revoke', entity: 'api_token', entityId: String(tokenId), after: { revoked: true } });
  });
}
