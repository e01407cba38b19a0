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

const OFFICE_DETAILS = ['address', 'phone', 'hours', 'fee', 'note'] as const;

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

/** The contact fields of an institution record that evidence must back (data/evidence/institutions/). */
const INSTITUTION_DETAILS = ['description', 'website', 'address', 'hours', 'phone', 'email'] as const;
const INFORMATION_OFFICE_DETAILS = ['name', 'email', 'phone', 'address', 'url'] as const;

/**
 * Every detail of an institution record a person could act on (what it does, where, when, how to
 * reach it, its information office), as field and text, like `detailsOf` for an entry.
 *
 * @example institutionDetailsOf({ slug: 'mh', name: 'Ministerio de Hacienda', phone: '2244-3444' }) // [{ field: 'phone', text: '2244-3444' }]
 */
export function institutionDetailsOf(record: Record<string, unknown>): { field: string; text: string }[] {
  const out: { field: string; text: string }[] = [];
  for (const field of INSTITUTION_DETAILS) {
    const value = record[field];
    if (typeof value === 'string' && value) out.push({ field, text: value });
  }
  const office = record.information_office as Record<string, unknown> | undefined;
  for (const key of INFORMATION_OFFICE_DETAILS) {
    const value = office?.[key];
    if (typeof value === 'string' && value) out.push({ field: `information_office.${key}`, text: value });
  }
  return out;
}

/**
 * The evidence of an institution after a correction: new facts added, facts of values the record
 * no longer has dropped, exact repeats once (as `mergedEvidence` does for an entry).
 */
export function mergedInstitutionEvidence(
  evidence: EvidenceFile,
  added: EvidenceFact[],
  record: Record<string, unknown>,
  day: string,
  withdrawn: WithdrawnFact[] = [],
): MergedEvidence {
  return mergedFacts(evidence, added, institutionDetailsOf(record), day, () => false, withdrawn);
}

/** The merge both share: facts kept while `details` has their text (or `keep` says so) and none withdraws them, repeats once. */
function mergedFacts(
  evidence: EvidenceFile,
  added: EvidenceFact[],
  details: { field: string; text: string }[],
  day: string,
  keep: (fact: EvidenceFact) => boolean,
  withdrawn: WithdrawnFact[],
): MergedEvidence {
  // A reviewer who finds a wrong page or quote behind text she keeps names that fact: it goes,
  // even though its text stays (her right fact for it comes in `added`).
  const unmatched = withdrawn.filter((gone) => !evidence.facts.some((fact) => withdraws(gone, fact)));
  const old = evidence.facts.filter((fact) => !withdrawn.some((gone) => withdraws(gone, fact)));
  const present = new Set(details.map((detail) => `${detail.field}\u0000${detail.text}`));
  const seen = new Set<string>();
  const facts: EvidenceFact[] = [];
  let dropped = evidence.facts.length - old.length;
  for (const fact of [...old, ...added]) {
    const detail = `${fact.field}\u0000${fact.text}`;
    if (!present.has(detail) && !keep(fact)) {
      dropped++;
      continue;
    }
    const repeat = `${detail}\u0000${fact.source ?? ''}\u0000${fact.quote ?? ''}\u0000${fact.hedge ? 'hedge' : ''}`;
    if (seen.has(repeat)) continue;
    seen.add(repeat);
    facts.push(fact);
  }
  return { evidence: { ...evidence, checked_on: day, facts }, dropped, unmatched };
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
 * exact repeats once; the facts `withdrawn` names go too, text kept or not. `dropped` counts what
 * went; `unmatched` is what `withdrawn` named that the evidence does not have (a typo to report).
 */
export function mergedEvidence(
  evidence: EvidenceFile,
  added: EvidenceFact[],
  entry: ProcedureDocument,
  day: string,
  withdrawn: WithdrawnFact[] = [],
): MergedEvidence {
  return mergedFacts(evidence, added, detailsOf(entry), day, (fact) => fact.field === 'offices.name' && fact.text === '*', withdrawn);
}

export interface MergedEvidence {
  evidence: EvidenceFile;
  dropped: number;
  unmatched: WithdrawnFact[];
}

/** A fact a reviewer withdraws: its field and text, and its page (and quote) when one text has several. */
export interface WithdrawnFact {
  field: string;
  text: string;
  source?: string;
  quote?: string;
}

function withdraws(gone: WithdrawnFact, fact: EvidenceFact): boolean {
  return (
    gone.field === fact.field &&
    gone.text === fact.text &&
    (gone.source === undefined || gone.source === fact.source) &&
    (gone.quote === undefined || gone.quote === fact.quote)
  );
}

// Figures a person acts on: dollar amounts and phone numbers. A detail that states one must have
// it in the words of a page (a quote), or the figure was never checked. Quotes write figures in
// many ways («$30.000.00», «$31,822,759.38», «TRES 00/100 DÓLARES», «un dólar»), so both sides are
// read as numbers before they are compared.

const NUMBER_WORDS: Record<string, number> = {
  un: 1,
  uno: 1,
  una: 1,
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  seis: 6,
  siete: 7,
  ocho: 8,
  nueve: 9,
  diez: 10,
  once: 11,
  doce: 12,
  trece: 13,
  catorce: 14,
  quince: 15,
  dieciseis: 16,
  diecisiete: 17,
  dieciocho: 18,
  diecinueve: 19,
  veinte: 20,
  treinta: 30,
  cuarenta: 40,
  cincuenta: 50,
  sesenta: 60,
  setenta: 70,
  ochenta: 80,
  noventa: 90,
  cien: 100,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  ten: 10,
  twelve: 12,
  twenty: 20,
  hundred: 100,
  veintiuno: 21,
  veintidos: 22,
  veintitres: 23,
  veinticuatro: 24,
  veinticinco: 25,
  veintiseis: 26,
  veintisiete: 27,
  veintiocho: 28,
  veintinueve: 29,
  mil: 1000,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  fifteen: 15,
  eighteen: 18,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  ninety: 90,
};
const MILLIONS = /^\s*(millones|millón|millon|million)/i;
/** How a page says that something costs nothing: what backs an amount of $0. */
const FREE = /gratu|gratis|costo:\s*ningun|sin (ningún )?(costo|cobro|pago)|no tiene (ningún )?costo|ningún costo|no (se )?cobra|no pagan?|exent|free/i;

/** A written number as a value: «1,000», «28,571.43», «30.000.00», «30.000,50», «0.20», «3». */
function numberValue(written: string): number {
  let text = written;
  const dots = (text.match(/\./g) ?? []).length;
  const commas = (text.match(/,/g) ?? []).length;
  if (dots > 1 || (dots === 1 && commas === 0 && /\.\d{3}$/.test(text) && !/^0\./.test(text))) {
    // «30.000.00» or «30.000»: dots separate thousands (a last group of two digits is the cents).
    const last = /\.(\d{2})$/.exec(text);
    text = last && dots > 1 ? `${text.slice(0, -3).replace(/\./g, '')}.${last[1]}` : text.replace(/\./g, '');
  } else if (commas === 1 && dots === 0 && /,\d{1,2}$/.test(text)) {
    text = text.replace(',', '.'); // «30,50»: a decimal comma
  } else {
    text = text.replace(/,/g, '');
  }
  return Number(text);
}

/** Every number a quote says, in digits or in words, with «millones» applied. */
function quotedNumbers(quote: string): number[] {
  const values: number[] = [];
  const folded = quote
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  for (const match of folded.matchAll(/\d[\d.,]*\d|\d/g)) {
    const value = numberValue(match[0]);
    const after = folded.slice((match.index ?? 0) + match[0].length);
    values.push(MILLIONS.test(after) ? value * 1_000_000 : value);
  }
  for (const match of folded.matchAll(/[a-z]+/g)) {
    const value = NUMBER_WORDS[match[0]];
    if (value === undefined) continue;
    const after = folded.slice((match.index ?? 0) + match[0].length);
    values.push(MILLIONS.test(after) ? value * 1_000_000 : value);
  }
  return values;
}

/** The digits of every phone number a text writes (dddd-dddd, or eight digits in a quote). */
function phonesIn(text: string, loose: boolean): string[] {
  const pattern = loose ? /\b([2-7]\d{3})\s*[-–]?\s*(\d{4})\b/g : /\b([2-7]\d{3})-(\d{4})\b/g;
  const phones = [...text.matchAll(pattern)].filter((m) => !(/^(19|20)\d\d$/.test(m[1]) && /^(19|20)\d\d$/.test(m[2]))).map((m) => `${m[1]}${m[2]}`);
  // «2591-3260/3261»: a page's second number with the same first four digits left out.
  if (loose) for (const m of text.matchAll(/\b([2-7]\d{3})[-–]\d{4}\s*\/\s*(\d{4})\b/g)) phones.push(`${m[1]}${m[2]}`);
  return phones;
}

/**
 * The dollar amounts and phone numbers of a detail that none of its quotes says. «más de $31
 * millones» is said by «$31,822,759.38»: an amount in millions matches a quoted value with the
 * same whole millions, or the same millions to one decimal.
 *
 * @example unquotedFigures('Pague $3 en la ventanilla', ['pagar TRES 00/100 DÓLARES']) // []
 * @example unquotedFigures('Llame al 2244-3444', ['Centro de Atención Exprés']) // ['2244-3444']
 * @example unquotedFigures('$0', ['El servicio es gratuito']) // [] (a page saying «free» backs $0)
 */
export function unquotedFigures(text: string, quotes: readonly string[]): string[] {
  const quoted = quotes.flatMap(quotedNumbers);
  const quotedPhones = new Set(quotes.flatMap((quote) => phonesIn(quote, true)));
  const missing: string[] = [];
  for (const match of text.matchAll(/(?:\$|USD\s?)\s?(\d[\d.,]*\d|\d)/g)) {
    const written = match[1];
    const value = numberValue(written);
    const after = text.slice((match.index ?? 0) + match[0].length);
    if (MILLIONS.test(after)) {
      const said = quoted.some((q) => q === value * 1_000_000 || Math.floor(q / 1_000_000) === value || Math.round(q / 100_000) / 10 === value);
      if (!said) missing.push(`$${written} millones`);
    } else if (!quoted.includes(value) && !(value === 0 && quotes.some((quote) => FREE.test(quote)))) {
      missing.push(`$${written}`);
    }
  }
  for (const phone of phonesIn(text, false)) {
    if (!quotedPhones.has(phone)) missing.push(`${phone.slice(0, 4)}-${phone.slice(4)}`);
  }
  return missing;
}

/**
 * The other numbers of a detail that none of its quotes says: counts, days, ages, articles,
 * percentages («hasta 30 pasajeros», «art. 152», «1,000 personas al año»). Left out: dollar amounts
 * and phones (see `unquotedFigures`), years (a page's date is seldom in its words), clock times, and
 * the number of a form or a fee code written against its letters («F14», «F-910», «F-19»).
 *
 * @example unquotedCounts('Buses de hasta 30 pasajeros', ['licencia para buses']) // ['30']
 * @example unquotedCounts('Durante sus primeros 90 días', ['less than ninety consecutive days']) // []
 * @example unquotedCounts('Desde marzo de 2026, de 8:00 a 4:00', []) // []
 */
export function unquotedCounts(text: string, quotes: readonly string[]): string[] {
  const quoted = new Set(quotes.flatMap(quotedNumbers));
  const missing: string[] = [];
  for (const match of text.matchAll(/\d[\d.,]*\d|\d/g)) {
    const written = match[0];
    const start = match.index ?? 0;
    const before = text.slice(Math.max(0, start - 5), start);
    const after = text.slice(start + written.length, start + written.length + 2);
    if (/(\$|USD\s?)\s?$/.test(before)) continue; // an amount
    if (/[A-Za-z]-?$/.test(before) || /^[A-Za-z]/.test(after)) continue; // a form or code: F14, F-910
    if (/^:\d/.test(after) || /\d:$/.test(before)) continue; // a clock time
    if (/^\d{4}$/.test(written) && (/^[-–]\d/.test(after) || /\d[-–/]$/.test(before))) continue; // a half of a phone: 2591-3260/3261
    if (/^(19|20)\d\d$/.test(written)) continue; // a year
    const value = numberValue(written.replace(/[.,]$/, ''));
    if (!quoted.has(value)) missing.push(written);
  }
  return missing;
}

/**
 * The years a detail gives that neither a quote nor a source address of its entry says. Not a
 * failure (a page's date is seldom in its words, and many addresses carry it): a reader's worklist,
 * since «desde marzo de 2026» or «en diciembre de 2025» is a claim someone should see dated.
 *
 * @example unsaidYears('Desde marzo de 2026', ['el RNPN ya no pide la partida'], ['https://x.sv/2026/03/04/rnpn']) // []
 * @example unsaidYears('En diciembre de 2025', ['firmaron un convenio'], ['https://x.sv/convenio']) // ['2025']
 */
export function unsaidYears(text: string, quotes: readonly string[], sources: readonly string[]): string[] {
  const said = [...quotes, ...sources].join(' ');
  const years = [...text.matchAll(/(?<!\d[-–]?)\b(?:19|20)\d\d\b(?!\s?[-–]\s?\d{4})/g)].map((match) => match[0]); // not a phone's first half
  return [...new Set(years)].filter((year) => !said.includes(year));
}

/**
 * The office contact facts (phone, e-mail, address, hours) whose page no other detail of the entry
 * cites. Not a failure either: a reader's worklist, since a page that is about nothing else in the
 * entry is often the institution's page for another service, and the line, the desk or the hours it
 * gives may not be this procedure's (reviews found a technical-help line given as an office phone,
 * a residence page's branches given for passports).
 *
 * @example loneOfficeFacts([{ field: 'steps', text: 'Pida cita', source: 'https://x.sv/pasaporte', quote: '…' }, { field: 'offices.phone', text: '2213-7700', source: 'https://x.sv/residencia', quote: '…' }]) // [the phone fact]
 */
export function loneOfficeFacts(facts: readonly EvidenceFact[]): EvidenceFact[] {
  const cited = new Set(facts.flatMap((fact) => (fact.source && !fact.field.startsWith('offices.') ? [fact.source] : [])));
  return facts.filter((fact) => /^offices\.(phone|email|address|hours)$/.test(fact.field) && fact.source !== undefined && !cited.has(fact.source));
}

const MONTHS = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];
const MONTH = `(${MONTHS.join('|')}|setiembre)`;
// «hasta el 31 de agosto de 2026», «plazo hasta junio de 2026», «abrirá en mayo de 2026»: words
// that make a date a deadline or a promise, which reads wrong once the date has passed.
const AHEAD =
  /(?<!\p{L})(hasta|plazo|vence|vencen|venció|antes de|antes del|límite|limite|podrá|podrán|será|serán|abrirá|abre|cierra|cerrará|próxim[oa]s?|vigente hasta|a más tardar)(?!\p{L})/iu;
// «En marzo de 2026 el Gobierno propuso una reforma», «el RNPN anunció que podrá…», «no encontramos
// si ya fue aprobada», «en 2025 se informó que se implementará…»: a stage, a plan, a doubt or a
// future written on that date, which time may have settled.
// Looked for in the date's own sentence, before or after it.
const STAGE =
  /(?<!\p{L})(anunció|anunciaron|anuncia|propuso|propusieron|propuesta|proyecto de ley|prevé|previsto|prevista|previstos|previstas|estudia|estudiaba|en estudio|dictamen|aún no|todavía|no encontramos|será|serán|habrá|implementará|entrará|comenzará|iniciará)(?!\p{L})/iu;

export interface PassedDate {
  /** The words as the text has them: «31 de agosto de 2026», «junio de 2026». */
  said: string;
  /** The last day the words can mean, AAAA-MM-DD. */
  last: string;
  /** A deadline or promise word stands just before it, or its sentence tells a stage or a plan: read these first. */
  ahead: boolean;
}

/** The sentence around `index..end` of `text`, at most `reach` characters each way. */
function sentenceAround(text: string, index: number, end: number, reach: number): string {
  const before = text.slice(Math.max(0, index - reach), index);
  const after = text.slice(end, end + reach);
  const start = before.lastIndexOf('. ');
  const stop = after.indexOf('. ');
  return `${start >= 0 ? before.slice(start + 2) : before} ${stop >= 0 ? after.slice(0, stop) : after}`;
}

/**
 * The dates a detail names («31 de agosto de 2026», «junio de 2026») whose last day is before
 * `today`. Not a failure either: a reader's worklist. Round 52's outdated entries were of this
 * kind: a deadline, a call or a reform's stage written when it lay ahead, that time has since passed
 * over (not every one names a full date, so the list finds candidates, not all). A date said in the
 * past («vigente desde el 24 de diciembre de 2024») is fine; `ahead` marks the ones a deadline or
 * promise word introduces, or whose sentence tells a plan, a proposal or a doubt.
 *
 * @example passedDates('El RNPN tiene plazo hasta junio de 2026', '2026-12-04') // [{ said: 'junio de 2026', last: '2026-06-30', ahead: true }]
 * @example passedDates('En marzo de 2026 el Gobierno propuso una reforma', '2026-12-04') // [{ said: 'marzo de 2026', last: '2026-03-31', ahead: true }]
 * @example passedDates('La inscripción abre en enero de 2027', '2026-12-04') // []
 */
export function passedDates(text: string, today: string): PassedDate[] {
  const out: PassedDate[] = [];
  const pattern = new RegExp(`(?:\\b(\\d{1,2})(?:º|°)? de )?\\b${MONTH}(?: de | del |,? )((?:19|20)\\d\\d)\\b`, 'gi');
  for (const match of text.matchAll(pattern)) {
    const [said, day, monthName, year] = match;
    const month = monthName.toLowerCase() === 'setiembre' ? 9 : MONTHS.indexOf(monthName.toLowerCase()) + 1;
    const lastDay = day ? Number(day) : new Date(Date.UTC(Number(year), month, 0)).getUTCDate();
    const last = `${year}-${String(month).padStart(2, '0')}-${String(lastDay).padStart(2, '0')}`;
    if (last >= today) continue;
    const before = text.slice(Math.max(0, match.index - 40), match.index);
    const ahead = AHEAD.test(before) || STAGE.test(sentenceAround(text, match.index, match.index + said.length, 120));
    out.push({ said, last, ahead });
  }
  return out;
}

/** A detail of an entry that names dates already passed (see `passedDates`). */
export interface DatedDetail {
  field: string;
  text: string;
  dates: PassedDate[];
  /** One of its dates is a deadline, a promise or a stage: read it first. */
  ahead: boolean;
}

/**
 * The details of an entry that name a date already passed, those with a deadline, a promise or a
 * stage first, each once: the `dates` worklist, and what the officer's edit page asks to re-read.
 *
 * @example datedDetails(entry, '2026-12-04') // [{ field: 'requirements', text: 'Plazo hasta junio de 2026', dates: [...], ahead: true }]
 */
export function datedDetails(doc: ProcedureDocument, today: string): DatedDetail[] {
  const seen = new Set<string>();
  const out: DatedDetail[] = [];
  for (const detail of detailsOf(doc)) {
    const dates = passedDates(detail.text, today);
    const key = `${detail.field}\u0000${detail.text}`;
    if (dates.length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push({ ...detail, dates, ahead: dates.some((date) => date.ahead) });
  }
  return [...out.filter((d) => d.ahead), ...out.filter((d) => !d.ahead)];
}
