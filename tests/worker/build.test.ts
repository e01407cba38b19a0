// What keeps the Worker deployable: the bundle check, the schema it expects, the cron's job choice.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleWorker } from '../../bin/build-worker.mjs';
import { jobsDue, type ScheduledJob } from '../../api/scheduled-jobs.ts';
import { SCHEMA_VERSION } from '../../store/schema-version.ts';

describe('the Worker build', () => {
  it('refuses a bundle that imports a Node-only module, naming the module and who imports it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portal-worker-build-'));
    try {
      writeFileSync(join(dir, 'wrangler.toml'), 'name = "prueba"\nmain = "entrada.ts"\ncompatibility_date = "2026-11-01"\n');
      writeFileSync(join(dir, 'ayuda.ts'), "import { readFileSync } from 'node:fs';\nexport const leer = () => readFileSync('/etc/hostname', 'utf8');\n");
      writeFileSync(join(dir, 'entrada.ts'), "import { leer } from './ayuda.ts';\nexport default { fetch: () => new Response(leer()) };\n");
      expect(() => bundleWorker({ config: join(dir, 'wrangler.toml'), outDir: join(dir, 'out') })).toThrow(/Workers no tiene \(.*fs.*\), desde: .*ayuda\.ts/);
      // The same Worker without the Node import builds.
      writeFileSync(join(dir, 'ayuda.ts'), "export const leer = () => 'hola';\n");
      const report = bundleWorker({ config: join(dir, 'wrangler.toml'), outDir: join(dir, 'out') });
      expect(report.gzipBytes).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('expects the schema of the last migration in store/migrations', () => {
    const versions = readdirSync(new URL('../../store/migrations/', import.meta.url)).map((name) => Number(name.slice(0, 4)));
    expect(SCHEMA_VERSION).toBe(Math.max(...versions));
  });
});

describe('the cron trigger', () => {
  const job = (name: string, everyMs: number): ScheduledJob => ({ name, everyMs, run: async () => undefined });
  const jobs = [job('cada 2 s', 2_000), job('cada 30 s', 30_000), job('cada minuto', 60_000), job('cada hora', 3_600_000), job('cada día', 86_400_000)];
  const names = (at: string) => jobsDue(jobs, Date.parse(at)).map((j) => j.name);

  it('runs the frequent jobs at every tick, hourly ones at minute 0 and daily ones at 00:00 UTC', () => {
    expect(names('2026-11-20T15:17:00.000Z')).toEqual(['cada 2 s', 'cada 30 s', 'cada minuto']);
    expect(names('2026-11-20T15:00:00.000Z')).toEqual(['cada 2 s', 'cada 30 s', 'cada minuto', 'cada hora']);
    expect(names('2026-11-21T00:00:00.000Z')).toEqual(['cada 2 s', 'cada 30 s', 'cada minuto', 'cada hora', 'cada día']);
  });

  it('decides by the tick’s minute, so a tick delivered a few seconds late runs the same jobs', () => {
    expect(names('2026-11-20T15:00:07.250Z')).toEqual(names('2026-11-20T15:00:00.000Z'));
  });
});
