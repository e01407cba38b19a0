// `npm run worker:build`: the site (astro build, when its sources changed), then the Worker bundle
// exactly as `wrangler deploy` would upload it, into dist/worker/ — with its metafile, so the
// build can refuse a bundle that imports a Node-only module and name the largest modules.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ensureSiteBuilt } from './build-site.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
export const WORKER_DIR = join(root, 'dist', 'worker');
const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

// Cloudflare serves the build's hashed files itself, before the Worker: this tells it they never change.
const HEADERS = `/_astro/*
  Cache-Control: public, max-age=31536000, immutable
  X-Content-Type-Options: nosniff
`;

/** The package a bundled input file belongs to (or the project's own folder). */
function moduleOf(input) {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (inPackage) return inPackage[1];
  if (input.startsWith('dist/server/')) return 'dist/server (páginas de Astro)';
  return (
    input
      .split('/')
      .slice(0, input.includes('/') ? 1 : 0)
      .join('/') || input
  );
}

/**
 * Builds the Worker into dist/worker/worker.js. Throws (in Spanish) when the bundle would import a
 * module the Workers runtime does not have, naming who imports it.
 *
 * @returns the bundle's size, gzip size and largest modules
 */
export async function buildWorker({ quiet = false } = {}) {
  await ensureSiteBuilt();
  writeFileSync(join(root, 'dist', 'client', '_headers'), HEADERS);
  const report = bundleWorker({ outDir: WORKER_DIR });
  if (!quiet) {
    console.log(`Worker listo en dist/worker/worker.js: ${Math.round(report.bytes / 1024)} KB, ${Math.round(report.gzipBytes / 1024)} KB con gzip.`);
  }
  return report;
}

/** Bundles the Worker that `config` (a wrangler.toml) describes into `outDir`, and checks it (see buildWorker). */
export function bundleWorker({ config = join(root, 'wrangler.toml'), outDir }) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const metafile = join(outDir, 'meta.json');
  const result = spawnSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--config', config, '--outdir', outDir, '--metafile', metafile], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
  });
  if (result.status !== 0) {
    throw new Error(`No se pudo construir el Worker (wrangler):\n${result.stdout}\n${result.stderr}`);
  }
  const meta = JSON.parse(readFileSync(metafile, 'utf8'));
  const [outputName, output] = Object.entries(meta.outputs).find(([name]) => name.endsWith('.js'));
  // Anything esbuild left outside the bundle must come from the runtime, and workerd without
  // nodejs_compat has none of Node's modules: such an import would fail the Worker at its start.
  const external = output.imports.filter((entry) => entry.external).map((entry) => entry.path);
  if (external.length > 0) {
    // wrangler routes Node's modules through virtual «node-built-in-modules:…» inputs: name who imports those.
    const virtual = (name) => name.startsWith('node-built-in-modules:');
    const bad = new Set([...external, ...Object.keys(meta.inputs).filter(virtual)]);
    const importers = Object.entries(meta.inputs)
      .filter(([name, input]) => !virtual(name) && input.imports.some((entry) => bad.has(entry.path)))
      .map(([name]) => name);
    throw new Error(
      `El Worker importa módulos que Workers no tiene (${[...new Set(external)].join(', ')}), desde: ${importers.join(', ')}. ` +
        'Ese código debe quedar en un archivo *.node.ts, fuera de lo que importa worker.ts.',
    );
  }
  const bundle = readFileSync(join(outDir, outputName.split('/').pop()));
  const sizes = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = moduleOf(input.replace(/^(\.\.\/)+/, ''));
    sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
  }
  const largest = [...sizes].sort((a, b) => b[1] - a[1]).map(([module, bytes]) => ({ module, bytes }));
  return { path: join(outDir, outputName.split('/').pop()), bytes: bundle.length, gzipBytes: gzipSync(bundle, { level: 9 }).length, largest };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const report = await buildWorker();
    for (const { module, bytes } of report.largest.slice(0, 8)) console.log(`  ${String(Math.round(bytes / 1024)).padStart(5)} KB  ${module}`);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
