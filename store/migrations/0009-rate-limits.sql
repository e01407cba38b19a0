-- Rate limits shared by every process and isolate, surviving restarts: one fixed window per
-- (bucket, client). `client` is a keyed hash (a key derived from DATA_KEY for the day, never
-- stored), so the table names no address. Expired windows are pruned by a scheduled job.
CREATE TABLE rate_limits (
  bucket        TEXT NOT NULL,
  client        TEXT NOT NULL,
  window_start  INTEGER NOT NULL,
  window_ms     INTEGER NOT NULL,
  count         INTEGER NOT NULL,
  PRIMARY KEY (bucket, client)
) WITHOUT ROWID;
CREATE INDEX rate_limits_by_end ON rate_limits (window_start);

-- The daily client-hash key used to live here, beside the hashes it protected: gone. The hashes
-- made with it are only good for the day they were made, so they go too.
DROP TABLE app_secrets;
DELETE FROM feedback_once;
