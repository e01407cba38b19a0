-- What people search for, as daily counts only: no address, session, cookie, browser or time of
-- day is kept, and a query that looks like personal data (an e-mail, a phone or DUI number, a
-- tracking code) is counted under «otra» without its text (store/search-analytics/query-key.ts).
-- `day` is the calendar day in El Salvador; rows older than 400 days are pruned (housekeeping).
CREATE TABLE search_daily (
  day                   TEXT NOT NULL,
  query                 TEXT NOT NULL,
  searches              INTEGER NOT NULL DEFAULT 0,
  zero_result_searches  INTEGER NOT NULL DEFAULT 0,
  -- How many results the query had the last time it was counted that day.
  last_results          INTEGER,
  -- Results followed from /buscar (one person may open several).
  opened                INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, query)
) WITHOUT ROWID;

-- The same openings by the institution that owns the procedure opened: «their» top queries for
-- each institution's officers.
CREATE TABLE search_daily_opened (
  institution_id  INTEGER NOT NULL REFERENCES institutions(id),
  day             TEXT NOT NULL,
  query           TEXT NOT NULL,
  opened          INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (institution_id, day, query)
) WITHOUT ROWID;
CREATE INDEX search_daily_opened_by_day ON search_daily_opened (day);
