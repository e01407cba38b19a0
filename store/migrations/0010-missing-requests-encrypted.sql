-- «¿No encuentra el trámite?» kept what people typed in clear. Both texts are now encrypted like
-- feedback texts; `query_key` (a keyed fingerprint of the folded query) groups equal searches
-- without storing them readable. Rows written before are encrypted by the migration step in
-- store/migration-steps.ts, which then drops the old table.
ALTER TABLE missing_procedure_requests RENAME TO missing_procedure_requests_plain;
CREATE TABLE missing_procedure_requests (
  id          INTEGER PRIMARY KEY,
  query       TEXT NOT NULL,
  query_key   TEXT NOT NULL,
  details     TEXT,
  created_at  TEXT NOT NULL
);
CREATE INDEX missing_procedure_requests_by_key ON missing_procedure_requests (query_key, created_at);
