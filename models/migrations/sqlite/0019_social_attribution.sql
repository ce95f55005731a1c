-- +goose Up
-- Imported authors are told apart by their X user id when the source gives
-- one (many sources give no handle), and the repeated-text spam rule counts
-- an author's stored posts across imports.

-- The X user id of an imported profile ('' when only the handle is known);
-- '0' is the one profile of posts whose file named no author.
ALTER TABLE users ADD COLUMN x_user_id TEXT NOT NULL DEFAULT '';
CREATE INDEX users_x_user_id ON users (x_user_id) WHERE x_user_id != '';

-- official: written by one of the brand handles the import was given (its
-- profile is the brand's official account). is_brand stays "the company
-- side" (inbound=False in the support CSV), which only shapes threads.
ALTER TABLE social_items ADD COLUMN official INTEGER NOT NULL DEFAULT 0;
-- A hash of the author's identity and the text, 0 when the author is
-- unknown or the company side (never spam): the same text three times from
-- one author is spam.
ALTER TABLE social_items ADD COLUMN repeat_key INTEGER NOT NULL DEFAULT 0;
CREATE INDEX social_items_repeat ON social_items (repeat_key) WHERE repeat_key != 0;

-- +goose Down
DROP INDEX social_items_repeat;
ALTER TABLE social_items DROP COLUMN repeat_key;
ALTER TABLE social_items DROP COLUMN official;
DROP INDEX users_x_user_id;
ALTER TABLE users DROP COLUMN x_user_id;
