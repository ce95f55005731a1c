package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/markup"
	"github.com/crowdcare/crowdcare/models/policy"
)

// PostEdit is what the edit form sends. Title and Tags apply to questions only.
type PostEdit struct {
	Body  string
	Title string
	Tags  string
	// Key is the form's submission key: the same key again (within a day)
	// writes nothing.
	Key string
}

// EditPost changes a post's text, keeping what it said before as a revision.
func (s *Store) EditPost(ctx context.Context, editor *User, postID int64, e PostEdit) error {
	e.Key = submissionKey("edit", e.Key)
	_, _, err := s.repeated(ctx, editor.ID, e.Key, func() (int64, error) {
		return postID, s.editPost(ctx, editor, postID, e)
	})
	return err
}

func (s *Store) editPost(ctx context.Context, editor *User, postID int64, e PostEdit) error {
	p, err := s.Post(ctx, postID)
	if err != nil {
		return err
	}
	t, err := s.Thread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	if err := decide(policy.Edit, editor, p, t); err != nil {
		return err
	}
	// Superusers may retitle and retag questions without touching the text.
	titleOnly := policy.MayEditTitleOnly(editor.Actor(), PolicyPost(p, t))
	if titleOnly {
		e.Body = p.BodyMD
	}
	if editor.Suspended(s.now()) {
		return &ErrNotAllowed{Reason: "Your account is suspended: you can read but not edit."}
	}
	if err := s.unverifiedErr(ctx, editor); err != nil {
		return err
	}
	e.Body = strings.TrimSpace(cleanText(e.Body))
	e.Title = strings.Join(strings.Fields(cleanText(e.Title)), " ")
	tags := ParseTags(cleanText(e.Tags))
	v := validator{}
	checkBody(v, e.Body)
	if p.IsQuestion {
		checkTitle(v, e.Title)
		checkTags(v, tags)
	}
	var r markup.Body
	if titleOnly {
		// The text stays the author's, as it was accepted.
		r.Rendered, err = s.md.Render(e.Body)
	} else {
		r, err = s.renderBody(v, "body", e.Body)
	}
	if err != nil {
		return err
	}
	if err := v.err(); err != nil {
		return err
	}
	budget, err := s.hourlyLimit(ctx, editor)
	if err != nil {
		return err
	}
	lim, err := s.uploadLimitsFor(ctx, r)
	if err != nil {
		return err
	}
	now := s.now().Unix()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var oldTitle string
		if err := tx.QueryRowContext(ctx, `SELECT title FROM threads WHERE id = ?`, p.ThreadID).Scan(&oldTitle); err != nil {
			return err
		}
		if !p.IsQuestion {
			oldTitle = ""
		}
		// The budget is checked by the statement that records the edit, so
		// edits sent in parallel cannot all slip under it.
		res, err := tx.ExecContext(ctx, `INSERT INTO post_revisions (post_id, editor_id, title, body_md, created_at)
			SELECT id, ?1, ?2, body_md, CAST(?3 AS BIGINT) FROM posts WHERE id = ?4
			AND (?5 = 0 OR (SELECT COUNT(*) FROM post_revisions WHERE editor_id = ?1 AND created_at > CAST(?3 AS BIGINT) - 3600) < ?5)`,
			editor.ID, oldTitle, now, postID, budget)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return &ErrNotAllowed{Reason: fmt.Sprintf("You have edited posts %d times in the last hour, the most this community allows. "+
				"Please wait a little before saving again.", budget)}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET body_md = ?, body_html = ?, body_text = ?, edited_at = ? WHERE id = ?`,
			e.Body, r.HTML, r.Text, now, postID); err != nil {
			return err
		}
		// The editor's uploads join the post (an author adding a screenshot;
		// a moderator's own uploads in someone's post stay theirs).
		if err := s.attachReferenced(ctx, tx, editor.ID, postID, r.Uploads, lim); err != nil {
			return err
		}
		if err := s.claimSubmission(ctx, tx, editor.ID, e.Key, postID); err != nil {
			return err
		}
		if p.IsQuestion {
			if _, err := tx.ExecContext(ctx, `UPDATE threads SET title = ?, slug = ? WHERE id = ?`,
				e.Title, Slugify(e.Title), p.ThreadID); err != nil {
				return err
			}
			if err := setTags(ctx, tx, p.ThreadID, tags); err != nil {
				return err
			}
		}
		if err := s.indexThread(ctx, tx, p.ThreadID); err != nil {
			return err
		}
		return s.syncArticle(ctx, tx, kbPostEdited, p.ThreadID, postID)
	})
	if err != nil {
		return fmt.Errorf("edit post %d: %w", postID, err)
	}
	return nil
}

// hourlyLimit is how many posts u may write in an hour, and apart from
// them how many edits u may save (posts_per_hour); 0 for no limit. Staff
// are not limited.
func (s *Store) hourlyLimit(ctx context.Context, editor *User) (int, error) {
	if editor.Role.IsStaff() {
		return 0, nil
	}
	set, err := s.SiteSettings(ctx)
	if err != nil {
		return 0, err
	}
	return set.PostsPerHour, nil
}

// DeletePost removes a post softly: the row stays, its text is no longer shown.
// Removing a question removes its thread from every list.
func (s *Store) DeletePost(ctx context.Context, actor *User, postID int64) error {
	p, err := s.Post(ctx, postID)
	if err != nil {
		return err
	}
	t, err := s.Thread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	if err := decide(policy.Delete, actor, p, t); err != nil {
		return err
	}
	if err := s.suspendedErr(actor); err != nil {
		return err
	}
	now := s.now().Unix()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE posts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, now, postID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already removed by a concurrent request
		}
		if p.IsQuestion {
			_, err = tx.ExecContext(ctx, `UPDATE threads SET deleted_at = ? WHERE id = ?`, now, p.ThreadID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE threads SET accepted_id = CASE WHEN accepted_id = ?1 THEN NULL ELSE accepted_id END,
				accepted_at = CASE WHEN accepted_id = ?1 THEN NULL ELSE accepted_at END,
				accepted_author_id = CASE WHEN accepted_id = ?1 THEN NULL ELSE accepted_author_id END WHERE id = ?2`, postID, p.ThreadID)
		}
		if err != nil {
			return err
		}
		// Recounted, not decremented: a hidden or queued answer was never counted.
		if err := s.refreshThread(ctx, tx, p.ThreadID); err != nil {
			return err
		}
		return s.syncArticle(ctx, tx, kbPostRemoved, p.ThreadID, postID)
	})
	if err != nil {
		return fmt.Errorf("delete post %d: %w", postID, err)
	}
	return nil
}

// Revision is a post as it was before one edit.
type Revision struct {
	ID        int64
	Editor    UserRef
	Title     string
	BodyMD    string
	CreatedAt time.Time
}

// Revisions lists a post's earlier versions, newest first.
func (s *Store) Revisions(ctx context.Context, postID int64) ([]Revision, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT r.id, r.title, r.body_md, r.created_at, u.id, u.username, u.role
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
		r.CreatedAt, r.Editor.Role = time.Unix(at, 0), Role(role)
		out = append(out, r)
	}
	return out, rows.Err()
}
