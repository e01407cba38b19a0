import type { Db } from '../store/db.ts';
import { proceduresDocumentsBySlug } from '../store/catalog/search-queries.ts';
import type { ProcedureDocument } from '../store/catalog/exchange-format.ts';
import { costLine, t } from '../site/i18n/t.ts';
import type { SearchHit } from './engine.ts';
import type { Intent } from './synonyms.ts';

/** What a result shows when the question asked about one part of the procedure. */
export interface HitSnippet {
  intent: Intent;
  /** «Costo», «Dónde», «Requisitos». */
  label: string;
  /** Plain text (not HTML). */
  text: string;
}

const MAX_ITEMS = 3;

function list(items: string[]): string {
  const shown = items.slice(0, MAX_ITEMS).join(' · ');
  return items.length > MAX_ITEMS ? `${shown} ${t('search.snippet.more', { count: items.length - MAX_ITEMS })}` : shown;
}

/**
 * The part of a procedure a question asked about, as one line: «¿cuánto cuesta…?» → the cost,
 * «¿dónde…?» → the offices (or «En línea»), «¿qué necesito…?» → the first requirements.
 *
 * @example snippetFor('cost', doc) // { intent: 'cost', label: 'Costo', text: '$10.39' }
 */
export function snippetFor(intent: Intent, doc: ProcedureDocument): HitSnippet {
  if (intent === 'cost') {
    return { intent, label: t('search.snippet.cost'), text: doc.cost ? costLine(doc.cost) : t('search.snippet.unknown') };
  }
  if (intent === 'offices') {
    const offices = (doc.offices ?? []).map((office) => [office.name, office.municipality ?? office.department, office.hours].filter(Boolean).join(', '));
    const online = doc.online_url ? [t('search.snippet.online')] : [];
    const all = [...online, ...offices];
    return { intent, label: t('search.snippet.offices'), text: all.length > 0 ? list(all) : t('search.snippet.unknown') };
  }
  const requirements = [...(doc.requirements ?? []), ...(doc.documents ?? [])];
  return { intent, label: t('search.snippet.requirements'), text: requirements.length > 0 ? list(requirements) : t('search.snippet.unknown') };
}

/** Adds the snippet a question asks for to each hit (one query for the page). */
export async function withSnippets(db: Db, hits: SearchHit[], intent: Intent | null): Promise<SearchHit[]> {
  if (!intent || hits.length === 0) return hits;
  const documents = await proceduresDocumentsBySlug(
    db,
    hits.map((hit) => hit.slug),
  );
  return hits.map((hit) => {
    const doc = documents.get(hit.slug);
    return doc ? { ...hit, snippet: snippetFor(intent, doc) } : hit;
  });
}
