import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // worker.ts imports the built Astro app under this name (wrangler.toml's [alias]); tests run it on Node too.
  resolve: { alias: { 'portal:astro-app': fileURLToPath(new URL('./dist/server/entry.mjs', import.meta.url)) } },
  test: {
    include: ['tests/**/*.test.ts', '{store,search,api,bot}/**/*.test.ts'],
    // Each file gets its own libSQL file; forks keep native handles apart.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The second reads every console line of the run for the texts tests submit (privacy: no personal data in logs).
    reporters: ['default', './tests/fixtures/log-canaries.reporter.ts'],
    setupFiles: ['tests/fixtures/fast-check.setup.ts'],
  },
});
