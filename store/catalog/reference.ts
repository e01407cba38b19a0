import '../validation-locale.ts';
import { z } from 'zod';
import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import type { Db, Store } from '../db.ts';
import { assertCanEditInstitution, assertCanManageStructure, type Actor } from '../policy.ts';

export interface CategoryData {
  slug: string;
  name: string;
  description?: string;
}

const CONTROL_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const profileText = (label: string, max: number) =>
  z
    .string({ error: `Escriba ${label} como texto.` })
    .trim()
    .min(1, { error: `Escriba ${label} o quite el campo.` })
    .max(max, { error: `Acorte ${label} a ${max} caracteres como máximo.` })
    .refine((value) => !CONTROL_TEXT.test(value), { error: `Quite los caracteres de control de ${label}.` });
const profileUrl = (label: string) =>
  profileText(label, 300).refine((value) => /^https?:\/\/[^\s]+$/.test(value), { error: `Escriba ${label} completa, empezando por https://.` });
const profilePhone = profileText('el teléfono', 60).refine((value) => /^[0-9+() \-/,.extEXTy]*$/.test(value), {
  error: 'Escriba el teléfono solo con números, espacios, guiones o «+» (por ejemplo 2521-9300).',
});
const profileEmail = profileText('el correo', 200).refine((value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value), {
  error: 'Escriba un correo válido (por ejemplo oir@institucion.gob.sv).',
});

/**
 * What people need to reach an institution, every field optional (only what a person confirmed):
 * what it does, where and when it attends, and its information office (Oficial de Información,
 * for requests under the Ley de Acceso a la Información Pública).
 */
export const institutionProfileSchema = z.object({
  description: profileText('la descripción', 600).optional(),
  address: profileText('la dirección', 300).optional(),
  hours: profileText('el horario', 300).optional(),
  phone: profilePhone.optional(),
  email: profileEmail.optional(),
  information_office: z
    .object({
      name: profileText('el nombre de la oficina de información', 200).optional(),
      email: profileEmail.optional(),
      phone: profilePhone.optional(),
      address: profileText('la dirección de la oficina de información', 300).optional(),
      url: profileUrl('la dirección web de la oficina de información').optional(),
    })
    .strict()
    .optional(),
  source_url: profileUrl('la dirección de la fuente').optional(),
  verified_at: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'Escriba la fecha de verificación como AAAA-MM-DD.' })
    .optional(),
});
export type InstitutionProfile = z.output<typeof institutionProfileSchema>;

/** An institution as kept in data/institutions.json and data/institutions/*.json. */
export const institutionDataSchema = institutionProfileSchema
  .extend({
    slug: profileText('el identificador', 120).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'Use en el identificador solo minúsculas, números y guiones.' }),
    name: profileText('el nombre', 200),
    acronym: profileText('las siglas', 30).nullish(),
    website: profileUrl('la dirección web').nullish(),
  })
  .strict();
export type InstitutionData = z.output<typeof institutionDataSchema>;

/** The profile part of an institution record (everything but slug, name, acronym and website), or null when empty. */
export function profileOf(data: InstitutionData): InstitutionProfile | null {
  const { slug: _slug, name: _name, acronym: _acronym, website: _website, ...profile } = data;
  return Object.keys(profile).length > 0 ? profile : null;
}

/**
 * Inserts the themes (in the given order) and the institutions that the store lacks. Rows that
 * exist are left alone (admins may have edited them since), except that an institution with no
 * profile yet receives the seed's. Idempotent.
 */
export async function upsertReferenceData(store: Store, categories: CategoryData[], institutions: InstitutionData[]): Promise<void> {
  await store.batch([
    ...categories.map((category, position) => ({
      sql: `INSERT INTO categories (slug, name, description, position) VALUES (?, ?, ?, ?)
            ON CONFLICT (slug) DO NOTHING`,
      args: [category.slug, category.name, category.description ?? null, position],
    })),
    ...institutions.map((institution) => {
      const profile = profileOf(institution);
      return {
        // An existing row keeps what admins wrote; a profile is filled in only where none exists yet.
        sql: `INSERT INTO institutions (slug, name, acronym, website, profile) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT (slug) DO UPDATE SET profile = excluded.profile, website = coalesce(institutions.website, excluded.website)
              WHERE institutions.profile IS NULL AND excluded.profile IS NOT NULL`,
        args: [institution.slug, institution.name, institution.acronym ?? null, institution.website ?? null, profile ? JSON.stringify(profile) : null],
      };
    }),
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

/**
 * Replaces an institution's public profile (what it does, contact data, information office).
 * Admins, or the institution's own officers: they keep its information true, as its entries.
 * Fields are validated one by one; errors name the field (`information_office.email`).
 */
export async function saveInstitutionProfile(store: Store, actor: Actor, slug: string, input: unknown): Promise<InstitutionProfile> {
  const parsed = institutionProfileSchema.strict().safeParse(input);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[issue.path.join('.') || 'profile'] ??= issue.message;
    throw new AppError('invalid_profile', 'Revise los datos de la institución.', { fields });
  }
  const profile = Object.fromEntries(
    Object.entries(parsed.data).filter(([, value]) => value !== undefined && !(typeof value === 'object' && Object.keys(value).length === 0)),
  );
  await store.write(async (tx) => {
    const row = (await tx.execute({ sql: 'SELECT id, profile FROM institutions WHERE slug = ?', args: [slug] })).rows[0];
    if (!row) throw new AppError('not_found', `No existe la institución «${slug}».`, { status: 404 });
    assertCanEditInstitution(actor, Number(row.id));
    await tx.execute({ sql: 'UPDATE institutions SET profile = ? WHERE id = ?', args: [JSON.stringify(profile), Number(row.id)] });
    await appendAudit(store, tx, actor, {
      action: 'institution.profile',
      entity: 'institution',
      entityId: slug,
      before: row.profile === null ? undefined : JSON.parse(String(row.profile)),
      after: profile,
    });
  });
  return profile;
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

/** An institution with its public profile, for its page; null when unknown. */
export async function getInstitutionPage(
  db: Db,
  slug: string,
): Promise<{ slug: string; name: string; acronym: string | null; website: string | null; profile: InstitutionProfile } | null> {
  const row = (await db.execute({ sql: 'SELECT slug, name, acronym, website, profile FROM institutions WHERE slug = ?', args: [slug] })).rows[0];
  if (!row) return null;
  // Stored only after validation; a damaged value shows as an empty profile rather than an error page.
  const parsed = row.profile === null ? null : institutionProfileSchema.safeParse(JSON.parse(String(row.profile)));
  return {
    slug: String(row.slug),
    name: String(row.name),
    acronym: row.acronym === null ? null : String(row.acronym),
    website: row.website === null ? null : String(row.website),
    profile: parsed?.success ? parsed.data : {},
  };
}
