import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import type { Store } from '../db.ts';
import { assertCanManageStructure, type Actor } from '../policy.ts';

export interface CategoryData {
  slug: string;
  name: string;
  description?: string;
}

export interface InstitutionData {
  slug: string;
  name: string;
  acronym?: string | null;
  website?: string | null;
}

/**
 * Inserts the themes (in the given order) and the institutions that the store lacks. Rows that
 * exist are left alone: admins may have edited them since. Idempotent.
 */
export async function upsertReferenceData(store: Store, categories: CategoryData[], institutions: InstitutionData[]): Promise<void> {
  await store.batch([
    ...categories.map((category, position) => ({
      sql: `INSERT INTO categories (slug, name, description, position) VALUES (?, ?, ?, ?)
            ON CONFLICT (slug) DO NOTHING`,
      args: [category.slug, category.name, category.description ?? null, position],
    })),
    ...institutions.map((institution) => ({
      sql: `INSERT INTO institutions (slug, name, acronym, website) VALUES (?, ?, ?, ?)
            ON CONFLICT (slug) DO NOTHING`,
      args: [institution.slug, institution.name, institution.acronym ?? null, institution.website ?? null],
    })),
  ]);
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

export interface InstitutionInput {
  slug: string;
  name: string;
  acronym?: string;
  website?: string;
}

/** Creates or renames an institution (admins only), with an audit record. */
export async function saveInstitution(store: Store, actor: Actor, input: InstitutionInput): Promise<void> {
  assertCanManageStructure(actor, 'institution');
  const errors: Record<string, string> = {};
  if (!SLUG.test(input.slug) || input.slug.length > 120) errors.slug = 'Use solo minúsculas sin tildes, números y guiones (por ejemplo «mined»).';
  if (input.name.trim().length < 3 || input.name.length > 200 || CONTROL.test(input.name)) errors.name = 'Escriba el nombre completo (de 3 a 200 caracteres).';
  if ((input.acronym ?? '').length > 30 || CONTROL.test(input.acronym ?? '')) errors.acronym = 'Acorte las siglas a 30 caracteres.';
  if (input.website && (!/^https?:\/\/[^\s]+$/.test(input.website) || input.website.length > 300))
    errors.website = 'Escriba la dirección completa, empezando por https://.';
  if (Object.keys(errors).length > 0) throw new AppError('invalid_institution', 'Revise los datos de la institución.', { fields: errors });
  await store.write(async (tx) => {
    const before = (await tx.execute({ sql: 'SELECT slug, name, acronym, website FROM institutions WHERE slug = ?', args: [input.slug] })).rows[0];
    await tx.execute({
      sql: `INSERT INTO institutions (slug, name, acronym, website, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (slug) DO UPDATE SET name = excluded.name, acronym = excluded.acronym, website = excluded.website`,
      args: [input.slug, input.name.trim(), input.acronym?.trim() || null, input.website?.trim() || null, store.clock.now().toISOString()],
    });
    await appendAudit(store, tx, actor, {
      action: before ? 'institution.update' : 'institution.create',
      entity: 'institution',
      entityId: input.slug,
      before: before ? { ...before } : undefined,
      after: input,
    });
  });
}

export interface CategoryInput {
  slug: string;
  name: string;
  description?: string;
}

/** Creates or edits a theme (admins only), with an audit record. */
export async function saveCategory(store: Store, actor: Actor, input: CategoryInput): Promise<void> {
  assertCanManageStructure(actor, 'category');
  const errors: Record<string, string> = {};
  if (!SLUG.test(input.slug) || input.slug.length > 120) errors.slug = 'Use solo minúsculas sin tildes, números y guiones (por ejemplo «cultura»).';
  if (input.name.trim().length < 3 || input.name.length > 120 || CONTROL.test(input.name)) errors.name = 'Escriba el nombre del tema (de 3 a 120 caracteres).';
  if ((input.description ?? '').length > 500) errors.description = 'Acorte la descripción a 500 caracteres.';
  if (Object.keys(errors).length > 0) throw new AppError('invalid_category', 'Revise los datos del tema.', { fields: errors });
  await store.write(async (tx) => {
    const before = (await tx.execute({ sql: 'SELECT slug, name, description FROM categories WHERE slug = ?', args: [input.slug] })).rows[0];
    await tx.execute({
      sql: `INSERT INTO categories (slug, name, description) VALUES (?, ?, ?)
            ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description`,
      args: [input.slug, input.name.trim(), input.description?.trim() || null],
    });
    await appendAudit(store, tx, actor, {
      action: before ? 'category.update' : 'category.create',
      entity: 'category',
      entityId: input.slug,
      before: before ? { ...before } : undefined,
      after: input,
    });
  });
}
