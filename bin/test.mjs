// `npm test`: checks Node, type-checks, builds the site if its sources changed (the end-to-end and
// page tests serve the real build), then runs the whole vitest suite.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireSupportedNode } from './node-version.mjs';

requireSupportedNode();
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const typecheck = spawnSync(process.execPath, [tsc, '--noEmit', '-p', '.'], { stdio: 'inherit', cwd: fileURLToPath(new URL('..', import.meta.url)) });
if (typecheck.status !== 0) {
  console.error('La revisión de tipos (tsc) encontró errores; corríjalos antes de probar.');
  process.exit(typecheck.status ?? 1);
}
const { ensureSiteBuilt } = await import('./build-site.mjs');
await ensureSiteBuilt();
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const result = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
