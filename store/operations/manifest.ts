import { z } from 'zod';

/**
 * The manifest written beside every backup (`FILE.manifest.json`): what the copy holds and how to
 * know it is whole. The copy's SHA-256 cannot live inside the copy, so the manifest is a file
 * apart; restore refuses a copy whose bytes do not match it. It never holds DATA_KEY or anything
 * derived from it, nor any row's content: only counts.
 */
export const manifestSchema = z.object({
  format: z.literal('portal-tramites-backup/1'),
  /** When the copy's snapshot was taken (ISO 8601, UTC). */
  created_at: z.string(),
  schema_version: z.number().int().nonnegative(),
  /** The copy's file name (no folder) and its bytes. */
  file: z.string(),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Rows per table in the copy (FTS5 shadow tables left out). */
  tables: z.record(z.string(), z.number().int().nonnegative()),
  /** The audit log's signed head in the copy, to compare with `npm run audit:verify` after a restore. */
  audit: z.object({ head_id: z.number().int(), head_hash: z.string(), count: z.number().int() }).nullable(),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

/** The manifest's file for a backup file. */
export function manifestPathOf(backupPath: string): string {
  return `${backupPath}.manifest.json`;
}
