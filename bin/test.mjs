// `npm test`: checks Node, checks formatting (prettier) and types, builds the site if its sources
// changed (the end-to-end and page tests serve the real build), then runs the whole vitest suite.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireSupportedNode } from './node-version.mjs';

requireSupportedNode();
const root = fileURLToPath(new URL('..', import.meta.url));
const prettier = fileURLToPath(new URL('../node_modules/prettier/bin/prettier.cjs', import.meta.url));
const formatting = spawnSync(process.execPath, [prettier, '--check', '--log-level', 'warn', '.'], { stdio: 'inherit', cwd: root });
if (formatting.status !== 0) {
  console.error('El formato del código no es el acordado: ejecute «npm run format» y vuelva a probar.');
  process.exit(formatting.status ?? 1);
}
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const typecheck = spawnSync(process.execPath, [tsc, '--noEmit', '-p', '.'], { stdio: 'inherit', cwd: root });
if (typecheck.status !== 0) {
  console.error('La revisión de tipos (tsc) encontró errores; corríjalos antes de probar.');
  process.exit(typecheck.status ?? 1);
}
const { ensureSiteBuilt } = await import('./build-site.mjs');
await ensureSiteBuilt();
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const result = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
