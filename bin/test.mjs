// `npm test`: checks Node, builds the site if its sources changed (the end-to-end and page tests
// serve the real build), then runs the whole vitest suite.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireSupportedNode } from './node-version.mjs';

requireSupportedNode();
const { ensureSiteBuilt } = await import('./build-site.mjs');
await ensureSiteBuilt();
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const result = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
