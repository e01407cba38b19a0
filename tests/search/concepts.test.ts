import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import spanishConcepts from '../../data/search/concepts.json' with { type: 'json' };
import englishConcepts from '../../data/search/english.json' with { type: 'json' };
import questionData from '../../data/search/questions-es.json' with { type: 'json' };
import stopWordData from '../../data/search/stopwords-es.json' with { type: 'json' };
import type { SearchEngine } from '../../search/engine.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { foldText } from '../../search/query.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

interface ConceptEntry {
  id: string;
  when: string[];
  means: string[];
  expect: string[];
}

const SPANISH: ConceptEntry[] = spanishConcepts.entries;
const ENGLISH: ConceptEntry[] = englishConcepts.entries;

/** The seed catalog as written in data/catalog, with the searchable text of each procedure folded. */
const CATALOG = new Map<string, string>(
  readdirSync(new URL('../../data/catalog/', import.meta.url))
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => JSON.parse(readFileSync(new URL(`../../data/catalog/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>[])
    .map((doc) => [
      String(doc.slug),
      foldText([doc.title, doc.summary, doc.audience, doc.keywords, doc.requirements, doc.documents, doc.steps].flat().filter(Boolean).join(' ')),
    ]),
);

const words = (text: string) => foldText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
const STOP_WORDS = new Set([...stopWordData, ...questionData.filler].map(foldText));
/** Question phrases («dirección», «qué papeles», «precio»): the planner takes them out before it looks for concepts. */
const QUESTIONS = Object.values(questionData.intents).flatMap((phrases) => phrases.map(words));
const asks = (phrase: string) => {
  const all = words(phrase);
  // Stop words leave both the query and the phrase, so only a question phrase with other words counts.
  return QUESTIONS.some((question) => question.some((word) => !STOP_WORDS.has(word)) && all.some((_, i) => question.every((word, k) => all[i + k] === word)));
};

// How people write the same words with their accents; every `when` phrase is also searched this way.
const ACCENTED: Record<string, string> = {
  murio: 'murió',
  nacio: 'nació',
  fallecio: 'falleció',
  perdi: 'perdí',
  perdio: 'perdió',
  case: 'casé',
  divorcie: 'divorcié',
  mude: 'mudé',
  cambie: 'cambié',
  compre: 'compré',
  vendi: 'vendí',
  contrate: 'contraté',
  pais: 'país',
  vencio: 'venció',
  regrese: 'regresé',
  volvi: 'volví',
  cumpli: 'cumplí',
  sali: 'salí',
  quede: 'quedé',
  termine: 'terminé',
  pague: 'pagué',
  gradue: 'gradué',
  estudie: 'estudié',
  estudio: 'estudió',
  quebre: 'quebré',
  arruino: 'arruinó',
  mojo: 'mojó',
  cayo: 'cayó',
  paro: 'paró',
  llego: 'llegó',
  cobro: 'cobró',
  desaparecio: 'desapareció',
  mexico: 'méxico',
  espana: 'españa',
  bebe: 'bebé',
  papa: 'papá',
  mama: 'mamá',
  esta: 'está',
  estan: 'están',
  cafe: 'café',
  cafeteria: 'cafetería',
  tetano: 'tétano',
  estomago: 'estómago',
  ingles: 'inglés',
  maiz: 'maíz',
  arbol: 'árbol',
  arboles: 'árboles',
  carcel: 'cárcel',
  alcaldia: 'alcaldía',
  policia: 'policía',
  transito: 'tránsito',
  camion: 'camión',
  jubilacion: 'jubilación',
  pupuseria: 'pupusería',
  panaderia: 'panadería',
  mercaderia: 'mercadería',
  lotificacion: 'lotificación',
  tuberia: 'tubería',
  garantia: 'garantía',
  basica: 'básica',
  publica: 'pública',
  publico: 'público',
  medico: 'médico',
  minimo: 'mínimo',
  credito: 'crédito',
  prestamo: 'préstamo',
  dias: 'días',
  mas: 'más',
  regimen: 'régimen',
  union: 'unión',
  nicaraguense: 'nicaragüense',
  domestica: 'doméstica',
  ciudadania: 'ciudadanía',
  agricola: 'agrícola',
  homonimo: 'homónimo',
  aeropuerto: 'aeropuerto',
  extorsion: 'extorsión',
  violacion: 'violación',
  agresion: 'agresión',
  explotacion: 'explotación',
  contaminacion: 'contaminación',
  proteccion: 'protección',
  identificacion: 'identificación',
  computacion: 'computación',
  sucesion: 'sucesión',
  pension: 'pensión',
  vacunacion: 'vacunación',
  devolucion: 'devolución',
  mediacion: 'mediación',
  detras: 'detrás',
};

/** The phrase as typed with its accents, or null when it has none to take. */
function accented(phrase: string): string | null {
  const out = phrase
    .split(' ')
    .map((word) => ACCENTED[word] ?? word)
    .join(' ');
  return out === phrase ? null : out;
}

/** Every query an entry must answer: each phrase, its accented form, and the first one as a person writes it. */
function queriesOf(entry: ConceptEntry, language: 'es' | 'en'): string[] {
  const queries = entry.when.flatMap((phrase) => [phrase, accented(phrase)].filter((query): query is string => query !== null));
  if (language === 'es') queries.push(`Necesito ayuda, ${accented(entry.when[0]) ?? entry.when[0]}`);
  else queries.push(`${entry.when[0][0].toUpperCase()}${entry.when[0].slice(1)}?`);
  return queries;
}

describe('concept vocabulary (data/search/concepts.json, data/search/english.json)', () => {
  const all = [...SPANISH, ...ENGLISH];

  it('has at least 60 situations and 30 English entries, with unique ids', () => {
    expect(SPANISH.length).toBeGreaterThanOrEqual(60);
    expect(ENGLISH.length).toBeGreaterThanOrEqual(30);
    const ids = all.map((entry) => entry.id);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  });

  it('fills every list, with lower-case phrases written once', () => {
    const problems = all.flatMap((entry) => [
      ...(['when', 'means', 'expect'] as const).filter((field) => entry[field].length === 0).map((field) => `${entry.id}: ${field} is empty`),
      ...[...entry.when, ...entry.means]
        .filter((phrase) => phrase.trim() !== phrase || phrase === '' || phrase !== phrase.toLowerCase())
        .map((phrase) => `${entry.id}: «${phrase}» is not a trimmed lower-case phrase`),
      ...entry.when.filter((phrase, index) => entry.when.indexOf(phrase) !== index).map((phrase) => `${entry.id}: «${phrase}» twice`),
    ]);
    expect(problems).toEqual([]);
  });

  it('expects only procedures of the seed catalog', () => {
    expect(all.flatMap((entry) => entry.expect.filter((slug) => !CATALOG.has(slug)).map((slug) => `${entry.id}: ${slug}`))).toEqual([]);
  });

  it('says every situation with some word that is not filler or a question word', () => {
    const empty = SPANISH.flatMap((entry) =>
      entry.when.filter((phrase) => words(phrase).every((word) => STOP_WORDS.has(word))).map((phrase) => `${entry.id}: «${phrase}»`),
    );
    expect(empty, empty.join('\n')).toHaveLength(0);
    // «dirección», «requisitos»… are read as what the person asks about and never reach the concepts.
    const asked = SPANISH.flatMap((entry) => entry.when.filter(asks).map((phrase) => `${entry.id}: «${phrase}»`));
    expect(asked, asked.join('\n')).toHaveLength(0);
  });

  it('means words that the expected procedures use', () => {
    const unused = all.flatMap((entry) =>
      entry.means
        .filter((phrase) => {
          const content = words(phrase).filter((word) => !STOP_WORDS.has(word));
          return !entry.expect.some((slug) => content.every((word) => new RegExp(`\\b${word}`).test(CATALOG.get(slug) ?? '')));
        })
        .map((phrase) => `${entry.id}: «${phrase}»`),
    );
    expect(unused, unused.join('\n')).toHaveLength(0);
  });
});

describe('concepts find their procedures in the top 3 of the seed catalog (embedded engine)', () => {
  let t: TestStore;
  let engine: SearchEngine;
  beforeAll(async () => {
    t = await createTestStore('seed');
    engine = createEmbeddedSearch(t.store.db);
  });
  afterAll(() => t.cleanup());

  async function misses(entry: ConceptEntry, language: 'es' | 'en'): Promise<string[]> {
    const out: string[] = [];
    for (const query of queriesOf(entry, language)) {
      const slugs = (await engine.search({ query, page: 1, limit: 3 })).hits.map((hit) => hit.slug);
      if (!slugs.some((slug) => entry.expect.includes(slug))) out.push(`«${query}» → ${slugs.join(', ') || 'nada'}`);
    }
    return out;
  }

  it.each(SPANISH)('$id', async (entry) => {
    const missed = await misses(entry, 'es');
    expect(missed, `se esperaba ${entry.expect.join(' | ')}:\n${missed.join('\n')}`).toHaveLength(0);
  });

  it.each(ENGLISH)('english: $id', async (entry) => {
    const missed = await misses(entry, 'en');
    expect(missed, `se esperaba ${entry.expect.join(' | ')}:\n${missed.join('\n')}`).toHaveLength(0);
  });
});
