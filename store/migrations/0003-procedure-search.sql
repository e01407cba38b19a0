-- Embedded full-text index over the published catalog; rowid = procedures.id.
-- Written in the same transaction as the procedure (store/catalog/search-index.ts).
-- Columns in ranking order: title > keywords > summary > body (requirements, documents, steps).
-- `facets` holds filter tokens (zzc<category id>, zzi<institution id>, zzenlinea) so filters are
-- part of the match and need no join; people's words are matched in the other columns only.
CREATE VIRTUAL TABLE procedure_search USING fts5(
  title, keywords, summary, body, facets,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4'
);

-- The index's words with how many procedures use each: the vocabulary for typo tolerance and
-- «¿Quisiste decir…?».
CREATE VIRTUAL TABLE procedure_search_terms USING fts5vocab(procedure_search, 'row');

-- Bumped by every index write so engines know when their cached vocabulary is stale.
CREATE TABLE search_state (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  generation  INTEGER NOT NULL
);
INSERT INTO search_state (id, generation) VALUES (1, 0);
