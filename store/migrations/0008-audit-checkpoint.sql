-- The signed head of the audit chain (last id, its hash, how many records), kept apart from the
-- table it vouches for and updated in the same transaction as every append. The signature is an
-- HMAC under a key derived from DATA_KEY, which never lives in the database. The records written
-- before this migration (plain SHA-256 chain) are sealed again under that key by the migration step
-- in store/migration-steps.ts, if and only if their old chain is intact.
CREATE TABLE audit_checkpoint (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  head_id    INTEGER NOT NULL,
  head_hash  TEXT NOT NULL,
  count      INTEGER NOT NULL,
  signature  TEXT NOT NULL,
  at         TEXT NOT NULL
);
