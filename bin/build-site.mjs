import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stampFile = join(root, 'dist', '.sources-hash');
// What the built site depends on: pages, and the store/search code they bundle.
const SOURCES = ['site', 'store', 'search', 'api', 'data/search', 'data/safety', 'data/catalog-home.json', 'astro.config.mjs', 'package-lock.json'];

function* files(path) {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) yield* files(join(path, name));
  } else {
    yield path;
  }
}

function sourcesHash() {
  const hash = createHash('sha256');
  for (const source of SOURCES) {
    for (const file of files(join(root, source))) {
      if (file.endsWith('.test.ts')) continue;
      hash.update(file.slice(root.length));
      hash.update(readFileSync(file));
    }
  }
  return hash.digest('hex');
}

/** Runs `astro build` unless dist/ was built from exactly these sources. */
export async function ensureSiteBuilt({ force = false } = {}) {
  const hash = sourcesHash();
  if (!force && existsSync(join(root, 'dist/server/entry.mjs')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return;
  console.log('Preparando el sitio (astro build)…');
  const astro = join(root, 'node_modules', 'astro', 'bin', 'astro.mjs');
  const result = spawnSync(process.execPath, [astro, 'build', '--silent'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) {
    console.error('No se pudo construir el sitio (astro build falló; vea el error arriba).');
    process.exit(1);
  }
  writeFileSync(stampFile, hash);
}

if (import.meta.url === `file://${process.argv[1]}`) await ensureSiteBuilt({ force: process.argv.includes('--force') });
