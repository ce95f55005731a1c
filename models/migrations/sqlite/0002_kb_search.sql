-- +goose Up

-- One article per solved thread, made when an answer is accepted.
CREATE TABLE kb_articles (
    id            INTEGER PRIMARY KEY,
    thread_id     INTEGER NOT NULL UNIQUE REFERENCES threads (id),
    -- The answer the solution came from.
    post_id       INTEGER NOT NULL REFERENCES posts (id),
    title         TEXT    NOT NULL,
    slug          TEXT    NOT NULL,
    problem_md    TEXT    NOT NULL,
    problem_html  TEXT    NOT NULL,
    solution_md   TEXT    NOT NULL,
    solution_html TEXT    NOT NULL,
    published     INTEGER NOT NULL DEFAULT 1,
    outdated      INTEGER NOT NULL DEFAULT 0,
    outdated_note TEXT    NOT NULL DEFAULT '',
    -- Set once a curator edits the text: later changes to the thread then
    -- mark the article for review instead of overwriting the curator's words.
    curated       INTEGER NOT NULL DEFAULT 0,
    helpful_yes   INTEGER NOT NULL DEFAULT 0,
    helpful_no    INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX kb_articles_listing ON kb_articles (published, helpful_yes DESC);
CREATE INDEX kb_articles_updated ON kb_articles (published, updated_at DESC);

CREATE TABLE kb_revisions (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES kb_articles (id),
    -- NULL when the system changed the article (the accepted answer changed).
    editor_id   INTEGER REFERENCES users (id),
    title       TEXT    NOT NULL,
    problem_md  TEXT    NOT NULL,
    solution_md TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX kb_revisions_article ON kb_revisions (article_id, id);

-- One vote per user ("u:<id>") or per visitor session ("s:<random id>").
CREATE TABLE kb_votes (
    article_id INTEGER NOT NULL REFERENCES kb_articles (id),
    voter      TEXT    NOT NULL,
    helpful    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (article_id, voter)
);

-- Threads and articles in one index. rowid = 2*thread id for a thread and
-- 2*article id + 1 for an article, so a row is replaced by rowid without a scan.
-- joined holds hyphenated words written together ("Wi-Fi" also as "wifi"),
-- so either spelling finds the other. facets holds filter tokens (status,
-- category, tags) so filters run inside FTS.
CREATE VIRTUAL TABLE search_index USING fts5 (
    title,
    body,
    joined,
    facets,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_index (search_index, rank) VALUES ('rank', 'bm25(10.0, 1.0, 2.0, 0.0)');

-- +goose Down
DROP TABLE search_index;
DROP TABLE kb_votes;
DROP TABLE kb_revisions;
DROP TABLE kb_articles;
