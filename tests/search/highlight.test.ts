import { describe, expect, it } from 'vitest';
import { markTerms } from '../../search/highlight.ts';

describe('markTerms', () => {
  it('marks words folded the way the index folds them, and escapes the rest', () => {
    expect(markTerms('Emisión del DUI <rápida>', { words: new Set(['dui']), prefixes: ['emis'] })).toBe(
      '<mark>Emisión</mark> del <mark>DUI</mark> &lt;rápida&gt;',
    );
  });

  it('gives each search its own marks for a text it has seen before', () => {
    const text = 'Renovación del pasaporte en línea';
    expect(markTerms(text, { words: new Set(['pasaporte']), prefixes: [] })).toBe('Renovación del <mark>pasaporte</mark> en línea');
    expect(markTerms(text, { words: new Set(['linea']), prefixes: ['renov'] })).toBe('<mark>Renovación</mark> del pasaporte en <mark>línea</mark>');
    expect(markTerms(text, { words: new Set(), prefixes: [] })).toBe(text);
  });

  it('marks another form of a word when the search asked for its stem', () => {
    const text = 'Divorcio por mutuo consentimiento';
    expect(markTerms(text, { words: new Set(), prefixes: [], stems: new Set(['divorci']) })).toBe('<mark>Divorcio</mark> por mutuo consentimiento');
    // The same text, read again by a search without stems, marks nothing.
    expect(markTerms(text, { words: new Set(), prefixes: [] })).toBe(text);
  });
});
