-- The weekly follow-up reports (store/transparency/weekly.ts): one per week (Monday to Sunday, El
-- Salvador days) for the whole portal (institution_id 0) and one per institution, built by the
-- scheduled job every Monday or on demand (npm run report:weekly). Kept as history; only figures.
CREATE TABLE weekly_reports (
  id             INTEGER PRIMARY KEY,
  week_start     TEXT NOT NULL,
  institution_id INTEGER NOT NULL DEFAULT 0,
  generated_at   TEXT NOT NULL,
  content        TEXT NOT NULL,
  UNIQUE (week_start, institution_id)
);
CREATE INDEX weekly_reports_by_institution ON weekly_reports (institution_id, week_start DESC);
