-- +goose Up
-- Search, one row per question: a solved thread and its published KB
-- article are one document (rowid = thread id), so a question is found and
-- counted once. Columns, by weight in bm25:
--   title    the thread's title, and the article's when a curator changed it
--   body     the question and its accepted answer (and a curated article's text)
--   answers  the other answers
--   joined   hyphenated words written together ("Wi-Fi" also as "wifi")
--   tstems   stems of the title's words, where a stem differs from the word
--   stems    stems of the other text's words, likewise
--   facets   filter tokens (status, category, tags), never ranked
-- Exact words weigh more than their stems, so "drops" ranks a post that says
-- "drops" above one that says "dropped". Stems are computed in Go (Snowball,
-- by the thread's language), so the rows are filled when the store opens:
-- search.reindex asks for that.
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5 (
    title,
    body,
    answers,
    joined,
    tstems,
    stems,
    facets,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_index (search_index, rank) VALUES ('rank', 'bm25(10.0, 1.0, 0.4, 2.0, 6.0, 0.6, 0.0)');
INSERT INTO settings (key, value) VALUES ('search.reindex', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- +goose Down
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5 (
    title,
    body,
    joined,
    facets,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_index (search_index, rank) VALUES ('rank', 'bm25(10.0, 1.0, 2.0, 0.0)');
INSERT INTO settings (key, value) VALUES ('search.reindex', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
