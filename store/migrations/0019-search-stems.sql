-- Spanish word forms: the embedded index gains two columns of Snowball stems (search/stems.ts),
-- `title_stems` (of the title) and `stems` (of keywords, summary and body), beside the exact words,
-- so «divorciándome» finds «divorcio» while an exact word still ranks above a stem-only match.
-- FTS5 tables cannot gain columns: the index is rebuilt, and the migration step (store/migration-steps.ts)
-- fills it again from the published catalog in the same transaction.
DROP TABLE IF EXISTS procedure_search_terms;
DROP TABLE IF EXISTS procedure_search;

CREATE VIRTUAL TABLE procedure_search USING fts5(
  title, keywords, summary, body, facets, title_stems, stems,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4'
);

-- Per column now, so the typo vocabulary reads the words people see and not the stems.
CREATE VIRTUAL TABLE procedure_search_terms USING fts5vocab(procedure_search, 'col');
