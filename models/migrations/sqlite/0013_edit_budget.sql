-- +goose Up
-- Edits count against a member's hourly budget: the revisions one editor
-- saved in the last hour, counted when the next one is saved.
CREATE INDEX post_revisions_editor ON post_revisions (editor_id, created_at);

-- +goose Down
DROP INDEX post_revisions_editor;
