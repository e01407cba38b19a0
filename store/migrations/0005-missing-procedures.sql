-- «¿No encuentra el trámite?»: what people looked for and did not find, for the catalog team.
-- Only the procedure's description is kept; the form asks for no personal data.
CREATE TABLE missing_procedure_requests (
  id          INTEGER PRIMARY KEY,
  query       TEXT NOT NULL,
  details     TEXT,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
