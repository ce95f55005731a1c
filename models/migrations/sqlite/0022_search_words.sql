-- +goose Up
-- The words of visible questions' titles, for "Did you mean …?" when a
-- query finds little: a suggestion is a word of this list close to what was
-- typed (and is offered only when it finds something the reader may see, so
-- words of removed or private questions are never shown). Filled as
-- questions are indexed; search.words asks for the existing titles to be
-- read once when the store opens.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO settings (key, value) VALUES ('search.words', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- +goose Down
DROP TABLE search_words;
DELETE FROM settings WHERE key = 'search.words';
