import '../validation-locale.ts';
import type { Transaction } from '@libsql/client';
import { z } from 'zod';
import type { Db, Store } from '../db.ts';

/**
 * Addresses that moved (store/migrations/0022-moved-addresses.sql): the old address of a merged
 * procedure or of an institution that became another answers 301 to the new one. The seed's list
 * is data/moved.json; an officer adds one by archiving an entry «replaced by» another.
 */

const SLUG = z
  .string()
  .max(120)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'Use solo minúsculas sin tildes, números y guiones.' });

const movedEntry = z
  .object({
    from: SLUG,
    to: SLUG,
    /** Why it moved, for the people who keep the list (never shown). */
    why: z.string().min(1).max(300),
  })
  .strict()
  .refine((entry) => entry.from !== entry.to, { error: 'Una dirección no puede llevar a sí misma.' });

/** data/moved.json: procedures (a one-city entry may name its district) and institutions. */
export const movedAddressesSchema = z
  .object({
    about: z.string().optional(),
    procedures: z.array(
      movedEntry.and(
        z.object({
          district: z
            .string()
            .regex(/^\d{6}$/)
            .optional(),
        }),
      ),
    ),
    institutions: z.array(movedEntry),
  })
  .strict();
export type MovedAddresses = z.output<typeof movedAddressesSchema>;

/**
 * Records the seed's moved addresses the store lacks. A row already there is kept: an officer's
 * later decision (archiving the new entry «replaced by» a third one) is never undone by a restart.
 */
export async function upsertMovedAddresses(store: Store, moved: MovedAddresses, at: string): Promise<void> {
  const rows = [
    ...moved.procedures.map((entry) => ['procedure', entry.from, entry.to, entry.district ?? null] as const),
    ...moved.institutions.map((entry) => ['institution', entry.from, entry.to, null] as const),
  ];
  if (rows.length === 0) return;
  await store.batch(
    rows.map(([kind, from, to, district]) => ({
      sql: 'INSERT INTO moved_addresses (kind, old_slug, new_slug, district, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, old_slug) DO NOTHING',
      args: [kind, from, to, district, at],
    })),
  );
}

/** Within a write: the archived entry's address now leads to the one that replaces it. */
export async function recordProcedureMove(tx: Transaction, from: string, to: string, at: string): Promise<void> {
  await tx.execute({
    sql: `INSERT INTO moved_addresses (kind, old_slug, new_slug, district, created_at) VALUES ('procedure', ?, ?, NULL, ?)
          ON CONFLICT (kind, old_slug) DO UPDATE SET new_slug = excluded.new_slug, district = NULL, created_at = excluded.created_at`,
    args: [from, to, at],
  });
}

/** Moves are followed this many times at most (a merge of a merge); a longer chain or a loop stops. */
const MAX_HOPS = 5;

async function follow(db: Db, kind: 'procedure' | 'institution', slug: string): Promise<{ slug: string; district: string | null } | null> {
  let current = slug;
  let district: string | null = null;
  const seen = new Set([slug]);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const rows = await db.execute({ sql: 'SELECT new_slug, district FROM moved_addresses WHERE kind = ? AND old_slug = ?', args: [kind, current] });
    const row = rows.rows[0];
    if (!row) return current === slug ? null : { slug: current, district };
    current = String(row.new_slug);
    // The first move's district is hers (the city she had bookmarked); a later merge keeps it.
    district ??= row.district === null ? null : String(row.district);
    if (seen.has(current)) return null;
    seen.add(current);
  }
  return null;
}

/**
 * Where the address of a procedure that is not published now leads: the published entry it was
 * merged into (opened on her alcaldía when the old entry was one city's), else its theme when it
 * was archived, else null (404).
 *
 * @example await movedProcedurePath(db, 'partida-nacimiento-certificada-san-salvador') // '/tramites/partida-nacimiento-certificada-alcaldia?distrito=060403'
 */
export async function movedProcedurePath(db: Db, slug: string): Promise<string | null> {
  const moved = await follow(db, 'procedure', slug);
  if (moved) {
    const target = await db.execute({ sql: "SELECT 1 FROM procedures WHERE slug = ? AND status = 'published'", args: [moved.slug] });
    if (target.rows.length > 0) return `/tramites/${moved.slug}${moved.district ? `?distrito=${moved.district}` : ''}`;
  }
  const archived = await db.execute({
    sql: "SELECT c.slug FROM procedures p JOIN categories c ON c.id = p.category_id WHERE p.slug = ? AND p.status = 'archived'",
    args: [slug],
  });
  return archived.rows[0] ? `/categorias/${String(archived.rows[0].slug)}` : null;
}

/** Where the address of an institution that is no longer listed leads (the one it became), or null. */
export async function movedInstitutionPath(db: Db, slug: string): Promise<string | null> {
  const moved = await follow(db, 'institution', slug);
  if (!moved) return null;
  const target = await db.execute({ sql: 'SELECT 1 FROM institutions WHERE slug = ?', args: [moved.slug] });
  return target.rows.length > 0 ? `/instituciones/${moved.slug}` : null;
}
