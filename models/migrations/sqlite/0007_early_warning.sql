-- +goose Up
-- Insights, early warning: the language of each question (for the
-- dashboard's language filter), hourly volumes of imported mentions, and
-- incidents that point a wave of identical questions at one thread.

-- Named after the import, in the background, from the title and question;
-- lang_checked says it was looked for (the text may be too short to tell).
ALTER TABLE threads ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE threads ADD COLUMN lang_checked INTEGER NOT NULL DEFAULT 0;
CREATE INDEX threads_lang_todo ON threads (id) WHERE lang_checked = 0;
CREATE INDEX threads_lang ON threads (lang, created_at) WHERE lang != '';

-- Mentions per hour are counted by the tweet's own time, from the index
-- alone (it holds every column the count filters on).
CREATE INDEX social_items_created ON social_items (created_at, is_brand, status, lang, rule_id);

CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    thread_id   INTEGER NOT NULL REFERENCES threads (id),
    message     TEXT    NOT NULL,
    term        TEXT    NOT NULL DEFAULT '', -- the spiking term it was opened from, if any
    opened_by   INTEGER NOT NULL REFERENCES users (id),
    opened_at   INTEGER NOT NULL,
    closed_by   INTEGER REFERENCES users (id),
    closed_at   INTEGER
);
CREATE INDEX incidents_open ON incidents (category_id) WHERE closed_at IS NULL;

-- +goose Down
DROP TABLE incidents;
DROP INDEX social_items_created;
DROP INDEX threads_lang;
DROP INDEX threads_lang_todo;
ALTER TABLE threads DROP COLUMN lang_checked;
ALTER TABLE threads DROP COLUMN lang;
