import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { institutionDataSchema } from '../../store/catalog/reference.ts';
import { institutionDetailsOf, unquotedCounts, unquotedFigures, type EvidenceFile } from '../../store/catalog/review.ts';

/**
 * data/evidence/institutions/<slug>.json backs an institution record's contact data the way
 * data/evidence/<slug>.json backs an entry: each value (what it does, website, address, hours,
 * phone, e-mail, information office) with a page and its words. An institution page is where a
 * person goes to find an office or file an information request, so an address or phone that no
 * page gave is as harmful as a wrong requirement. There are no hedges here: an unknown value is
 * left out of the record.
 */

const DATA = new URL('../../data/', import.meta.url);
const DIR = new URL('evidence/institutions/', DATA);

const records = [
  new URL('institutions.json', DATA),
  ...readdirSync(new URL('institutions/', DATA))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => new URL(`institutions/${name}`, DATA)),
].flatMap((url) => (JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>[]).map((record) => institutionDataSchema.parse(record)));
const bySlug = new Map(records.map((record) => [record.slug, record as Record<string, unknown>]));
const files = existsSync(DIR) ? readdirSync(DIR).filter((name) => name.endsWith('.json')) : [];

describe('the evidence behind institution records', () => {
  it('has a file for every record with contact data, and none for a record that is gone', () => {
    const covered = new Set(files.map((file) => file.replace(/\.json$/, '')));
    const missing = records.filter((record) => institutionDetailsOf(record).length > 0 && !covered.has(record.slug)).map((record) => record.slug);
    expect(missing, 'institutions whose contact data has no evidence file').toEqual([]);
    expect([...covered].filter((slug) => !bySlug.has(slug))).toEqual([]);
  });

  it.each(files.sort())('%s backs every value of its record with a page, and only values the record has', (file) => {
    const evidence = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as EvidenceFile;
    expect(file).toBe(`${evidence.slug}.json`);
    const record = bySlug.get(evidence.slug)!;
    expect(evidence.checked_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const details = institutionDetailsOf(record);
    const key = (field: string, text: string) => `${field}\u0000${text}`;
    const present = new Set(details.map((d) => key(d.field, d.text)));
    const covered = new Set<string>();
    const problems: string[] = [];
    for (const fact of evidence.facts) {
      const where = `${fact.field} «${fact.text}»`;
      if (fact.hedge) problems.push(`${where}: an institution's value is not a hedge; give its source or leave it out of the record`);
      if (!/^https?:\/\/\S+$/.test(fact.source ?? '')) problems.push(`${where} has no source address`);
      if ((fact.quote ?? '').trim().length < 12) problems.push(`${where} needs the words of the page that support it`);
      if (/^\s*date \d{4}-\d{2}/.test(fact.quote ?? '')) problems.push(`${where} quotes the search tool's date line, not the page`);
      if (!present.has(key(fact.field, fact.text))) problems.push(`${where} is not in the record (edited since?)`);
      covered.add(key(fact.field, fact.text));
    }
    const quotes = evidence.facts.flatMap((fact) => (fact.quote ? [fact.quote] : []));
    const quotedText = quotes.join(' ').toLowerCase();
    for (const d of details) {
      if (!covered.has(key(d.field, d.text))) problems.push(`${d.field} «${d.text}» has no source`);
      if (d.field === 'website' || d.field.endsWith('url')) continue;
      // A phone, an e-mail or a number of an address is what a person dials, writes or walks to.
      const figures = unquotedFigures(d.text, quotes);
      if (figures.length > 0) problems.push(`${d.field} «${d.text}» states ${figures.join(', ')}, which no quote says`);
      const counts = unquotedCounts(d.text, quotes);
      if (counts.length > 0) problems.push(`${d.field} «${d.text}» says ${counts.join(', ')}, a number no quote says`);
      for (const email of d.text.match(/[^\s@(),;:«»]+@[^\s@(),;:«»]+\.[a-z]+/gi) ?? []) {
        if (!quotedText.includes(email.toLowerCase())) problems.push(`${d.field} «${d.text}» gives ${email}, which no quote says`);
      }
    }
    expect(problems, evidence.slug).toEqual([]);
  });
});
