// npm run catalog:import -- FILE [--dry-run] [--borradores] | catalog:export -- FILE | catalog:generate -- --count N --out FILE
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { parseConfig } from '../api/config.ts';
import { isAppError } from '../store/app-error.ts';
import { formatFromFileName, parseExchangeFile, serializeExchangeFile } from '../store/catalog/exchange-files.ts';
import { formatImportReport, importCatalog } from '../store/catalog/import.ts';
import { compactSearchIndex } from '../store/catalog/search-compaction.ts';
import { iteratePublishedDocuments } from '../store/catalog/procedures.ts';
import { generateSyntheticCatalog } from '../store/catalog/synthetic.ts';
import { DATA_DIR, openConfiguredStore, prepareStore } from '../store/seed.node.ts';
import { systemActor } from '../store/policy.ts';
import { systemClock, today } from '../store/clock.ts';

const USAGE = `Uso:
  npm run catalog:import -- ARCHIVO.json|ARCHIVO.csv [--dry-run] [--borradores]
  npm run catalog:export -- ARCHIVO.json|ARCHIVO.csv
  npm run catalog:generate -- --count N --out ARCHIVO.json|ARCHIVO.csv [--seed S]`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function openPreparedStore() {
  const config = parseConfig(process.env);
  const store = await openConfiguredStore(config);
  await prepareStore(store);
  return store;
}

async function runImport(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'dry-run': { type: 'boolean' }, borradores: { type: 'boolean' }, drafts: { type: 'boolean' } },
    allowPositionals: true,
  });
  const file = positionals[0] ?? fail(USAGE);
  const format = formatFromFileName(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    fail(`No se pudo leer el archivo «${file}». Revise la ruta.`);
  }
  const rows = parseExchangeFile(text, format);
  const store = await openPreparedStore();
  const bar =
    rows.length >= 500 && process.stderr.isTTY
      ? new SingleBar({ format: 'Importando [{bar}] {value}/{total} trámites', hideCursor: true }, Presets.shades_classic)
      : null;
  let started = false;
  const report = await importCatalog(store, rows, {
    // Whoever runs a command on the server acts as the system (recorded once in the audit log).
    actor: systemActor('cli'),
    source: 'import',
    dryRun: values['dry-run'],
    // A bulk export is proposed, not published: officers review each entry in /admin/borradores.
    asDrafts: Boolean(values.borradores || values.drafts),
    onProgress: (done, total) => {
      if (!bar) return;
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  bar?.stop();
  // A bulk import splits the search index into many segments: merged now, not by the server later.
  if (report.written) await compactSearchIndex(store);
  store.close();
  const lines = formatImportReport(report);
  (report.issues.length > 0 ? console.error : console.log)(lines.join('\n'));
  if (report.issues.length > 0) process.exit(1);
}

async function runExport(args: string[]): Promise<void> {
  const file = parseArgs({ args, allowPositionals: true }).positionals[0] ?? fail(USAGE);
  const format = formatFromFileName(file);
  const store = await openPreparedStore();
  const documents = [];
  for await (const document of iteratePublishedDocuments(store.db)) documents.push(document);
  store.close();
  writeFileSync(file, serializeExchangeFile(documents, format));
  console.log(`Exportados ${documents.length} trámites a ${file}.`);
}

function runGenerate(args: string[]): void {
  const { values } = parseArgs({ args, options: { count: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } } });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) fail('Indique --count con un número entero entre 1 y 1000000.');
  const out = values.out ?? fail('Indique el archivo de salida con --out ARCHIVO.json');
  const institutions = JSON.parse(readFileSync(new URL('institutions.json', DATA_DIR), 'utf8')) as { slug: string; name: string }[];
  const categories = (JSON.parse(readFileSync(new URL('categories.json', DATA_DIR), 'utf8')) as { slug: string }[]).map((c) => c.slug);
  const documents = generateSyntheticCatalog({
    count,
    seed: values.seed ? Number(values.seed) : undefined,
    institutions,
    categories,
    today: today(systemClock),
  });
  writeFileSync(out, serializeExchangeFile(documents, formatFromFileName(out)));
  console.log(`Generados ${count} trámites sintéticos (marcados "synthetic": true) en ${out}.`);
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'import') await runImport(rest);
  else if (command === 'export') await runExport(rest);
  else if (command === 'generate') runGenerate(rest);
  else fail(USAGE);
} catch (error) {
  if (isAppError(error)) fail(error.message);
  if (error instanceof Error && /^(Unknown option|Unexpected argument)/.test(error.message)) fail(`${error.message}\n${USAGE}`);
  throw error;
}
