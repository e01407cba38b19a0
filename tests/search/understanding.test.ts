import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { buildConcepts, matchConcepts, type ConceptFile } from '../../search/concepts.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { plainQuery, planQuery } from '../../search/plan.ts';
import { spanishStem, stemText } from '../../search/stems.ts';
import { buildThesaurus } from '../../search/synonyms.ts';
import { reindexAll } from '../../store/catalog/search-index.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

// Inline concept data, so these tests do not move when data/search/concepts.json grows.
const spanish: ConceptFile = {
  entries: [
    { id: 'violencia-pareja', when: ['me golpea', 'mi esposo me pega'], means: ['violencia contra la mujer', 'medidas de proteccion'] },
    { id: 'divorcio', when: ['divorciarme'], means: ['divorcio'] },
  ],
};
const english: ConceptFile = { entries: [{ id: 'passport', when: ['renew passport'], means: ['renovacion pasaporte'] }] };
const thesaurus = buildThesaurus();
const book = buildConcepts(new Set([...thesaurus.stopWords, ...thesaurus.filler]), { spanish, english });

describe('Spanish word forms', () => {
  it('gives the forms of one word the same folded stem', () => {
    expect(new Set(['vacunación', 'vacunaron', 'vacuna'].map(spanishStem))).toEqual(new Set(['vacun']));
    expect(spanishStem('Divorciándome')).toBe(spanishStem('divorcio'));
    expect(stemText('Renovación de pasaportes')).toBe('renov de pasaport');
  });

  it('plans stems beside the word, and does not «correct» another form of a catalog word', () => {
    const group = planQuery('divorciándome ', thesaurus, null).groups[0];
    expect(group.exact[0].words).toEqual(['divorciandome']);
    expect(group.stems.map((stem) => stem.words[0])).toContain('divorci');
  });
});

describe('questions and filler', () => {
  it('drops how people ask and keeps what they ask about', () => {
    const plan = planQuery('¿qué necesito para sacar mi pasaporte?', thesaurus, null);
    expect(plan.groups.map((group) => group.typed)).toEqual(['sacar', 'pasaporte']);
    expect(plan.intent).toBe('requirements');
  });

  it('reads cost and office questions', () => {
    expect(planQuery('cuánto cuesta la licencia', thesaurus, null).intent).toBe('cost');
    expect(planQuery('dónde saco el dui', thesaurus, null).intent).toBe('offices');
    expect(planQuery('partida de nacimiento', thesaurus, null).intent).toBeNull();
  });

  it('drops «El Salvador» (the whole catalog is of El Salvador) but keeps «San Salvador», a place', () => {
    expect(planQuery('casarse en El Salvador', thesaurus, null).groups.map((group) => group.typed)).toEqual(['casarse']);
    expect(planQuery('get married in el salvador', thesaurus, null).groups.map((group) => group.typed)).not.toContain('salvador');
    expect(planQuery('alcaldía de San Salvador', thesaurus, null).groups.map((group) => group.typed)).toContain('salvador');
    // Alone, it is what she looks for.
    expect(planQuery('El Salvador', thesaurus, null).groups.map((group) => group.typed)).toContain('salvador');
  });

  it('searches a query of question words only as typed', () => {
    expect(planQuery('requisitos', thesaurus, null).groups.map((group) => group.typed)).toEqual(['requisitos']);
  });
});

describe('concepts and English as data', () => {
  it('matches a «when» phrase by its content words, in any form and order', () => {
    for (const query of [['golpeó'], ['golpea'], ['golpear'], ['esposo', 'golpea']]) {
      expect(matchConcepts(query, book).map((match) => match.concept.id)).toEqual(['violencia-pareja']);
    }
    expect(matchConcepts(['pega', 'esposo'], book).map((match) => match.concept.id)).toEqual(['violencia-pareja']);
    expect(matchConcepts(['esposo'], book)).toEqual([]);
    expect(matchConcepts(['renewing', 'my', 'passport'], book).map((match) => match.concept.id)).toEqual(['passport']);
  });

  it('turns a concept into one group of catalog words, and a plain query for Meilisearch', () => {
    const plan = planQuery('how do I renew my passport', thesaurus, null, book);
    expect(plan.groups).toHaveLength(1);
    expect(plan.groups[0].concept).toBe('passport');
    expect(plainQuery(plan, null)).toBe('renovacion pasaporte');
  });
});

describe('the embedded engine on the seed catalog', () => {
  let t: TestStore;
  let engine: ReturnType<typeof createEmbeddedSearch>;
  beforeAll(async () => {
    t = await createTestStore('seed');
    engine = createEmbeddedSearch(t.store.db, { concepts: book });
  });
  afterAll(() => t.cleanup());
  const top = async (query: string, allWords = false) => (await engine.search({ query, page: 1, limit: 3, allWords })).hits.map((hit) => hit.slug);

  it('finds a procedure by another form of its words', async () => {
    expect(await top('divorciándome')).toContain('marginacion-divorcio-partida');
    expect((await top('vacunaron')).slice(0, 2)).toEqual(expect.arrayContaining(['vacunacion-esquema-infantil-y-adultos']));
  });

  it('ranks what a concept means before incidental words of the query', async () => {
    const slugs = await top('mi esposo me golpea');
    expect(slugs.some((slug) => slug.startsWith('pension'))).toBe(false);
    expect(slugs).toContain('linea-atencion-mujeres-violencia-isdemu');
  });

  it('finds Spanish procedures for English words without changing Spanish ranking', async () => {
    expect((await top('renew passport'))[0]).toBe('renovacion-pasaporte');
    expect((await top('renovar pasaporte'))[0]).toBe('renovacion-pasaporte');
  });

  it('never lets what people do («saco», «pongo», «renovar») decide the match over what they name', async () => {
    // Entries whose steps say «solicitud» or «tramitar» used to outrank the certificate itself.
    expect((await top('cómo saco los antecedentes penales'))[0]).toBe('constancia-antecedentes-penales');
    expect(await top('donde saco la solvencia de la policia')).toContain('solvencia-pnc-antecedentes-policiales');
    // «pongo» is how the question is asked (filler), not a misspelling of «ponga».
    expect((await top('¿cómo pongo una denuncia?')).some((slug) => slug === 'denuncia-delito-pnc' || slug === 'denuncia-fiscalia-general')).toBe(true);
    // The action still ranks: the renewal in the title before a licence that mentions renewing.
    expect(await top('renovar licencia')).toContain('renovacion-licencia-conducir');
  });

  it('brings the cost into each hit when the question asks for it', async () => {
    const result = await engine.search({ query: '¿cuánto cuesta el pasaporte?', page: 1, limit: 3 });
    expect(result.intent).toBe('cost');
    for (const hit of result.hits) {
      expect(hit.snippet).toMatchObject({ intent: 'cost', label: 'Costo' });
      // An amount, «Gratuito», or an unknown cost said as such (never «Gratuito» for it).
      expect(hit.snippet?.text).toMatch(/^(\$\d+|Gratuito|Monto no confirmado)/);
    }
    expect(result.hits.some((hit) => /^\$\d+/.test(hit.snippet?.text ?? ''))).toBe(true);
  });

  it('requires every word for suggestions as you type', async () => {
    const loose = await engine.search({ query: 'pasaporte zzzz', page: 1, limit: 6 });
    const strict = await engine.search({ query: 'pasaporte zzzz', page: 1, limit: 6, allWords: true });
    expect(loose.total).toBeGreaterThan(0);
    expect(strict.total).toBe(0);
    const suggestions = await engine.search({ query: 'sacar dui', page: 1, limit: 6, allWords: true });
    expect(suggestions.hits.length).toBeGreaterThan(0);
    expect(suggestions.hits[0].slug).toBe('emision-dui-primera-vez');
    // «sacar» is what people do, not what they look for: every suggestion has the DUI.
    expect(suggestions.hits.every((hit) => /dui|documento [uú]nico/i.test(`${hit.title} ${hit.summary}`) || hit.slug.includes('dui'))).toBe(true);
    expect(suggestions.hits.some((hit) => hit.slug.includes('sindicato'))).toBe(false);
  });

  it('rebuilds the index with its stems from the catalog (migration 0019)', async () => {
    const count = await t.store.write(async (tx) => {
      await tx.execute('DELETE FROM procedure_search');
      return reindexAll(tx);
    });
    expect(count).toBeGreaterThan(50);
    const fresh = createEmbeddedSearch(t.store.db, { concepts: book });
    expect((await fresh.search({ query: 'divorciándome', page: 1, limit: 3 })).hits.map((hit) => hit.slug)).toContain('marginacion-divorcio-partida');
    const stems = await t.store.db.execute('SELECT count(*) AS n FROM procedure_search WHERE procedure_search MATCH \'stems : "pasaport"\'');
    expect(Number(stems.rows[0].n)).toBeGreaterThan(0);
  });
});

describe('/api/search', () => {
  let t: TestStore;
  let api: ReturnType<typeof createApi>;
  beforeAll(async () => {
    t = await createTestStore('seed');
    api = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, remoteAddress: () => '203.0.113.7' });
  });
  afterAll(() => t.cleanup());
  const search = async (query: string) => {
    const response = await api.request(`/api/search?${query}`);
    return { status: response.status, body: (await response.json()) as any, headers: response.headers };
  };

  it('answers danger first, with the help text, and keeps it out of shared caches', async () => {
    const { body, headers } = await search(`q=${encodeURIComponent('me están golpeando')}`);
    expect(body.danger.level).toBe('immediate');
    expect(body.danger.text).toContain('911');
    expect(body.danger.calls[0]).toEqual({ number: '911', href: 'tel:911' });
    expect(headers.get('Cache-Control')).toBe('no-store');
    const violence = await search(`q=${encodeURIComponent('mi esposo me golpea')}`);
    expect(violence.body.danger.level).toBe('violence');
    expect((await search('q=pasaporte')).body.danger).toBeUndefined();
  });

  it('takes modo=sugerencias and refuses another mode in Spanish', async () => {
    expect((await search('q=pasaporte%20zzzz&modo=sugerencias')).body.total).toBe(0);
    const bad = await search('q=dui&modo=todo');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('modo');
  });

  it('brings the requirements into each hit for «qué necesito»', async () => {
    const { body } = await search(`q=${encodeURIComponent('qué necesito para renovar la licencia')}`);
    expect(body.intent).toBe('requirements');
    expect(body.hits[0].snippet.label).toBe('Requisitos');
  });
});
