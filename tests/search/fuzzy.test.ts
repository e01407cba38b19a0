import { describe, expect, it } from 'vitest';
import { allowedTypos, editDistance, Vocabulary } from '../../search/fuzzy.ts';
import { planQuery } from '../../search/plan.ts';
import { planExpression } from '../../store/catalog/search-queries.ts';
import { buildThesaurus } from '../../search/synonyms.ts';

describe('typo budget, as Meilisearch by default', () => {
  it('allows no typo under 5 letters, 1 from 5, 2 from 9', () => {
    expect([allowedTypos('dui'), allowedTypos('pnc'), allowedTypos('renta'), allowedTypos('nacimiento'), allowedTypos('pasaporte')]).toEqual([0, 0, 1, 2, 2]);
  });

  it('counts a swap of neighbouring letters as one typo', () => {
    expect(editDistance('pasaporte', 'pasaprote', 2)).toBe(1);
    expect(editDistance('nacimieto', 'nacimiento', 2)).toBe(1);
    expect(editDistance('antesedentes', 'antecedentes', 2)).toBe(1);
    expect(editDistance('licencia', 'licensia', 1)).toBe(1);
    expect(editDistance('abc', 'xyzxyz', 2)).toBe(3);
  });
});

describe('vocabulary', () => {
  const vocabulary = new Vocabulary([
    ['pasaporte', 20],
    ['nacimiento', 12],
    ['antecedentes', 4],
    ['licencia', 9],
    ['conducir', 7],
    ['renta', 3],
    ['rentas', 1],
  ]);

  it('finds indexed words within the typo budget, closest and most used first', () => {
    expect(vocabulary.similar('pasaprote').map((s) => s.word)).toEqual(['pasaporte']);
    expect(vocabulary.similar('antesedentes')[0]).toEqual({ word: 'antecedentes', distance: 1 });
    expect(vocabulary.similar('renta')).toEqual([{ word: 'rentas', distance: 1 }]);
    expect(vocabulary.similar('dui')).toEqual([]);
  });

  it('treats the last word as a prefix when the person is still typing', () => {
    expect(vocabulary.similar('pasapr', { asPrefix: true }).map((s) => s.word)).toEqual(['pasaporte']);
    expect(vocabulary.hasPrefix('pasap')).toBe(true);
    expect(vocabulary.hasPrefix('zz')).toBe(false);
  });
});

describe('query plans', () => {
  const thesaurus = buildThesaurus();
  const vocabulary = new Vocabulary([
    ['partida', 5],
    ['nacimiento', 6],
    ['certificacion', 8],
    ['dui', 7],
    ['emision', 3],
    ['licencia', 5],
    ['conducir', 4],
    ['antecedentes', 2],
    ['penales', 2],
  ]);

  it('drops stop words and joins known phrases with their synonyms', () => {
    const plan = planQuery('licencia de manejar ', thesaurus, vocabulary);
    expect(plan.groups).toHaveLength(1);
    expect(plan.groups[0].exact.map((a) => a.words.join(' '))).toContain('licencia conducir');
  });

  it('corrects a misspelled word before looking up phrases', () => {
    const plan = planQuery('partida de nacimieto', thesaurus, vocabulary);
    expect(plan.corrected).toBe('partida nacimiento');
    expect(plan.groups[0].exact.map((a) => a.words.join(' '))).toContain('certificacion nacimiento');
  });

  it('expands everyday verbs one way («sacar» → emisión)', () => {
    const plan = planQuery('sacar dui', thesaurus, vocabulary);
    expect(plan.groups.map((g) => g.typed)).toEqual(['sacar', 'dui']);
    expect(plan.groups[0].exact.map((a) => a.words.join(' '))).toContain('emision');
  });

  it('marks only the last word as a prefix, and only while it is being typed', () => {
    expect(planQuery('partida naci', thesaurus, vocabulary).groups.at(-1)?.exact[0]).toEqual({ words: ['naci'], prefix: true });
    expect(planQuery('partida naci ', thesaurus, vocabulary).groups.at(-1)?.exact[0]).toEqual({ words: ['naci'], prefix: false });
  });

  it('leaves nothing of FTS5 syntax in the expression', () => {
    const plan = planQuery('"dui" OR NEAR(x*) title:^pasaporte AND (renta) -', thesaurus, vocabulary);
    const expression = planExpression(plan, 'AND');
    for (const word of expression.match(/"[^"]*"/g) ?? []) expect(word).toMatch(/^"[\p{L}\p{N}]+"$/u);
    // Column filters are the planner's own ({title keywords summary body}, {title_stems stems}).
    expect(expression.replace(/"[^"]*"\*?/g, '').replace(/\{[a-z_ ]+\} :/g, '')).toMatch(/^[\s()ANDORNEAR,0-9]*$/);
  });

  it('plans nothing for emoji, control characters and punctuation only', () => {
    expect(planQuery('🙂\u0000\u0007 ¿? ...', thesaurus, vocabulary).groups).toEqual([]);
  });
});
