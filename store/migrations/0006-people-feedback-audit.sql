-- People who sign in: admins, officers (one institution) and operators (one queue).
CREATE TABLE people (
  id                    INTEGER PRIMARY KEY,
  email                 TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name                  TEXT,
  role                  TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'operator')),
  institution_id        INTEGER REFERENCES institutions(id),
  queue                 TEXT CHECK (queue IN ('emergencias', '198', 'quejas')),
  password_hash         TEXT NOT NULL,
  must_change_password  INTEGER NOT NULL DEFAULT 1,
  disabled_at           TEXT,
  created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK ((role = 'officer') = (institution_id IS NOT NULL)),
  CHECK ((role = 'operator') = (queue IS NOT NULL))
);

-- Server-side sessions; only a hash of the cookie's id is stored.
CREATE TABLE sessions (
  id_hash       TEXT PRIMARY KEY,
  person_id     INTEGER NOT NULL REFERENCES people(id),
  csrf_token    TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_person ON sessions (person_id);

-- Institution tokens for systems that sync entries; only a hash is stored.
CREATE TABLE api_tokens (
  id              INTEGER PRIMARY KEY,
  institution_id  INTEGER NOT NULL REFERENCES institutions(id),
  name            TEXT NOT NULL,
  token_hash      TEXT NOT NULL UNIQUE,
  created_by      INTEGER REFERENCES people(id),
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  last_used_at    TEXT,
  revoked_at      TEXT
);

-- Citizens' feedback on a procedure. Counts are public; texts are not (they may hold personal data).
CREATE TABLE feedback (
  id                INTEGER PRIMARY KEY,
  procedure_id      INTEGER NOT NULL REFERENCES procedures(id),
  kind              TEXT NOT NULL CHECK (kind IN ('want_online', 'not_like_this', 'useful', 'not_useful')),
  part              TEXT CHECK (part IN ('requisitos', 'documentos', 'costo', 'oficinas', 'enlace', 'pasos', 'otro')),
  message           TEXT,
  status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  resolution_note   TEXT,
  resolved_version  INTEGER,
  resolved_by       INTEGER REFERENCES people(id),
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  resolved_at       TEXT
);
CREATE INDEX feedback_by_procedure ON feedback (procedure_id, kind, status);

-- One «quiero en línea» per client per procedure per day. `client` is a keyed hash that changes
-- every day, so it cannot be turned back into an address nor linked across days.
CREATE TABLE feedback_once (
  procedure_id  INTEGER NOT NULL,
  kind          TEXT NOT NULL,
  client        TEXT NOT NULL,
  day           TEXT NOT NULL,
  PRIMARY KEY (procedure_id, kind, client, day)
) WITHOUT ROWID;

-- Append-only, hash-chained record of every write by a person or token.
CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  actor        TEXT NOT NULL,
  action       TEXT NOT NULL,
  entity       TEXT NOT NULL,
  entity_id    TEXT NOT NULL,
  before_hash  TEXT,
  after_hash   TEXT,
  prev_hash    TEXT NOT NULL,
  hash         TEXT NOT NULL
);
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id, id);

-- Random keys the application generates for itself on first use (e.g. for client hashing).
CREATE TABLE app_secrets (
  name   TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) WITHOUT ROWID;
