import type { Store } from '../db.ts';

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
