-- Addresses that moved: a procedure merged into another (a seed merge, or an officer archiving an
-- entry «replaced by» another) and institutions that became another (the DNM is the SRS, the
-- INPEP's records are the ISP's). The old /tramites/… or /instituciones/… address answers 301 to the
-- new one instead of 404, so bookmarks, printed checklists and links from other sites still lead
-- somewhere. `district` (a procedure's only) is the reference territory's district code of the
-- one-city entry that was merged into an every-alcaldía entry: the redirect opens it on her alcaldía.
CREATE TABLE moved_addresses (
  kind        TEXT NOT NULL CHECK (kind IN ('procedure', 'institution')),
  old_slug    TEXT NOT NULL,
  new_slug    TEXT NOT NULL,
  district    TEXT,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (kind, old_slug),
  CHECK (old_slug <> new_slug)
) WITHOUT ROWID;
