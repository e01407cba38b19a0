-- Catalog changes waiting to reach an external search engine (Meilisearch). A row is written in the
-- same transaction as the change and deleted only after the engine confirms the task succeeded,
-- so no update is lost while the engine is down. The row names the procedure; the drain sends its
-- state at drain time (published → upsert, otherwise → delete).
CREATE TABLE search_outbox (
  id               INTEGER PRIMARY KEY,
  procedure_id     INTEGER NOT NULL,
  created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  last_error       TEXT
);
CREATE INDEX search_outbox_due ON search_outbox (next_attempt_at, id);
