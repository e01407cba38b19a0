import type { ProcedureDocument } from './exchange-format.ts';

/**
 * The catalog review's bookkeeping (data/reviews/, data/evidence/): drawing entries at random
 * for a round, and applying a reviewer's corrected entry with its new evidence. Pure functions
 * over parsed JSON; scripts/catalog-review.node.ts reads and writes the files.
 */

/** One fact of data/evidence/<slug>.json (see data/evidence/README.md). */
export interface EvidenceFact {
  field: string;
  text: string;
  source?: string;
  quote?: string;
  hedge?: boolean;
}

export interface EvidenceFile {
  slug: string;
  checked_on: string;
  facts: EvidenceFact[];
}

const OFFICE_DETAILS = ['address', 'phone', 'hours', 'fee'] as const;

/** Every detail of an entry a person could act on, as field and text: what evidence must back. */
export function detailsOf(doc: ProcedureDocument): { field: string; text: string }[] {
  const out: { field: string; text: string }[] = [
    { field: 'title', text: doc.title },
    { field: 'summary', text: doc.summary },
  ];
  if (doc.audience) out.push({ field: 'audience', text: doc.audience });
  for (const field of ['requirements', 'documents', 'steps', 'channels'] as const) {
    for (const text of (doc[field] ?? []) as string[]) out.push({ field, text });
  }
  if (doc.cost?.amount !== undefined) out.push({ field: 'cost.amount', text: String(doc.cost.amount) });
  if (doc.cost?.note) out.push({ field: 'cost.note', text: doc.cost.note });
  for (const field of ['duration', 'legal_basis', 'online_url'] as const) {
    const value = doc[field];
    if (typeof value === 'string' && value) out.push({ field, text: value });
  }
  for (const office of doc.offices ?? []) {
    out.push({ field: 'offices.name', text: office.name });
    for (const key of OFFICE_DETAILS) {
      const value = (office as Record<string, unknown>)[key];
      if (typeof value === 'string' && value) out.push({ field: `offices.${key}`, text: value });
    }
  }
  return out;
}

/** The generator of the rounds' draws (mulberry32): the same seed gives the same round. */
function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The slugs of data/evidence/pending.txt: seed entries with no evidence file yet, one a line with
 * the reason after it (`#` lines are comments).
 *
 * @example pendingSlugs('# why\nsome-slug   its page came without an address\n') // ['some-slug']
 */
export function pendingSlugs(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.trim().split(/\s+/)[0]);
}

/**
 * A round's entries: all slugs (in the order of the catalog files, sorted by file name)
 * shuffled with `seed`, those in `exclude` left out, the first `count` kept. The same command
 * the records of data/reviews/ name, so any round can be drawn again and checked.
 *
 * @example drawForReview(slugs, 23122026, new Set(roundsBefore), 20)
 */
export function drawForReview(slugs: readonly string[], seed: number, exclude: ReadonlySet<string> = new Set(), count = 20): string[] {
  const shuffled = [...slugs];
  const random = seededRandom(seed);
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  return shuffled.filter((slug) => !exclude.has(slug)).slice(0, count);
}

/**
 * A reviewer's corrected entry in place of the catalog's: the catalog's key order is kept (keys
 * the correction adds go last), `updated_at` becomes `day`.
 */
export function correctedEntry(current: Record<string, unknown>, corrected: Record<string, unknown>, day: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(current)) if (key in corrected) out[key] = corrected[key];
  for (const key of Object.keys(corrected)) if (!(key in out)) out[key] = corrected[key];
  out.updated_at = day;
  return out;
}

/**
 * The evidence after a correction: the reviewer's new facts added, and every fact whose detail
 * the entry no longer has dropped (an office list given whole, `offices.name` `*`, stays), with
 * exact repeats once. `dropped` counts what went.
 */
export function mergedEvidence(
  evidence: EvidenceFile,
  added: EvidenceFact[],
  entry: ProcedureDocument,
  day: string,
): { evidence: EvidenceFile; dropped: number } {
  const present = new Set(detailsOf(entry).map((detail) => `${detail.field}\u0000${detail.text}`));
  const seen = new Set<string>();
  const facts: EvidenceFact[] = [];
  let dropped = 0;
  for (const fact of [...evidence.facts, ...added]) {
    const detail = `${fact.field}\u0000${fact.text}`;
    if (!present.has(detail) && !(fact.field === 'offices.name' && fact.text === '*')) {
      dropped++;
      continue;
    }
    const repeat = `${detail}\u0000${fact.source ?? ''}\u0000${fact.quote ?? ''}\u0000${fact.hedge ? 'hedge' : ''}`;
    if (seen.has(repeat)) continue;
    seen.add(repeat);
    facts.push(fact);
  }
  return { evidence: { ...evidence, checked_on: day, facts }, dropped };
}
