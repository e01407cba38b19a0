// npm run catalog:review -- draw --seed N [--exclude FILE]... [--count 20]
// npm run catalog:review -- apply DIR... [--day AAAA-MM-DD]
// npm run catalog:review -- years
// npm run catalog:review -- offices
// npm run catalog:review -- dates [--day AAAA-MM-DD]
// npm run catalog:review -- institutions DIR... [--day AAAA-MM-DD]
//
// The catalog review's chores (data/reviews/2026-12-02.md says how rounds are run):
// `draw` prints a round's entries, one slug a line; `apply` puts reviewers' corrected entries
// (DIR/<slug>.json: the whole entry plus `_evidence`, the facts of its new text, and optionally
// `_withdrawn`, facts of kept text whose page or quote was wrong) into data/catalog/ and their
// evidence into data/evidence/, dropping evidence of text that is gone.
// Run `npx vitest run tests/store tests/search` afterwards: the evidence test names any detail
// left without a source or a hedge. `years` lists details whose year no quote or source address
// says: not errors, but the dates a reviewer should look at first. `offices` lists office phones,
// e-mails, addresses and hours quoted from a page that no other detail of the entry cites: often the
// institution's page for another service, so the second thing to read. `institutions` does for
// institution records (DIR/<slug>.json: the whole record plus `_evidence`) what `apply` does for
// entries, into data/institutions*.json and data/evidence/institutions/.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { procedureDocumentSchema, type ProcedureDocument } from '../store/catalog/exchange-format.ts';
import {
  correctedEntry,
  detailsOf,
  drawForReview,
  loneOfficeFacts,
  mergedEvidence,
  mergedInstitutionEvidence,
  datedDetails,
  pendingSlugs,
  unsaidYears,
  type EvidenceFact,
  type EvidenceFile,
  type WithdrawnFact,
} from '../store/catalog/review.ts';
import { institutionDataSchema } from '../store/catalog/reference.ts';
import { systemClock, today } from '../store/clock.ts';
import { DATA_DIR } from '../store/seed.node.ts';

const USAGE = `Uso:
  npm run catalog:review -- draw --seed N [--exclude ARCHIVO]... [--count 20]
  npm run catalog:review -- apply CARPETA... [--day AAAA-MM-DD]
  npm run catalog:review -- years
  npm run catalog:review -- offices
  npm run catalog:review -- dates [--day AAAA-MM-DD]
  npm run catalog:review -- institutions CARPETA... [--day AAAA-MM-DD]`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const catalogDir = new URL('catalog/', DATA_DIR);
const evidenceDir = new URL('evidence/', DATA_DIR);

function catalogFiles(): { file: string; entries: Record<string, unknown>[] }[] {
  return readdirSync(catalogDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, entries: JSON.parse(readFileSync(new URL(file, catalogDir), 'utf8')) as Record<string, unknown>[] }));
}

function writeJson(url: URL, value: unknown): void {
  writeFileSync(url, `${JSON.stringify(value, null, 2)}\n`);
}

/** parseArgs, with an unknown option or a stray word answered by the usage in Spanish, not a stack trace. */
function parsed<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    fail(`Argumentos no válidos (${error instanceof Error ? error.message : String(error)}).\n${USAGE}`);
  }
}

function draw(args: string[]): void {
  const { values } = parsed({
    args,
    options: { seed: { type: 'string' }, exclude: { type: 'string', multiple: true }, count: { type: 'string' } },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) fail(`--seed debe ser un número entero.\n${USAGE}`);
  const count = values.count === undefined ? 20 : Number(values.count);
  if (!Number.isInteger(count) || count < 1) fail('--count debe ser un número entero mayor que cero.');
  const exclude = new Set<string>();
  for (const file of values.exclude ?? []) {
    if (!existsSync(file)) fail(`No existe el archivo de exclusiones ${file}.`);
    for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim()) exclude.add(line.trim());
  }
  const slugs = catalogFiles().flatMap(({ entries }) => entries.map((entry) => String(entry.slug)));
  console.log(drawForReview(slugs, seed, exclude, count).join('\n'));
}

/** The folders and day of `apply` and `institutions`. */
function correctionArgs(args: string[]): { folders: string[]; day: string } {
  const { values, positionals } = parsed({ args, options: { day: { type: 'string' } }, allowPositionals: true });
  if (positionals.length === 0) fail(USAGE);
  const day = values.day ?? today(systemClock);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) fail('--day debe ser una fecha AAAA-MM-DD.');
  return { folders: positionals, day };
}

/** Every reviewer's file of the folders, in name order: the corrected record and its new facts. */
function* corrections(folders: string[]): Generator<{ where: string; corrected: Record<string, unknown>; added: EvidenceFact[]; withdrawn: WithdrawnFact[] }> {
  for (const folder of folders) {
    for (const name of readdirSync(folder)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const {
        _evidence: added = [],
        _withdrawn: withdrawn = [],
        ...corrected
      } = JSON.parse(readFileSync(`${folder}/${name}`, 'utf8')) as Record<string, unknown> & {
        _evidence?: EvidenceFact[];
        _withdrawn?: WithdrawnFact[];
      };
      yield { where: `${folder}/${name}`, corrected, added, withdrawn };
    }
  }
}

/** A withdrawal that matches no fact is a typo: it would leave the wrong fact in place, unnoticed. */
function failOnUnmatched(where: string, evidenceFile: string, unmatched: WithdrawnFact[]): void {
  if (unmatched.length === 0) return;
  const named = unmatched.map((gone) => `${gone.field} «${gone.text}»`).join('; ');
  fail(`${where}: _withdrawn nombra hechos que ${evidenceFile} no tiene: ${named}. Copie field, text (y source) tal como están en ese archivo.`);
}

function apply(args: string[]): void {
  const { folders, day } = correctionArgs(args);
  const files = catalogFiles();
  const changed = new Set<string>();
  // Every correction is read and validated before anything is written: one bad file leaves data/ as it was.
  const evidenceWrites: { url: URL; evidence: EvidenceFile; report: string }[] = [];
  // An entry still waiting for its sources keeps waiting: a file holding only the new facts would
  // claim the rest of the entry has none, and the evidence test would fail on every old detail.
  const pendingUrl = new URL('pending.txt', evidenceDir);
  const pending = new Set(existsSync(pendingUrl) ? pendingSlugs(readFileSync(pendingUrl, 'utf8')) : []);
  const reports: string[] = [];
  for (const { where, corrected, added, withdrawn } of corrections(folders)) {
    const slug = String(corrected.slug);
    const home = files.find(({ entries }) => entries.some((entry) => entry.slug === slug));
    if (!home) fail(`${where}: no hay una entrada «${slug}» en data/catalog.`);
    const index = home.entries.findIndex((entry) => entry.slug === slug);
    const entry = correctedEntry(home.entries[index], corrected, day);
    const parsed = procedureDocumentSchema.safeParse(entry);
    if (!parsed.success)
      fail(`${where}: la entrada corregida no es válida: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    home.entries[index] = entry;
    changed.add(home.file);
    const evidenceUrl = new URL(`${slug}.json`, evidenceDir);
    if (pending.has(slug) && !existsSync(evidenceUrl)) {
      reports.push(
        `${slug}: entrada corregida; sigue en pending.txt, así que sus ${added.length} hechos nuevos no se escriben (guárdelos para cuando tenga sus fuentes)`,
      );
      continue;
    }
    const evidence: EvidenceFile = existsSync(evidenceUrl)
      ? (JSON.parse(readFileSync(evidenceUrl, 'utf8')) as EvidenceFile)
      : { slug, checked_on: day, facts: [] };
    const merged = mergedEvidence(evidence, added, parsed.data, day, withdrawn);
    failOnUnmatched(where, `data/evidence/${slug}.json`, merged.unmatched);
    evidenceWrites.push({
      url: evidenceUrl,
      evidence: merged.evidence,
      report: `${slug}: ${added.length} hechos nuevos, ${merged.dropped} ya sin texto en la entrada`,
    });
  }
  for (const { url, evidence, report } of evidenceWrites) {
    writeJson(url, evidence);
    console.log(report);
  }
  for (const report of reports) console.log(report);
  for (const { file, entries } of files) if (changed.has(file)) writeJson(new URL(file, catalogDir), entries);
}

/** Every seed entry that has an evidence file, with its facts: what the worklists read. */
function* entriesWithEvidence(): Generator<{ entry: Record<string, unknown>; facts: EvidenceFact[] }> {
  for (const { entries } of catalogFiles()) {
    for (const entry of entries) {
      const url = new URL(`${String(entry.slug)}.json`, evidenceDir);
      if (existsSync(url)) yield { entry, facts: (JSON.parse(readFileSync(url, 'utf8')) as EvidenceFile).facts };
    }
  }
}

function years(): void {
  let count = 0;
  for (const { entry, facts } of entriesWithEvidence()) {
    const quotes = facts.flatMap((fact) => (fact.quote ? [fact.quote] : []));
    const sources = facts.flatMap((fact) => (fact.source ? [fact.source] : []));
    const seen = new Set<string>();
    for (const detail of detailsOf(entry as unknown as ProcedureDocument)) {
      const missing = unsaidYears(detail.text, quotes, sources);
      const line = `${String(entry.slug)}\t${detail.field}\t${missing.join(',')}\t${detail.text}`;
      if (missing.length === 0 || seen.has(line)) continue;
      seen.add(line);
      count++;
      console.log(line);
    }
  }
  console.error(`${count} detalles con un año que ninguna cita ni dirección dice.`);
}

/** Details naming a date that has passed, those a deadline or promise word introduces first. */
function dates(args: string[]): void {
  const { values } = parsed({ args, options: { day: { type: 'string' } } });
  const day = values.day ?? today(systemClock);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) fail('--day debe ser una fecha AAAA-MM-DD.');
  const lines: { ahead: boolean; line: string }[] = [];
  for (const { entry } of entriesWithEvidence()) {
    for (const detail of datedDetails(entry as unknown as ProcedureDocument, day)) {
      const line = `${detail.ahead ? 'plazo' : 'fecha'}\t${String(entry.slug)}\t${detail.field}\t${detail.dates.map((date) => date.said).join(', ')}\t${detail.text}`;
      lines.push({ ahead: detail.ahead, line });
    }
  }
  for (const { line } of [...lines.filter((l) => l.ahead), ...lines.filter((l) => !l.ahead)]) console.log(line);
  const ahead = lines.filter((l) => l.ahead).length;
  console.error(
    `${lines.length} detalles nombran una fecha anterior al ${day}; en ${ahead} la precede una palabra de plazo o promesa («hasta», «plazo», «abrirá»…) o su frase cuenta un anuncio, una propuesta o una duda («anunció», «propuso», «no encontramos», «será»): léalos primero.`,
  );
}

function offices(): void {
  let count = 0;
  for (const { entry, facts } of entriesWithEvidence()) {
    for (const fact of loneOfficeFacts(facts)) {
      count++;
      console.log(`${String(entry.slug)}\t${fact.field}\t${fact.source}\t${fact.text}`);
    }
  }
  console.error(`${count} datos de oficinas citados de una página que ningún otro detalle de su entrada cita.`);
}

/** The institution records' files: data/institutions.json, then data/institutions/*.json. */
function institutionFiles(): { url: URL; records: Record<string, unknown>[] }[] {
  const dir = new URL('institutions/', DATA_DIR);
  const urls = [
    new URL('institutions.json', DATA_DIR),
    ...readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => new URL(name, dir)),
  ];
  return urls.map((url) => ({ url, records: JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>[] }));
}

// The order of a record's keys in the files: who it is, then how to reach it, then the check.
const INSTITUTION_KEYS = [
  'slug',
  'name',
  'acronym',
  'website',
  'description',
  'address',
  'hours',
  'phone',
  'email',
  'information_office',
  'source_url',
  'verified_at',
];

function applyInstitutions(args: string[]): void {
  const { folders, day } = correctionArgs(args);
  const files = institutionFiles();
  const dir = new URL('institutions/', evidenceDir);
  const changed = new Set<URL>();
  // As for entries: everything is validated before anything is written.
  const evidenceWrites: { url: URL; evidence: EvidenceFile; report: string }[] = [];
  for (const { where, corrected, added, withdrawn } of corrections(folders)) {
    const slug = String(corrected.slug);
    const home = files.find(({ records }) => records.some((record) => record.slug === slug));
    if (!home) fail(`${where}: no hay una institución «${slug}» en data/institutions.`);
    const parsed = institutionDataSchema.safeParse(corrected);
    if (!parsed.success)
      fail(`${where}: la institución corregida no es válida: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    const record: Record<string, unknown> = {};
    for (const key of INSTITUTION_KEYS) if (corrected[key] !== undefined) record[key] = corrected[key];
    for (const key of Object.keys(corrected)) if (!(key in record)) record[key] = corrected[key];
    home.records[home.records.findIndex((r) => r.slug === slug)] = record;
    changed.add(home.url);
    const url = new URL(`${slug}.json`, dir);
    const evidence: EvidenceFile = existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as EvidenceFile) : { slug, checked_on: day, facts: [] };
    const merged = mergedInstitutionEvidence(evidence, added, record, day, withdrawn);
    failOnUnmatched(where, `data/evidence/institutions/${slug}.json`, merged.unmatched);
    evidenceWrites.push({ url, evidence: merged.evidence, report: `${slug}: ${added.length} hechos nuevos, ${merged.dropped} ya sin valor en el registro` });
  }
  mkdirSync(dir, { recursive: true });
  for (const { url, evidence, report } of evidenceWrites) {
    writeJson(url, evidence);
    console.log(report);
  }
  for (const { url, records } of files) if (changed.has(url)) writeJson(url, records);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'draw') draw(rest);
else if (command === 'apply') apply(rest);
else if (command === 'years') years();
else if (command === 'offices') offices();
else if (command === 'dates') dates(rest);
else if (command === 'institutions') applyInstitutions(rest);
else fail(USAGE);
