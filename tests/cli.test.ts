import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConfiguredStore } from '../store/seed.node.ts';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
let dir: string;
let env: NodeJS.ProcessEnv;

/** Runs `node bin/run.mjs scripts/catalog.node.ts …` as npm would, with its own database. */
async function catalog(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/run.mjs', 'scripts/catalog.node.ts', ...args], { cwd: root, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portal-cli-'));
  env = { ...process.env, DATABASE_URL: `file:${join(dir, 'cli.db')}` };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('user:create', () => {
  it('creates an officer and prints the one-time password alone on the last line', async () => {
    try {
      const { stdout } = await run(
        process.execPath,
        ['bin/run.mjs', 'scripts/user-create.node.ts', '--email', 'oficial@cnr.gob.sv', '--role', 'officer', '--institution', 'cnr'],
        { cwd: root, env, timeout: 120_000 },
      );
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toContain('oficial@cnr.gob.sv (officer, cnr)');
      expect(lines.at(-1)).toMatch(/^[A-Za-z0-9_-]{20}$/);
    } catch (error) {
      throw new Error(String((error as { stderr?: string }).stderr ?? error));
    }
  });

  it('explains a missing institution in Spanish and exits 1', async () => {
    const failed = await run(process.execPath, ['bin/run.mjs', 'scripts/user-create.node.ts', '--email', 'x@cnr.gob.sv', '--role', 'officer'], {
      cwd: root,
      env,
    }).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/necesita su institución/);
  });
});

describe('catalog commands', () => {
  it('generates synthetic procedures marked as such', async () => {
    const out = join(dir, 'synthetic.json');
    const result = await catalog('generate', '--count', '40', '--out', out);
    expect(result.code).toBe(0);
    const documents = JSON.parse(readFileSync(out, 'utf8'));
    expect(documents).toHaveLength(40);
    expect(documents.every((doc: { synthetic: boolean; title: string }) => doc.synthetic === true && /sintético/.test(doc.title))).toBe(true);
  });

  it('imports a generated file, then exports the catalog as CSV', async () => {
    const imported = await catalog('import', join(dir, 'synthetic.json'));
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/40 nuevos/);
    const csv = join(dir, 'export.csv');
    const exported = await catalog('export', csv);
    expect(exported.code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^slug,title,summary,category,institution,/);
    // The seed catalog plus the 40 synthetic procedures.
    expect(exported.stdout).toMatch(/Exportados \d+ trámites/);
  });

  it('writes nothing from a file with one bad row and exits 1 naming row, line and field', async () => {
    const bad = join(dir, 'bad.json');
    const documents = JSON.parse(readFileSync(join(dir, 'synthetic.json'), 'utf8')).slice(0, 3);
    documents.forEach((doc: { slug: string }, i: number) => (doc.slug = `nuevo-${i}`));
    documents[2].cost = { amount: 'diez' };
    writeFileSync(bad, JSON.stringify(documents, null, 2));
    const result = await catalog('import', bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Registro 3 \(línea \d+, «nuevo-2»\) — costo › amount: Escriba el costo como un número/);
    expect(result.stderr).toMatch(/No se guardó nada/);
    const store = await openConfiguredStore({ DATABASE_URL: env.DATABASE_URL });
    const rows = await store.db.execute("SELECT count(*) AS n FROM procedures WHERE slug IN ('nuevo-0', 'nuevo-1', 'nuevo-2')");
    store.close();
    expect(Number(rows.rows[0].n)).toBe(0);
  });

  it('imports a bulk export as drafts with --borradores: nothing public until an officer publishes it', async () => {
    const out = join(dir, 'exportacion.json');
    expect((await catalog('generate', '--count', '3', '--out', out, '--seed', '7')).code).toBe(0);
    const documents = JSON.parse(readFileSync(out, 'utf8'));
    documents.forEach((doc: { slug: string; source_id?: string }, i: number) => {
      doc.slug = `exportado-${i}`;
      doc.source_id = `fuente-${i}`;
    });
    writeFileSync(out, JSON.stringify(documents));
    const result = await catalog('import', out, '--borradores');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Borradores para revisar: 3 trámites nuevos y 0 cambios propuestos/);
    const store = await openConfiguredStore({ DATABASE_URL: env.DATABASE_URL });
    const rows = await store.db.execute("SELECT status, source_id FROM procedures WHERE slug LIKE 'exportado-%' ORDER BY slug");
    store.close();
    expect(rows.rows.map((row) => [row.status, row.source_id])).toEqual([
      ['draft', 'fuente-0'],
      ['draft', 'fuente-1'],
      ['draft', 'fuente-2'],
    ]);
  });

  it('validates without writing on --dry-run, and explains a wrong file type', async () => {
    const dry = await catalog('import', join(dir, 'synthetic.json'), '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/prueba sin guardar/);
    const wrong = await catalog('import', join(dir, 'notas.txt'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/debe terminar en \.json o \.csv/);
  });
});
