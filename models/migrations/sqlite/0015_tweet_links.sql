-- +goose Up
-- Links to X only where they lead to the post. Each imported item keeps the
-- format it was read from: the "Customer Support on Twitter" data set
-- ('twcs-csv') numbers its rows instead of giving X's tweet ids, so a link
-- built from one of its ids opens somebody else's tweet.
ALTER TABLE social_items ADD COLUMN source_format TEXT NOT NULL DEFAULT '';

-- Items imported before: that data set's reader gives an anonymised
-- customer the same id and handle (a number), which no other format does;
-- every item of such a conversation came from it.
UPDATE social_items SET source_format = 'twcs-csv'
WHERE conversation_id IN (SELECT conversation_id FROM social_items WHERE author_id != '' AND author_id = author_handle);

-- threads.source_url stays non-empty for every imported thread (insights
-- count them as from X), but a thread from such a source holds
-- '<format>:<id>', which is not a link: no "View on X", no "Reply on X".
UPDATE threads SET source_url = 'twcs-csv:' || i.tweet_id
FROM social_items i
WHERE i.thread_id = threads.id AND i.status = 'converted' AND i.source_format = 'twcs-csv';

-- +goose Down
UPDATE threads SET source_url = 'https://x.com/i/web/status/' || substr(source_url, length('twcs-csv:') + 1)
WHERE source_url LIKE 'twcs-csv:%';
ALTER TABLE social_items DROP COLUMN source_format;
