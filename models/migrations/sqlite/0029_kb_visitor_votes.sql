-- +goose Up
-- Visitors' knowledge-base ratings per client address and article, for the
-- per-address limit (KB.VoteArticle): a visitor's vote is keyed by a random
-- id in their session, so without it one address could rate an article as
-- often as it sends a request without a cookie. Rows older than a day are
-- deleted as new ones come.
CREATE TABLE kb_visitor_votes (
    id         INTEGER PRIMARY KEY,
    ip         TEXT    NOT NULL,
    article_id INTEGER NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX kb_visitor_votes_ip ON kb_visitor_votes (ip, article_id, at);
CREATE INDEX kb_visitor_votes_at ON kb_visitor_votes (at);

-- +goose Down
DROP TABLE kb_visitor_votes;
