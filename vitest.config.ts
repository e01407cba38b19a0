import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', '{store,search,api,bot}/**/*.test.ts'],
    // Each file gets its own libSQL file; forks keep native handles apart.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    setupFiles: ['tests/fixtures/fast-check.setup.ts'],
  },
});
