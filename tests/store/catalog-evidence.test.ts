import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { procedureDocumentSchema } from '../../store/catalog/exchange-format.ts';
import { detailsOf, pendingSlugs, unquotedCounts, unquotedFigures, type EvidenceFile as Evidence } from '../../store/catalog/review.ts';
import { readSeedCatalog } from '../../store/seed.node.ts';

/**
 * data/evidence/<slug>.json records, for a seed entry, where each of its details comes from: a page
 * and the words on it, or a plain hedge that tells the person what to ask. The file is the review's
 * working record (see data/evidence/README.md); these checks keep it in step with the entry, so a
 * detail added later without a source, or a source left behind by an edit, fails here.
 */

const DIR = new URL('../../data/evidence/', import.meta.url);
const HEDGE_FIELDS = new Set(['requirements', 'documents', 'steps', 'cost.note', 'duration', 'audience', 'offices.hours', 'offices.fee', 'offices.note']);
/** The first line the search tool puts before a stored page's text, which reviewers have pasted as a quote. */
const SEARCH_METADATA = /^\s*date \d{4}-\d{2}(-\d{2})?\b/;
const HEDGE_WORDS = /pregunt|consult|confirm|verifiq|averig|no (lo )?(hay|encontramos|está|esta|se ha|publica|indica|sabemos|tenemos)|sin confirmar|desconoc/i;

const files = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((name) => name.endsWith('.json'))
      .sort()
  : [];
const seed = new Map(
  readSeedCatalog()
    .flatMap(({ rows }) => rows.map((row) => procedureDocumentSchema.parse(row.value)))
    .map((doc) => [doc.slug, doc] as const),
);

describe('the evidence behind seed entries', () => {
  it('has a readme that says what the files hold', () => {
    expect(existsSync(new URL('README.md', DIR))).toBe(true);
  });

  it('covers every seed entry, or lists it in pending.txt with the reason', () => {
    const pending = pendingSlugs(readFileSync(new URL('pending.txt', DIR), 'utf8'));
    const covered = new Set(files.map((file) => file.replace(/\.json$/, '')));
    const missing = [...seed.values()].filter((doc) => !doc.synthetic && !covered.has(doc.slug) && !pending.includes(doc.slug)).map((doc) => doc.slug);
    expect(missing, 'entries with neither an evidence file nor a line in data/evidence/pending.txt').toEqual([]);
    // A pending entry that got its file, or that is gone, leaves the list.
    expect(pending.filter((slug) => covered.has(slug) || !seed.has(slug))).toEqual([]);
  });

  it.each(files)('%s backs every detail of its entry, and only details the entry has', (file) => {
    const evidence = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Evidence;
    expect(file).toBe(`${evidence.slug}.json`);
    const doc = seed.get(evidence.slug);
    expect(doc, `no seed entry ${evidence.slug}`).toBeDefined();
    expect(evidence.checked_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const details = detailsOf(doc!);
    const key = (field: string, text: string) => `${field}\u0000${text}`;
    const present = new Set(details.map((d) => key(d.field, d.text)));
    const covered = new Set<string>();
    const problems: string[] = [];
    let allOfficeNames = false;
    for (const fact of evidence.facts) {
      const where = `${fact.field} «${fact.text}»`;
      if (fact.hedge) {
        if (fact.source) problems.push(`${where} is a hedge and a sourced fact at once`);
        if (!HEDGE_FIELDS.has(fact.field)) problems.push(`${where}: a ${fact.field} cannot be a hedge; give its source or remove it`);
        if (!HEDGE_WORDS.test(fact.text)) problems.push(`${where} is marked as a hedge but asserts something; a hedge tells the person what to ask`);
      } else {
        if (!/^https?:\/\/\S+$/.test(fact.source ?? '')) problems.push(`${where} has no source address`);
        if ((fact.quote ?? '').trim().length < 12) problems.push(`${where} needs the words of the page that support it`);
        // The search tool heads a stored page with its date («date 2025-10-02»): that line is not the page's words.
        if (SEARCH_METADATA.test(fact.quote ?? '')) problems.push(`${where} quotes the search tool's date line, not the page`);
      }
      if (fact.field === 'offices.name' && fact.text === '*') {
        allOfficeNames = true;
        continue;
      }
      if (!present.has(key(fact.field, fact.text))) problems.push(`${where} is not in the entry (edited since?)`);
      covered.add(key(fact.field, fact.text));
    }
    for (const d of details) {
      if (!covered.has(key(d.field, d.text)) && !(allOfficeNames && d.field === 'offices.name')) {
        problems.push(`${d.field} «${d.text}» has neither a source nor a hedge`);
      }
    }
    // Amounts and phone numbers are what a person acts on: each must be in the words of a page
    // quoted for this entry (a hedge that names a phone to call asserts that phone too).
    const quotes = evidence.facts.flatMap((fact) => (fact.quote ? [fact.quote] : []));
    for (const d of details) {
      const missing = unquotedFigures(d.field === 'cost.amount' ? `$${d.text}` : d.text, quotes);
      if (missing.length > 0) problems.push(`${d.field} «${d.text}» states ${missing.join(', ')}, which no quote of this entry says`);
      if (d.field === 'cost.amount') continue;
      const counts = unquotedCounts(d.text, quotes);
      if (counts.length > 0) problems.push(`${d.field} «${d.text}» says ${counts.join(', ')}, a number no quote of this entry says`);
    }
    expect(problems, evidence.slug).toEqual([]);
  });
});
