-- +goose Up
-- Self-service events (searches, searches without results, views of solved
-- threads and KB articles) counted per hour. Nothing here identifies a
-- visitor: a row is an hour, a metric, a key (the text of a search that
-- found nothing, else empty) and a count.
CREATE TABLE insight_counts (
    hour   INTEGER NOT NULL, -- Unix time of the hour's start
    metric TEXT    NOT NULL,
    key    TEXT    NOT NULL DEFAULT '',
    n      INTEGER NOT NULL,
    PRIMARY KEY (metric, hour, key)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE insight_counts;
