-- Embedded full-text index over the published catalog; rowid = procedures.id.
-- Written in the same transaction as the procedure (store/catalog/search-index.ts).
CREATE VIRTUAL TABLE procedure_search USING fts5(
  title, keywords, summary, body,
  tokenize = 'unicode61 remove_diacritics 2'
);
