-- What the people who run the portal need to see (/api/health, /metrics): the last run of each
-- scheduled job and every backup taken. Only names, times, durations and error kinds: never an
-- error's message (it may quote data), never a path outside the backup folder.
CREATE TABLE job_runs (
  job               TEXT PRIMARY KEY,
  last_status       TEXT NOT NULL CHECK (last_status IN ('ok', 'failed')),
  last_started_at   TEXT NOT NULL,
  last_duration_ms  INTEGER NOT NULL,
  last_ok_at        TEXT,
  last_failed_at    TEXT,
  -- The error's class or code (SqliteError, SQLITE_FULL, ENOSPC), never its text.
  last_error        TEXT
);

-- One row per backup attempt, by the daily job or `npm run db:backup`. The copy itself never
-- holds its own row: it is written after the copy is taken.
CREATE TABLE backups (
  id              INTEGER PRIMARY KEY,
  origin          TEXT NOT NULL CHECK (origin IN ('scheduled', 'command')),
  status          TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  started_at      TEXT NOT NULL,
  finished_at     TEXT NOT NULL,
  -- The file's name only (no folder).
  file            TEXT,
  bytes           INTEGER,
  sha256          TEXT,
  schema_version  INTEGER,
  error           TEXT
);
CREATE INDEX backups_recent ON backups (status, finished_at);
