package forum

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/policy"
)

// EditLimitError: the editor saved Budget edits in the last hour, the most
// the community allows (models puts it in words).
type EditLimitError struct{ Budget int }

func (e *EditLimitError) Error() string {
	return fmt.Sprintf("edit limit: %d edits in the last hour", e.Budget)
}

// ReviseIn keeps what the post said before as a revision by the editor
// (with the thread's title when it is the question) and stores the new
// text, its rendering and its plain text, in the caller's transaction.
// budget is how many edits the editor may save in an hour (0: no limit):
// checked by the statement that records the revision, so edits sent in
// parallel cannot all slip under it; past it, *EditLimitError.
func (f *Forum) ReviseIn(ctx context.Context, tx *sql.Tx, editorID int64, p *Post, budget int, body, html, text string, at time.Time) error {
	now := at.Unix()
	var oldTitle string
	if err := tx.QueryRowContext(ctx, `SELECT title FROM threads WHERE id = ?`, p.ThreadID).Scan(&oldTitle); err != nil {
		return err
	}
	if !p.IsQuestion {
		oldTitle = ""
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO post_revisions (post_id, editor_id, title, body_md, created_at)
		SELECT id, ?1, ?2, body_md, CAST(?3 AS BIGINT) FROM posts WHERE id = ?4
		AND (?5 = 0 OR (SELECT COUNT(*) FROM post_revisions WHERE editor_id = ?1 AND created_at > CAST(?3 AS BIGINT) - 3600) < ?5)`,
		editorID, oldTitle, now, p.ID, budget)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return &EditLimitError{Budget: budget}
	}
	_, err = tx.ExecContext(ctx, `UPDATE posts SET body_md = ?, body_html = ?, body_text = ?, edited_at = ? WHERE id = ?`,
		body, html, text, now, p.ID)
	return err
}

// RetitleIn gives a thread a new title (and the slug made of it) and tags,
// in the caller's transaction.
func (f *Forum) RetitleIn(ctx context.Context, tx *sql.Tx, threadID int64, title string, tags []string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET title = ?, slug = ? WHERE id = ?`, title, Slugify(title), threadID); err != nil {
		return err
	}
	return SetTags(ctx, tx, threadID, tags)
}

// SetTags replaces a thread's tags (names already parsed), making the tags
// that do not exist yet.
func SetTags(ctx context.Context, tx db.Querier, threadID int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM thread_tags WHERE thread_id = ?`, threadID); err != nil {
		return err
	}
	for _, name := range tags {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`, name).Scan(&id)
		if err != nil {
			return fmt.Errorf("tag %q: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO thread_tags (thread_id, tag_id) VALUES (?, ?)`, threadID, id); err != nil {
			return err
		}
	}
	return nil
}

// RemovePostIn removes a post softly in the caller's transaction: the row stays,
// its text is no longer shown. Removing a question removes its thread;
// removing the accepted answer unaccepts it. removed is false when it was
// removed already (by a concurrent request): nothing changed. The thread's
// counts, its article and search row are the caller's to bring up to date.
func (f *Forum) RemovePostIn(ctx context.Context, tx *sql.Tx, p *Post, at time.Time) (removed bool, err error) {
	now := at.Unix()
	res, err := tx.ExecContext(ctx, `UPDATE posts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, now, p.ID)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if p.IsQuestion {
		_, err = tx.ExecContext(ctx, `UPDATE threads SET deleted_at = ? WHERE id = ?`, now, p.ThreadID)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE threads SET accepted_id = CASE WHEN accepted_id = ?1 THEN NULL ELSE accepted_id END,
			accepted_at = CASE WHEN accepted_id = ?1 THEN NULL ELSE accepted_at END,
			accepted_author_id = CASE WHEN accepted_id = ?1 THEN NULL ELSE accepted_author_id END WHERE id = ?2`, p.ID, p.ThreadID)
	}
	return err == nil, err
}

// Revision is a post as it was before one edit.
type Revision struct {
	ID        int64
	Editor    accounts.UserRef
	Title     string
	BodyMD    string
	CreatedAt time.Time
}

// Revisions lists a post's earlier versions, newest first.
func (f *Forum) Revisions(ctx context.Context, postID int64) ([]Revision, error) {
	rows, err := f.reader(ctx).QueryContext(ctx, `SELECT r.id, r.title, r.body_md, r.created_at, u.id, u.username, u.role
		FROM post_revisions r JOIN users u ON u.id = r.editor_id WHERE r.post_id = ? ORDER BY r.id DESC`, postID)
	if err != nil {
		return nil, fmt.Errorf("list revisions of %d: %w", postID, err)
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var r Revision
		var at int64
		var role string
		if err := rows.Scan(&r.ID, &r.Title, &r.BodyMD, &at, &r.Editor.ID, &r.Editor.Username, &role); err != nil {
			return nil, fmt.Errorf("scan revision: %w", err)
		}
		r.CreatedAt, r.Editor.Role = time.Unix(at, 0), policy.Role(role)
		out = append(out, r)
	}
	return out, rows.Err()
}
