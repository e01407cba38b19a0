import { editDistance } from '../search/fuzzy.ts';
import { foldName, type TerritoryData } from '../store/territory/territory.ts';

/**
 * Finds a department, municipality or district of El Salvador in free text, typos allowed
 * («soyapngo», «san migel»): what the bot asks when she cannot share a location. Pure: the runner
 * passes the territory (store/territory/territory.ts `listTerritory`).
 */

export interface PlaceMatch {
  department?: string;
  municipality?: string;
  district?: string;
  confidence: 'exact' | 'fuzzy' | 'none';
}

/** Edits allowed for a name of this length: none for short names (a typo there is another place). */
function allowedEdits(length: number): number {
  if (length <= 4) return 0;
  if (length <= 8) return 1;
  return 2;
}

const words = (text: string) =>
  foldName(text)
    .replace(/[^a-z0-9ñ ]+/g, ' ')
    .split(' ')
    .filter(Boolean);

interface Candidate {
  level: 0 | 1 | 2;
  department: string;
  municipality?: string;
  district?: string;
  words: string[];
}

// Only the first words are read: a 4,096-character message is not a place name.
const MAX_WORDS = 40;

function candidatesOf(territory: TerritoryData['departments']): Candidate[] {
  const candidates: Candidate[] = [];
  for (const department of territory) {
    candidates.push({ level: 0, department: department.name, words: words(department.name) });
    for (const municipality of department.municipalities) {
      candidates.push({ level: 1, department: department.name, municipality: municipality.name, words: words(municipality.name) });
      for (const district of municipality.districts) {
        candidates.push({ level: 2, department: department.name, municipality: municipality.name, district: district.name, words: words(district.name) });
      }
    }
  }
  return candidates;
}

const cache = new WeakMap<object, Candidate[]>();

/**
 * The most specific place named in `text`. Where a name is ambiguous (a district name in two
 * departments), the one whose department or municipality is also named wins.
 *
 * @example matchPlace(territory, 'en soyapngo, san salvador') // { department: 'San Salvador', municipality: 'San Salvador Oriente', district: 'Soyapango', confidence: 'fuzzy' }
 */
export function matchPlace(territory: TerritoryData['departments'], text: string): PlaceMatch {
  let candidates = cache.get(territory);
  if (!candidates) {
    candidates = candidatesOf(territory);
    cache.set(territory, candidates);
  }
  const said = words(text).slice(0, MAX_WORDS);
  const found: { candidate: Candidate; distance: number }[] = [];
  for (const candidate of candidates) {
    const n = candidate.words.length;
    if (n === 0 || n > said.length) continue;
    const name = candidate.words.join(' ');
    const limit = allowedEdits(name.length);
    let best = Infinity;
    for (let start = 0; start + n <= said.length && best > 0; start++) {
      const window = said.slice(start, start + n).join(' ');
      if (Math.abs(window.length - name.length) > limit) continue;
      best = Math.min(best, editDistance(window, name));
    }
    if (best <= limit) found.push({ candidate, distance: best });
  }
  if (found.length === 0) return { confidence: 'none' };
  const named = (level: 0 | 1, value: string) =>
    found.some((f) => f.candidate.level === level && (level === 0 ? f.candidate.department : f.candidate.municipality) === value);
  const support = (c: Candidate) => (c.level >= 1 && named(0, c.department) ? 1 : 0) + (c.level === 2 && named(1, c.municipality ?? '') ? 1 : 0);
  found.sort(
    (a, b) =>
      support(b.candidate) - support(a.candidate) ||
      a.distance - b.distance ||
      b.candidate.words.join(' ').length - a.candidate.words.join(' ').length ||
      b.candidate.level - a.candidate.level,
  );
  const { candidate, distance } = found[0];
  return {
    department: candidate.department,
    ...(candidate.municipality ? { municipality: candidate.municipality } : {}),
    ...(candidate.district ? { district: candidate.district } : {}),
    confidence: distance === 0 ? 'exact' : 'fuzzy',
  };
}
