-- The catalog: institutions own procedures; categories (themes, «ramos») group them for citizens.
CREATE TABLE institutions (
  id          INTEGER PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  acronym     TEXT,
  website     TEXT,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE categories (
  id          INTEGER PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  description TEXT,
  position    INTEGER NOT NULL DEFAULT 1000
);

-- One row per procedure holding its current version. `document` is the canonical content in the
-- catalog exchange format (CONTRACTS.md); the other columns are copies kept for filtering and listing.
CREATE TABLE procedures (
  id              INTEGER PRIMARY KEY,
  slug            TEXT NOT NULL UNIQUE,
  status          TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published', 'archived')),
  version         INTEGER NOT NULL DEFAULT 1,
  institution_id  INTEGER NOT NULL REFERENCES institutions(id),
  category_id     INTEGER NOT NULL REFERENCES categories(id),
  title           TEXT NOT NULL,
  summary         TEXT NOT NULL,
  online          INTEGER NOT NULL DEFAULT 0,
  cost_amount     REAL,
  document        TEXT NOT NULL,
  content_hash    TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  synthetic       INTEGER NOT NULL DEFAULT 0,
  popularity      INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  modified_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX procedures_by_category ON procedures (category_id, status, title);
CREATE INDEX procedures_by_institution ON procedures (institution_id, status, title);
CREATE INDEX procedures_by_popularity ON procedures (status, popularity DESC, title);

-- Every published change keeps the previous content: officers see history and diffs.
CREATE TABLE procedure_versions (
  procedure_id  INTEGER NOT NULL REFERENCES procedures(id),
  version       INTEGER NOT NULL,
  document      TEXT NOT NULL,
  change_kind   TEXT NOT NULL DEFAULT 'major' CHECK (change_kind IN ('major', 'minor')),
  change_note   TEXT,
  source        TEXT NOT NULL,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (procedure_id, version)
) WITHOUT ROWID;
