-- One outbox for everything that must reach another system after a commit: search sync now,
-- notifications to citizens (SMS, Telegram, email) next. A row is written in the same transaction
-- as the change it announces; delivery state is kept here, apart from the change itself.
--   pending → sending (claimed by a drain) → sent, or back to pending with a later next_attempt_at,
--   or failed after too many attempts. A row left in `sending` by a crash is retried when its kind
--   is idempotent (search) and marked failed when it must be sent at most once (messages).
-- `dedupe_key`: at most one pending row per key (a procedure changed twice before the drain is
-- sent once, in its state at drain time).
CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL,
  payload          TEXT NOT NULL,
  dedupe_key       TEXT,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT NOT NULL,
  claimed_at       TEXT,
  last_error       TEXT,
  created_at       TEXT NOT NULL,
  done_at          TEXT
);
CREATE INDEX outbox_due ON outbox (kind, state, next_attempt_at, id);
CREATE UNIQUE INDEX outbox_pending_key ON outbox (kind, dedupe_key) WHERE state = 'pending' AND dedupe_key IS NOT NULL;

INSERT INTO outbox (kind, payload, dedupe_key, attempts, next_attempt_at, last_error, created_at)
SELECT 'search.procedure', json_object('procedureId', procedure_id), 'procedure:' || procedure_id,
       max(attempts), min(next_attempt_at), max(last_error), min(created_at)
  FROM search_outbox GROUP BY procedure_id;
DROP TABLE search_outbox;
