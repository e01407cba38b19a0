-- Reports: complaints, corruption, non-immediate emergencies, violence against women and
-- requirements missing from the catalog, each with a tracking code and a public timeline.

-- The lifecycle is data: each state is open or closed.
CREATE TABLE report_states (
  code      TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  type      TEXT NOT NULL CHECK (type IN ('open', 'closed')),
  position  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO report_states (code, name, type, position) VALUES
  ('received',     'Recibido',                              'open',   1),
  ('acknowledged', 'En atención',                           'open',   2),
  ('in_progress',  'En proceso',                            'open',   3),
  ('waiting',      'Esperando su respuesta',                'open',   4),
  ('referred',     'Remitido a otra institución',           'open',   5),
  ('resolved',     'Resuelto',                              'closed', 6),
  ('not_applicable', 'No procede',                          'closed', 7),
  ('closed',       'Cerrado por quien lo presentó',         'closed', 8),
  ('withdrawn',    'Retirado por quien lo presentó',        'closed', 9),
  ('merged',       'Unido a otro caso sobre el mismo hecho', 'closed', 10);

-- Client applications allowed to post through Open311 (api_key); only a hash of the key is kept.
CREATE TABLE open311_clients (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  key_hash    TEXT NOT NULL UNIQUE,
  created_by  INTEGER REFERENCES people(id),
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);

-- Where each kind goes (admins edit it). The most specific row wins: the procedure named, then the
-- institution named, then the kind alone. The case goes to `target_institution_id` when set; else
-- to the institution the citizen named (or the procedure's) when `to_named` is 1; else it stays
-- with the queue's own team. A corruption report does not go to the institution it accuses.
CREATE TABLE report_routes (
  id                     INTEGER PRIMARY KEY,
  kind                   TEXT NOT NULL CHECK (kind IN ('complaint', 'corruption', 'emergency', 'violence', 'missing_requirement')),
  institution_id         INTEGER REFERENCES institutions(id),
  procedure_id           INTEGER REFERENCES procedures(id),
  queue                  TEXT NOT NULL CHECK (queue IN ('emergencias', '198', 'quejas')),
  target_institution_id  INTEGER REFERENCES institutions(id),
  to_named               INTEGER NOT NULL DEFAULT 1,
  priority               TEXT NOT NULL CHECK (priority IN ('urgent', 'high', 'normal')),
  updated_at             TEXT NOT NULL
);
CREATE UNIQUE INDEX report_routes_match ON report_routes (kind, coalesce(institution_id, 0), coalesce(procedure_id, 0));
INSERT INTO report_routes (kind, queue, to_named, priority, updated_at) VALUES
  ('complaint',           'quejas',      1, 'normal', '2026-12-01T00:00:00.000Z'),
  ('corruption',          'quejas',      0, 'high',   '2026-12-01T00:00:00.000Z'),
  ('emergency',           'emergencias', 0, 'urgent', '2026-12-01T00:00:00.000Z'),
  ('violence',            '198',         0, 'urgent', '2026-12-01T00:00:00.000Z'),
  ('missing_requirement', 'quejas',      1, 'normal', '2026-12-01T00:00:00.000Z');

CREATE TABLE reports (
  id                      INTEGER PRIMARY KEY,
  code                    TEXT NOT NULL UNIQUE,
  kind                    TEXT NOT NULL CHECK (kind IN ('complaint', 'corruption', 'emergency', 'violence', 'missing_requirement')),
  channel                 TEXT NOT NULL CHECK (channel IN ('web', 'api', 'open311', 'telegram', 'sms', 'chat')),
  queue                   TEXT NOT NULL CHECK (queue IN ('emergencias', '198', 'quejas')),
  institution_id          INTEGER REFERENCES institutions(id),
  subject_institution_id  INTEGER REFERENCES institutions(id),
  procedure_id            INTEGER REFERENCES procedures(id),
  priority                TEXT NOT NULL CHECK (priority IN ('urgent', 'high', 'normal')),
  state                   TEXT NOT NULL REFERENCES report_states(code),
  is_open                 INTEGER NOT NULL DEFAULT 1,
  -- Encrypted (field cipher): what happened, the address, the contact, Open311 attributes.
  description             TEXT NOT NULL,
  address                 TEXT,
  contact                 TEXT,
  attributes              TEXT,
  -- Which channel the person chose for follow-up (the value itself is only in `contact`).
  contact_channel         TEXT CHECK (contact_channel IN ('telegram', 'sms', 'email', 'phone')),
  department_code         TEXT REFERENCES departments(code),
  municipality_code       TEXT REFERENCES municipalities(code),
  district_code           TEXT REFERENCES districts(code),
  -- Coordinates of a violence case are never kept in the clear: they go encrypted in `address`.
  lat                     REAL,
  lng                     REAL,
  anonymous               INTEGER NOT NULL,
  code_word_hash          TEXT,
  open311_client_id       INTEGER REFERENCES open311_clients(id),
  taken_by                INTEGER REFERENCES people(id),
  merged_into             INTEGER REFERENCES reports(id),
  created_at              TEXT NOT NULL,
  updated_at              TEXT NOT NULL,
  acknowledged_at         TEXT,
  closed_at               TEXT,
  acknowledge_due_at      TEXT NOT NULL,
  resolve_due_at          TEXT NOT NULL,
  -- The deadline running now: acknowledge_due_at until acknowledged, then resolve_due_at; NULL when closed.
  due_at                  TEXT,
  escalated_stage         TEXT CHECK (escalated_stage IN ('acknowledge', 'resolve')),
  CHECK (kind <> 'violence' OR code_word_hash IS NOT NULL),
  CHECK (kind <> 'violence' OR (lat IS NULL AND lng IS NULL))
);
-- Queues are read in deadline order; kind and escalated_stage ride along so counts and the
-- violence filter are answered from the index alone.
CREATE INDEX reports_queue ON reports (queue, is_open, due_at, id, kind, escalated_stage);
CREATE INDEX reports_institution ON reports (institution_id, is_open, due_at, id, kind, escalated_stage);
CREATE INDEX reports_due ON reports (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX reports_changes ON reports (queue, updated_at);
CREATE INDEX reports_created ON reports (created_at);
CREATE INDEX reports_contact_kept ON reports (closed_at) WHERE contact IS NOT NULL;

-- Everything that happens to a case, in order; never changed, never deleted.
CREATE TABLE report_events (
  id              INTEGER PRIMARY KEY,
  report_id       INTEGER NOT NULL REFERENCES reports(id),
  type            TEXT NOT NULL CHECK (type IN ('created', 'status', 'public_reply', 'internal_note', 'refer', 'citizen_message',
                                                'take', 'escalate', 'merge', 'contact_opened', 'case_opened', 'contact_deleted')),
  public          INTEGER NOT NULL,
  actor           TEXT NOT NULL,
  from_state      TEXT,
  to_state        TEXT,
  institution_id  INTEGER REFERENCES institutions(id),
  related_report  INTEGER REFERENCES reports(id),
  message         TEXT,
  at              TEXT NOT NULL
);
CREATE INDEX report_events_by_report ON report_events (report_id, id);
CREATE TRIGGER report_events_no_update BEFORE UPDATE ON report_events BEGIN SELECT RAISE(ABORT, 'report_events is append-only'); END;
CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events BEGIN SELECT RAISE(ABORT, 'report_events is append-only'); END;

-- A retried submission (same Idempotency-Key) returns the first result. The key is kept as a keyed
-- fingerprint, with one of the request, so a key reused for another report is refused.
CREATE TABLE report_idempotency (
  key_hash      TEXT PRIMARY KEY,
  request_hash  TEXT NOT NULL,
  report_id     INTEGER NOT NULL REFERENCES reports(id),
  created_at    TEXT NOT NULL
) WITHOUT ROWID;

-- Supervisors of a queue receive its escalations.
ALTER TABLE people ADD COLUMN supervisor INTEGER NOT NULL DEFAULT 0;
