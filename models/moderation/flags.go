package moderation

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// FlagReasons are the reasons a member may give for flagging a post.
func FlagReasons() []string { return []string{"spam", "abusive", "off-topic", "unsafe"} }

// Flag records a member's flag on a post. Flagging the same post again
// while the first flag is open changes nothing. The caller has checked the
// reason, the note and that the reporter may flag the post.
func (m *Moderator) Flag(ctx context.Context, reporterID, postID int64, reason, note string) error {
	_, err := m.db.Exec(ctx, `INSERT INTO flags (post_id, reporter_id, reason, note, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, postID, reporterID, reason, note, m.db.Now().Unix())
	if err != nil {
		return fmt.Errorf("flag post %d: %w", postID, err)
	}
	return nil
}

// Flags are a post's open flags.
type Flags struct {
	PostID   int64
	Reasons  map[string]int // how many flags gave each reason
	Notes    []string
	FlagIDs  []int64
	LastFlag time.Time
}

// OpenFlags lists the open flags by post, in the order of the posts' ids,
// of at most 2,000 flags. filter, with its args, is a condition of the
// caller's on the post's thread (aliased t) that starts with " AND ",
// e.g. the categories the triager may see; "" for none.
func (m *Moderator) OpenFlags(ctx context.Context, filter string, args []any) ([]*Flags, error) {
	rows, err := m.db.Reader(ctx).QueryContext(ctx, `SELECT f.id, f.post_id, f.reason, f.note, f.created_at FROM flags f
		JOIN posts p ON p.id = f.post_id JOIN threads t ON t.id = p.thread_id
		WHERE f.status = 'open'`+filter+` ORDER BY f.post_id, f.id LIMIT 2000`, args...)
	if err != nil {
		return nil, fmt.Errorf("list flags: %w", err)
	}
	defer rows.Close()
	byPost := map[int64]*Flags{}
	var out []*Flags
	for rows.Next() {
		var id, postID, at int64
		var reason, note string
		if err := rows.Scan(&id, &postID, &reason, &note, &at); err != nil {
			return nil, err
		}
		f := byPost[postID]
		if f == nil {
			f = &Flags{PostID: postID, Reasons: map[string]int{}}
			byPost[postID] = f
			out = append(out, f)
		}
		f.Reasons[reason]++
		f.FlagIDs = append(f.FlagIDs, id)
		if note != "" {
			f.Notes = append(f.Notes, note)
		}
		f.LastFlag = time.Unix(at, 0)
	}
	return out, rows.Err()
}

// DismissFlags closes a post's open flags without acting on the post and
// logs it; the store's not-found error when the post has none.
func (m *Moderator) DismissFlags(ctx context.Context, actorID, postID int64, reason string) error {
	return m.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE flags SET status = 'dismissed', handled_by = ?, handled_at = ?
			WHERE post_id = ? AND status = 'open'`, actorID, m.db.Now().Unix(), postID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return m.db.NotFound
		}
		return m.log(ctx, tx, m.db.Now(), actorID, "dismiss_flags", "post", postID, strings.TrimSpace(reason))
	})
}

// ActionFlags marks a post's open flags as acted on by actorID, in the
// transaction that hid it.
func ActionFlags(ctx context.Context, tx *sql.Tx, actorID, postID int64, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE flags SET status = 'actioned', handled_by = ?, handled_at = ?
		WHERE post_id = ? AND status = 'open'`, actorID, at.Unix(), postID); err != nil {
		return fmt.Errorf("action flags of post %d: %w", postID, err)
	}
	return nil
}

// ActionFlagsOfAuthor marks the open flags on every post of an author as
// acted on by actorID, in the transaction that hid them (a spammer's).
func ActionFlagsOfAuthor(ctx context.Context, tx *sql.Tx, actorID, authorID int64, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE flags SET status = 'actioned', handled_by = ?, handled_at = ?
		WHERE status = 'open' AND post_id IN (SELECT id FROM posts WHERE author_id = ?)`, actorID, at.Unix(), authorID); err != nil {
		return fmt.Errorf("action flags of user %d: %w", authorID, err)
	}
	return nil
}

// FlaggedPosts says which of the posts the user has an open flag on, for
// "You flagged this".
func (m *Moderator) FlaggedPosts(ctx context.Context, userID int64, postIDs []int64) (map[int64]bool, error) {
	if len(postIDs) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(postIDs)+1)
	args = append(args, userID)
	for _, id := range postIDs {
		args = append(args, id)
	}
	rows, err := m.db.Reader(ctx).QueryContext(ctx, `SELECT post_id FROM flags WHERE reporter_id = ? AND status = 'open'
		AND post_id IN (`+db.Placeholders(len(postIDs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("load flags of %d: %w", userID, err)
	}
	defer rows.Close()
	flagged := make(map[int64]bool, len(postIDs))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("load flags of %d: %w", userID, err)
		}
		flagged[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load flags of %d: %w", userID, err)
	}
	return flagged, nil
}
