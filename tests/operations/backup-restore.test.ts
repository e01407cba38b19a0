import { existsSync, readFileSync, truncateSync, writeFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../store/audit/audit.ts';
import { openStore } from '../../store/db.ts';
import { createLocalClient } from '../../store/libsql-local.node.ts';
import { BackupError, sha256OfFile, takeBackup, takeBackupOffThread } from '../../store/operations/backup.node.ts';
import { manifestPathOf, type BackupManifest } from '../../store/operations/manifest.ts';
import { restoreBackup, verifyBackupFile } from '../../store/operations/restore.node.ts';
import { SCHEMA_VERSION } from '../../store/schema-version.ts';
import { resolveDataKey } from '../../store/seed.node.ts';
import { fileReport } from '../fixtures/reports.ts';
import { createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
let dbPath: string;
let dataKey: string;

beforeEach(async () => {
  t = await createTestStore('fixture');
  dbPath = t.url.slice('file:'.length);
  dataKey = resolveDataKey(t.url, {});
});
afterEach(() => t.cleanup());

/** Why a promise was refused: the BackupError's code. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BackupError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

async function openRestored(path: string) {
  return openStore({ url: `file:${path}`, dataKey, clock: t.clock, connect: createLocalClient });
}

describe('db:backup during a write load, then db:restore', () => {
  it('restores a store holding every write acknowledged before the backup began, whose integrity check and audit chain pass', async () => {
    const acknowledged: { code: string; at: number }[] = [];
    let stop = false;
    // Four writers filing cases (each an audited write) as fast as the store commits them.
    const writer = async () => {
      while (!stop) {
        const code = await fileReport(t, 'complaint');
        acknowledged.push({ code, at: performance.now() });
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    while (acknowledged.length < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    const began = performance.now();
    const ackedBefore = acknowledged.filter((write) => write.at < began).map((write) => write.code);
    const file = join(t.dir, 'respaldo.db');
    // Off the event loop, as the server's daily job takes it: the writers keep committing meanwhile.
    const manifest = await takeBackupOffThread({ databasePath: dbPath, file, createdAt: TEST_NOW });
    const afterBackup = acknowledged.length;
    while (acknowledged.length < afterBackup + 10) await new Promise((resolve) => setTimeout(resolve, 5));
    stop = true;
    await Promise.all(writers);

    expect(manifest).toMatchObject({ format: 'portal-tramites-backup/1', created_at: TEST_NOW, schema_version: SCHEMA_VERSION, file: 'respaldo.db' });
    expect(manifest.sha256).toBe(await sha256OfFile(file));
    expect(manifest.bytes).toBe(statSync(file).size);
    expect(manifest.tables.reports).toBeGreaterThanOrEqual(ackedBefore.length);
    expect(manifest.audit?.count).toBe(manifest.tables.audit_log);
    // Counts only: no row's content, no key.
    const manifestText = readFileSync(manifestPathOf(file), 'utf8');
    expect(manifestText).not.toContain(dataKey);
    expect(manifestText).not.toContain(ackedBefore[0].replaceAll('-', ''));

    const target = join(t.dir, 'restaurada', 'portal.db');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(t.dir, 'restaurada'));
    const result = await restoreBackup({ file, databaseUrl: `file:${target}`, dataKey, clock: t.clock });
    expect(result.previous).toBeNull();
    expect(result.auditRecords).toBe(manifest.audit?.count);

    const restored = await openRestored(target);
    try {
      const codes = new Set((await restored.db.execute('SELECT code FROM reports')).rows.map((row) => String(row.code).replaceAll('-', '')));
      expect(ackedBefore.filter((code) => !codes.has(code.replaceAll('-', '')))).toEqual([]);
      expect(codes.size).toBe(manifest.tables.reports);
      expect((await restored.db.execute('PRAGMA integrity_check')).rows[0][0]).toBe('ok');
      expect((await verifyAuditChain(restored)).ok).toBe(true);
    } finally {
      restored.close();
    }
  });
});

describe('db:restore refuses a bad copy and changes nothing', () => {
  let file: string;
  let manifest: BackupManifest;
  beforeEach(async () => {
    await fileReport(t, 'complaint');
    file = join(t.dir, 'respaldo.db');
    manifest = await takeBackup({ databasePath: dbPath, file, createdAt: TEST_NOW });
  });

  it('refuses a truncated copy (the size no longer matches its manifest)', async () => {
    truncateSync(file, Math.floor(manifest.bytes / 2));
    expect(await refusal(verifyBackupFile(file))).toBe('truncated');
    const target = join(t.dir, 'otra.db');
    expect(await refusal(restoreBackup({ file, databaseUrl: `file:${target}`, dataKey, clock: t.clock }))).toBe('truncated');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a truncated copy whose manifest was rewritten to match, by PRAGMA integrity_check', async () => {
    truncateSync(file, Math.floor(manifest.bytes / 2));
    writeFileSync(manifestPathOf(file), JSON.stringify({ ...manifest, bytes: statSync(file).size, sha256: await sha256OfFile(file) }));
    const target = join(t.dir, 'otra.db');
    expect(await refusal(restoreBackup({ file, databaseUrl: `file:${target}`, dataKey, clock: t.clock }))).toBe('integrity');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a copy with one byte changed (SHA-256), a copy without its manifest, and a missing file', async () => {
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from([0x5a]), 0, 1, Math.floor(manifest.bytes / 3));
    closeSync(fd);
    expect(await refusal(verifyBackupFile(file))).toBe('corrupt');
    const { rmSync } = await import('node:fs');
    rmSync(manifestPathOf(file));
    expect(await refusal(verifyBackupFile(file))).toBe('no_manifest');
    expect(await refusal(verifyBackupFile(join(t.dir, 'no-existe.db')))).toBe('missing');
  });

  it('refuses a copy of a newer schema than this code knows, saying which', async () => {
    const newer = new Database(dbPath);
    newer.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(SCHEMA_VERSION + 1, `${SCHEMA_VERSION + 1}-futura.sql`);
    newer.close();
    const copy = join(t.dir, 'futura.db');
    expect((await takeBackup({ databasePath: dbPath, file: copy, createdAt: TEST_NOW })).schema_version).toBe(SCHEMA_VERSION + 1);
    const error = await verifyBackupFile(copy).catch((caught: unknown) => caught as BackupError);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe('newer_schema');
    expect((error as BackupError).message).toContain(`esquema ${SCHEMA_VERSION + 1}`);
  });

  it('refuses a copy whose audit chain does not verify under this DATA_KEY, and keeps the store as it was', async () => {
    const other = 'ab'.repeat(32);
    const target = join(t.dir, 'otra.db');
    expect(await refusal(restoreBackup({ file, databaseUrl: `file:${target}`, dataKey: other, clock: t.clock }))).toBe('audit');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses to swap under a store another process has open, then swaps once it is closed, keeping the previous store beside it', async () => {
    const target = join(t.dir, 'servida.db');
    await restoreBackup({ file, databaseUrl: `file:${target}`, dataKey, clock: t.clock });
    // «Another process»: a connection in WAL mode, as the server keeps one, with one more case in it.
    const server = new Database(target);
    server.exec('PRAGMA journal_mode = WAL');
    server.exec("UPDATE reports SET updated_at = '2026-11-21T00:00:00.000Z'");
    expect(await refusal(restoreBackup({ file, databaseUrl: `file:${target}`, dataKey, clock: t.clock }))).toBe('in_use');
    server.close();
    t.clock.advance(1_000);
    const result = await restoreBackup({ file, databaseUrl: `file:${target}`, dataKey, clock: t.clock });
    expect(result.previous).toMatch(/servida\.db\.antes-2026-11-20T150001Z$/);
    const updated = (path: string) => {
      const db = new Database(path, { readonly: true });
      const value = db.prepare('SELECT max(updated_at) AS at FROM reports').get() as { at: string };
      db.close();
      return value.at;
    };
    expect(updated(result.previous!)).toBe('2026-11-21T00:00:00.000Z');
    expect(updated(target)).not.toBe('2026-11-21T00:00:00.000Z');
    expect(existsSync(`${target}-wal`)).toBe(false);
  });

  it('refuses a remote DATABASE_URL, pointing at Turso point-in-time restore', async () => {
    const error = await restoreBackup({ file, databaseUrl: 'libsql://portal.turso.io', dataKey, clock: t.clock }).catch((caught: unknown) => caught);
    expect((error as BackupError).code).toBe('remote');
    expect((error as BackupError).message).toContain('turso db create');
  });
});
