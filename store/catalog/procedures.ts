import { AppError } from '../app-error.ts';
import { canonicalJson } from '../canonical-json.ts';
import type { Db } from '../db.ts';
import { assertCanEditInstitution, assertCanManageStructure, assertCanMoveProcedure, type Actor } from '../policy.ts';
import { procedureDocumentSchema, type ProcedureDocument } from './exchange-format.ts';
import { indexProcedure } from './search-index.ts';
import { enqueueSearchSync } from './search-outbox.ts';

export interface InstitutionRef {
  slug: string;
  name: string;
  acronym: string | null;
  website: string | null;
}

export interface CategoryRef {
  slug: string;
  name: string;
  description: string | null;
}

/** A published procedure with what its page needs. */
export interface ProcedurePage {
  id: number;
  version: number;
  document: ProcedureDocument;
  institution: InstitutionRef;
  category: CategoryRef;
  /** The date the content was last checked (YYYY-MM-DD). */
  updatedAt: string;
  /** When the row last changed, for cache validators. */
  modifiedAt: string;
}

/** What a list or a search result shows of a procedure. */
export interface ProcedureSummary {
  slug: string;
  title: string;
  summary: string;
  online: boolean;
  costAmount: number | null;
  updatedAt: string;
  institution: { slug: string; name: string; acronym: string | null };
  category: { slug: string; name: string };
}

const SUMMARY_COLUMNS = `p.slug, p.title, p.summary, p.online, p.cost_amount, p.updated_at,
  i.slug AS institution_slug, i.name AS institution_name, i.acronym AS institution_acronym,
  c.slug AS category_slug, c.name AS category_name`;

export function toSummary(row: Record<string, unknown>): ProcedureSummary {
  return {
    slug: String(row.slug),
    title: String(row.title),
    summary: String(row.summary),
    online: Number(row.online) === 1,
    costAmount: row.cost_amount === null ? null : Number(row.cost_amount),
    updatedAt: String(row.updated_at),
    institution: {
      slug: String(row.institution_slug),
      name: String(row.institution_name),
      acronym: row.institution_acronym === null ? null : String(row.institution_acronym),
    },
    category: { slug: String(row.category_slug), name: String(row.category_name) },
  };
}

/**
 * The published procedure at `slug`, or null when there is none (unknown, draft or archived).
 *
 * @example const page = await getPublishedProcedure(db, 'emision-dui-primera-vez')
 */
export async function getPublishedProcedure(db: Db, slug: string): Promise<ProcedurePage | null> {
  const result = await db.execute({
    sql: `SELECT p.id, p.version, p.document, p.updated_at, p.modified_at,
                 i.slug AS i_slug, i.name AS i_name, i.acronym AS i_acronym, i.website AS i_website,
                 c.slug AS c_slug, c.name AS c_name, c.description AS c_description
            FROM procedures p
            JOIN institutions i ON i.id = p.institution_id
            JOIN categories c ON c.id = p.category_id
           WHERE p.slug = ? AND p.status = 'published'`,
    args: [slug],
  });
  const row = result.rows[0];
  if (!row) return null;
  return {
    id: Number(row.id),
    version: Number(row.version),
    // Validated when written (import, API, admin); reading trusts the stored copy.
    document: JSON.parse(String(row.document)) as ProcedureDocument,
    institution: {
      slug: String(row.i_slug),
      name: String(row.i_name),
      acronym: row.i_acronym === null ? null : String(row.i_acronym),
      website: row.i_website === null ? null : String(row.i_website),
    },
    category: { slug: String(row.c_slug), name: String(row.c_name), description: row.c_description === null ? null : String(row.c_description) },
    updatedAt: String(row.updated_at),
    modifiedAt: String(row.modified_at),
  };
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** Published procedures of one category or institution, alphabetical, one page at a time. */
export async function listPublishedProcedures(
  db: Db,
  filter: { categorySlug?: string; institutionSlug?: string },
  page: { limit: number; offset: number },
): Promise<Page<ProcedureSummary>> {
  const where = ["p.status = 'published'"];
  const args: (string | number)[] = [];
  if (filter.categorySlug) {
    where.push('c.slug = ?');
    args.push(filter.categorySlug);
  }
  if (filter.institutionSlug) {
    where.push('i.slug = ?');
    args.push(filter.institutionSlug);
  }
  const from = `FROM procedures p JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id
                WHERE ${where.join(' AND ')}`;
  const [rows, count] = await Promise.all([
    db.execute({ sql: `SELECT ${SUMMARY_COLUMNS} ${from} ORDER BY p.title COLLATE NOCASE LIMIT ? OFFSET ?`, args: [...args, page.limit, page.offset] }),
    db.execute({ sql: `SELECT count(*) AS n ${from}`, args }),
  ]);
  return { items: rows.rows.map((row) => toSummary(row)), total: Number(count.rows[0].n) };
}

/** The most consulted published procedures (popularity, then title). */
export async function listPopularProcedures(db: Db, limit: number): Promise<ProcedureSummary[]> {
  const rows = await db.execute({
    sql: `SELECT ${SUMMARY_COLUMNS} FROM procedures p
            JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id
           WHERE p.status = 'published' AND p.synthetic = 0
           ORDER BY p.popularity DESC, p.title COLLATE NOCASE LIMIT ?`,
    args: [limit],
  });
  return rows.rows.map((row) => toSummary(row));
}

/**
 * The published procedures among `slugs`, in the order given (a hand-picked list); unknown,
 * draft and archived ones are left out.
 *
 * @example await listProceduresBySlugs(db, relatedProcedureSlugs('198'))
 */
export async function listProceduresBySlugs(db: Db, slugs: readonly string[]): Promise<ProcedureSummary[]> {
  if (slugs.length === 0) return [];
  const rows = await db.execute({
    sql: `SELECT ${SUMMARY_COLUMNS} FROM procedures p
            JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id
           WHERE p.status = 'published' AND p.slug IN (${slugs.map(() => '?').join(', ')})`,
    args: [...slugs],
  });
  const bySlug = new Map(rows.rows.map((row) => [String(row.slug), toSummary(row)]));
  return slugs.flatMap((slug) => bySlug.get(slug) ?? []);
}

/** Other published procedures of the same category, for «Trámites relacionados». */
export async function listRelatedProcedures(db: Db, procedureId: number, categorySlug: string, limit: number): Promise<ProcedureSummary[]> {
  const rows = await db.execute({
    sql: `SELECT ${SUMMARY_COLUMNS} FROM procedures p
            JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id
           WHERE p.status = 'published' AND c.slug = ? AND p.id <> ?
           ORDER BY p.popularity DESC, p.title COLLATE NOCASE LIMIT ?`,
    args: [categorySlug, procedureId, limit],
  });
  return rows.rows.map((row) => toSummary(row));
}

export interface CategoryWithCount extends CategoryRef {
  count: number;
}

/** Every category with its number of published procedures, in display order. */
export async function listCategories(db: Db): Promise<CategoryWithCount[]> {
  const rows = await db.execute(
    `SELECT c.slug, c.name, c.description,
            (SELECT count(*) FROM procedures p WHERE p.category_id = c.id AND p.status = 'published') AS n
       FROM categories c ORDER BY c.position, c.name`,
  );
  return rows.rows.map((row) => ({
    slug: String(row.slug),
    name: String(row.name),
    description: row.description === null ? null : String(row.description),
    count: Number(row.n),
  }));
}

export async function getCategory(db: Db, slug: string): Promise<CategoryRef | null> {
  const rows = await db.execute({ sql: 'SELECT slug, name, description FROM categories WHERE slug = ?', args: [slug] });
  const row = rows.rows[0];
  return row ? { slug: String(row.slug), name: String(row.name), description: row.description === null ? null : String(row.description) } : null;
}

export interface InstitutionWithCount extends InstitutionRef {
  count: number;
}

/** Every institution with its number of published procedures, by name. */
export async function listInstitutions(db: Db): Promise<InstitutionWithCount[]> {
  const rows = await db.execute(
    `SELECT i.slug, i.name, i.acronym, i.website,
            (SELECT count(*) FROM procedures p WHERE p.institution_id = i.id AND p.status = 'published') AS n
       FROM institutions i ORDER BY i.name`,
  );
  return rows.rows.map((row) => ({
    slug: String(row.slug),
    name: String(row.name),
    acronym: row.acronym === null ? null : String(row.acronym),
    website: row.website === null ? null : String(row.website),
    count: Number(row.n),
  }));
}

export async function getInstitution(db: Db, slug: string): Promise<InstitutionRef | null> {
  const rows = await db.execute({ sql: 'SELECT slug, name, acronym, website FROM institutions WHERE slug = ?', args: [slug] });
  const row = rows.rows[0];
  return row
    ? {
        slug: String(row.slug),
        name: String(row.name),
        acronym: row.acronym === null ? null : String(row.acronym),
        website: row.website === null ? null : String(row.website),
      }
    : null;
}

/** How many published procedures there are. */
export async function countPublished(db: Db): Promise<number> {
  const rows = await db.execute("SELECT count(*) AS n FROM procedures WHERE status = 'published'");
  return Number(rows.rows[0].n);
}

/** Published slugs with their dates, for the sitemap, in pages. */
export async function listSitemapEntries(db: Db, page: { limit: number; offset: number }): Promise<{ slug: string; updatedAt: string }[]> {
  const rows = await db.execute({
    sql: "SELECT slug, updated_at FROM procedures WHERE status = 'published' ORDER BY id LIMIT ? OFFSET ?",
    args: [page.limit, page.offset],
  });
  return rows.rows.map((row) => ({ slug: String(row.slug), updatedAt: String(row.updated_at) }));
}

/** Every published document in the exchange format, in slug order, for exports. */
export async function* iteratePublishedDocuments(db: Db, pageSize = 1000): AsyncGenerator<ProcedureDocument> {
  let lastSlug = '';
  for (;;) {
    const rows = await db.execute({
      sql: "SELECT slug, document, updated_at FROM procedures WHERE status = 'published' AND slug > ? ORDER BY slug LIMIT ?",
      args: [lastSlug, pageSize],
    });
    if (rows.rows.length === 0) return;
    for (const row of rows.rows) {
      const document = procedureDocumentSchema.parse(JSON.parse(String(row.document)));
      yield { ...document, updated_at: String(row.updated_at) };
      lastSlug = String(row.slug);
    }
  }
}

/** Hash of a document's content, ignoring its dates (last change, last verified). */
export async function contentHash(doc: ProcedureDocument): Promise<string> {
  const { updated_at: _updated, verified_at: _verified, ...content } = doc;
  const bytes = new TextEncoder().encode(canonicalJson(content));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export type SaveOutcome = 'created' | 'updated' | 'verified' | 'unchanged';

export interface ReferenceIds {
  categoryId(slug: string): Promise<{ id: number; name: string }>;
  institutionId(slug: string, name?: string): Promise<{ id: number; name: string; acronym: string | null }>;
}

/**
 * A per-transaction cache of theme and institution ids by slug. An unknown one is created, as
 * imports do (CONTRACTS.md), but only for an actor who may create public structure (admins, the
 * seed, a command on the server): an officer's entry cannot invent a theme or an institution.
 */
export function referenceIds(db: Db, actor: Actor, at: string): ReferenceIds & { created: { categories: string[]; institutions: string[] } } {
  const categories = new Map<string, { id: number; name: string }>();
  const institutions = new Map<string, { id: number; name: string; acronym: string | null }>();
  const created = { categories: [] as string[], institutions: [] as string[] };
  return {
    created,
    async categoryId(slug) {
      const known = categories.get(slug);
      if (known) return known;
      let row = (await db.execute({ sql: 'SELECT id, name FROM categories WHERE slug = ?', args: [slug] })).rows[0];
      if (!row) {
        assertCanManageStructure(actor, 'category');
        row = (await db.execute({ sql: 'INSERT INTO categories (slug, name) VALUES (?, ?) RETURNING id, name', args: [slug, nameFromSlug(slug)] })).rows[0];
        created.categories.push(slug);
      }
      const ref = { id: Number(row.id), name: String(row.name) };
      categories.set(slug, ref);
      return ref;
    },
    async institutionId(slug, name) {
      const known = institutions.get(slug);
      if (known) return known;
      let row = (await db.execute({ sql: 'SELECT id, name, acronym FROM institutions WHERE slug = ?', args: [slug] })).rows[0];
      if (!row) {
        assertCanManageStructure(actor, 'institution');
        row = (
          await db.execute({
            sql: 'INSERT INTO institutions (slug, name, created_at) VALUES (?, ?, ?) RETURNING id, name, acronym',
            args: [slug, name ?? nameFromSlug(slug), at],
          })
        ).rows[0];
        created.institutions.push(slug);
      }
      const ref = { id: Number(row.id), name: String(row.name), acronym: row.acronym === null ? null : String(row.acronym) };
      institutions.set(slug, ref);
      return ref;
    },
  };
}

/** Why a document's dates cannot be taken, or null: neither the last change nor the last check may be after today. */
export function updatedAtProblem(doc: ProcedureDocument, today: string): { field: 'updated_at' | 'verified_at'; message: string } | null {
  if (doc.updated_at && doc.updated_at > today) {
    return { field: 'updated_at', message: `La fecha de actualización (${doc.updated_at}) es posterior a hoy (${today}): escriba la fecha del último cambio.` };
  }
  if (doc.verified_at && doc.verified_at > today) {
    return {
      field: 'verified_at',
      message: `La fecha de verificación (${doc.verified_at}) es posterior a hoy (${today}): escriba la fecha en que se verificó.`,
    };
  }
  return null;
}

function nameFromSlug(slug: string): string {
  const words = slug.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Saves one validated document as the published version of its slug, inside the caller's write
 * transaction: creates it, adds a version when the content changed, or only moves the «last
 * checked» date. Keeps the full-text index in step.
 */
export async function savePublishedDocument(
  tx: Db,
  refs: ReferenceIds,
  doc: ProcedureDocument,
  options: {
    actor: Actor;
    source: string;
    changeNote?: string;
    changeKind?: 'major' | 'minor';
    today: string;
    at: string;
    /** The seed's dates are facts of when it was written: a store whose clock is behind them (tests, a wrong clock) still loads it. */
    trustDates?: boolean;
  },
): Promise<SaveOutcome> {
  const dateProblem = options.trustDates ? null : updatedAtProblem(doc, options.today);
  if (dateProblem) throw new AppError('future_date', dateProblem.message, { fields: { [dateProblem.field]: dateProblem.message } });
  // Scope, whatever path writes (PUT, the edit form, an upload, a command): an existing entry
  // belongs to its institution; an actor writes only into institutions it keeps; only an admin
  // moves an entry to another institution.
  const existingOwner = (await tx.execute({ sql: 'SELECT institution_id FROM procedures WHERE slug = ?', args: [doc.slug] })).rows[0];
  if (existingOwner) assertCanEditInstitution(options.actor, Number(existingOwner.institution_id));
  const category = await refs.categoryId(doc.category);
  const institution = await refs.institutionId(doc.institution, doc.institution_name);
  assertCanEditInstitution(options.actor, institution.id);
  if (existingOwner && Number(existingOwner.institution_id) !== institution.id) assertCanMoveProcedure(options.actor);
  const hash = await contentHash(doc);
  const updatedAt = doc.updated_at ?? options.today;
  const online = doc.online_url || doc.channels.includes('en_linea') ? 1 : 0;
  const costAmount = doc.cost?.amount ?? null;
  const existing = (
    await tx.execute({ sql: 'SELECT id, version, content_hash, updated_at, verified_at, status FROM procedures WHERE slug = ?', args: [doc.slug] })
  ).rows[0];
  // A document that does not say when it was verified keeps the date already recorded (a form
  // or an import that lacks the field never erases a verification).
  const verifiedAt = doc.verified_at ?? (existing?.verified_at == null ? null : String(existing.verified_at));
  const sourceId = doc.source_id ?? null;
  const stored: ProcedureDocument = { ...doc, institution_name: institution.name, updated_at: updatedAt, ...(verifiedAt ? { verified_at: verifiedAt } : {}) };
  const json = JSON.stringify(stored);
  const indexContext = {
    institutionId: institution.id,
    institutionName: institution.name,
    institutionAcronym: institution.acronym,
    categoryId: category.id,
    categoryName: category.name,
    online: online === 1,
  };

  if (!existing) {
    const inserted = await tx.execute({
      sql: `INSERT INTO procedures (slug, status, version, institution_id, category_id, title, summary, online, cost_amount,
                                    document, content_hash, updated_at, synthetic, created_at, modified_at, verified_at, source_id)
            VALUES (?, 'published', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      args: [
        doc.slug,
        institution.id,
        category.id,
        doc.title,
        doc.summary,
        online,
        costAmount,
        json,
        hash,
        updatedAt,
        doc.synthetic ? 1 : 0,
        options.at,
        options.at,
        verifiedAt,
        sourceId,
      ],
    });
    const id = Number(inserted.rows[0].id);
    await tx.execute({
      sql: 'INSERT INTO procedure_versions (procedure_id, version, document, change_kind, change_note, source, created_at) VALUES (?, 1, ?, ?, ?, ?, ?)',
      args: [id, json, options.changeKind ?? 'major', options.changeNote ?? null, options.source, options.at],
    });
    await indexProcedure(tx, id, stored, indexContext);
    await enqueueSearchSync(tx, id, options.at);
    return 'created';
  }

  const id = Number(existing.id);
  if (existing.content_hash === hash && existing.status === 'published') {
    if (existing.updated_at === updatedAt && (existing.verified_at ?? null) === verifiedAt) return 'unchanged';
    await tx.execute({
      sql: 'UPDATE procedures SET updated_at = ?, verified_at = ?, document = ?, modified_at = ? WHERE id = ?',
      args: [updatedAt, verifiedAt, json, options.at, id],
    });
    await enqueueSearchSync(tx, id, options.at);
    return 'verified';
  }
  const version = Number(existing.version) + 1;
  await tx.execute({
    sql: `UPDATE procedures SET status = 'published', version = ?, institution_id = ?, category_id = ?, title = ?, summary = ?,
                 online = ?, cost_amount = ?, document = ?, content_hash = ?, updated_at = ?, synthetic = ?, modified_at = ?,
                 verified_at = ?, source_id = ?, pending_document = NULL, pending_source = NULL, pending_at = NULL
           WHERE id = ?`,
    args: [
      version,
      institution.id,
      category.id,
      doc.title,
      doc.summary,
      online,
      costAmount,
      json,
      hash,
      updatedAt,
      doc.synthetic ? 1 : 0,
      options.at,
      verifiedAt,
      sourceId,
      id,
    ],
  });
  await tx.execute({
    sql: 'INSERT INTO procedure_versions (procedure_id, version, document, change_kind, change_note, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    args: [id, version, json, options.changeKind ?? 'major', options.changeNote ?? null, options.source, options.at],
  });
  await indexProcedure(tx, id, stored, indexContext);
  await enqueueSearchSync(tx, id, options.at);
  return 'updated';
}
