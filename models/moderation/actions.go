package moderation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// The statements of the staff actions on posts, threads and accounts: each
// runs in the transaction of the action, which models' step opens, after
// it has checked the permission and read what it needs, and with the rest
// of its change (the thread's recount and search row, the knowledge base,
// the author's notification, the audit line).

// HidePost hides one post with its reason, and its thread when it is the
// question. It returns the post's thread and whether the post is its
// question.
func HidePost(ctx context.Context, tx *sql.Tx, postID int64, reason string, at time.Time) (threadID int64, question bool, err error) {
	if err := tx.QueryRowContext(ctx, `UPDATE posts SET hidden_at = ?, hidden_reason = ? WHERE id = ?
		RETURNING thread_id, is_question`, at.Unix(), reason, postID).Scan(&threadID, &question); err != nil {
		return 0, false, fmt.Errorf("hide post %d: %w", postID, err)
	}
	if question {
		if _, err := tx.ExecContext(ctx, `UPDATE threads SET hidden_at = ? WHERE id = ?`, at.Unix(), threadID); err != nil {
			return 0, false, fmt.Errorf("hide thread %d: %w", threadID, err)
		}
	}
	return threadID, question, nil
}

// UnhidePost shows a hidden post again, and its thread when it is the
// question.
func UnhidePost(ctx context.Context, tx *sql.Tx, postID, threadID int64, question bool) error {
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET hidden_at = NULL, hidden_reason = '' WHERE id = ?`, postID); err != nil {
		return fmt.Errorf("unhide post %d: %w", postID, err)
	}
	if question {
		if _, err := tx.ExecContext(ctx, `UPDATE threads SET hidden_at = NULL WHERE id = ?`, threadID); err != nil {
			return fmt.Errorf("unhide thread %d: %w", threadID, err)
		}
	}
	return nil
}

// ErrNotPending: the post is no longer waiting for approval (another
// moderator decided first).
var ErrNotPending = errors.New("post not waiting for approval")

// ClearPending takes an approved (or rejected) post out of the approval
// queue, and its thread when it is the question; ErrNotPending when it is
// not in it.
func ClearPending(ctx context.Context, tx *sql.Tx, postID, threadID int64, question bool) error {
	res, err := tx.ExecContext(ctx, `UPDATE posts SET pending = 0 WHERE id = ? AND pending = 1`, postID)
	if err != nil {
		return fmt.Errorf("clear pending post %d: %w", postID, err)
	}
	// Checked and cleared in one statement: of two moderators deciding at
	// once, the second finds nothing waiting.
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("clear pending post %d: %w", postID, err)
	} else if n == 0 {
		return ErrNotPending
	}
	if question {
		if _, err := tx.ExecContext(ctx, `UPDATE threads SET pending = 0 WHERE id = ?`, threadID); err != nil {
			return fmt.Errorf("clear pending thread %d: %w", threadID, err)
		}
	}
	return nil
}

// stamp is a moment for a nullable column: NULL when on is false.
func stamp(on bool, at time.Time) any {
	if !on {
		return nil
	}
	return at.Unix()
}

// LockThread stops (or with locked false, allows again) new answers.
func LockThread(ctx context.Context, tx *sql.Tx, threadID int64, locked bool, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET locked_at = ? WHERE id = ?`, stamp(locked, at), threadID); err != nil {
		return fmt.Errorf("lock thread %d: %w", threadID, err)
	}
	return nil
}

// PinThread puts a thread at the top of its category, or takes it off.
func PinThread(ctx context.Context, tx *sql.Tx, threadID int64, pinned bool, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET pinned_at = ? WHERE id = ?`, stamp(pinned, at), threadID); err != nil {
		return fmt.Errorf("pin thread %d: %w", threadID, err)
	}
	return nil
}

// MoveThread puts a thread in another category. privacyChanged reports
// whether it went from a public category to a private one or back, as tx
// reads the two (not as the request read them before its transaction: a
// move committed meanwhile may have changed where the thread was), so the
// caller recounts the points earned on it.
func MoveThread(ctx context.Context, tx *sql.Tx, threadID, categoryID int64) (privacyChanged bool, err error) {
	var was, will bool
	if err := tx.QueryRowContext(ctx, `SELECT c.group_name != '' FROM threads t JOIN categories c ON c.id = t.category_id
		WHERE t.id = ?`, threadID).Scan(&was); err != nil {
		return false, fmt.Errorf("move thread %d: its category: %w", threadID, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT group_name != '' FROM categories WHERE id = ?`, categoryID).Scan(&will); err != nil {
		return false, fmt.Errorf("move thread %d: category %d: %w", threadID, categoryID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET category_id = ? WHERE id = ?`, categoryID, threadID); err != nil {
		return false, fmt.Errorf("move thread %d: %w", threadID, err)
	}
	return was != will, nil
}

// ErrMutualDuplicate: the original is already a duplicate of the thread
// being closed (as the closing transaction reads it).
var ErrMutualDuplicate = errors.New("the original is a duplicate of this thread")

// CloseAsDuplicate closes a thread (no new answers) pointing to its
// original; originalID 0 reopens it (and unlocks it).
// ErrMutualDuplicate when the original is a duplicate of threadID.
func CloseAsDuplicate(ctx context.Context, tx *sql.Tx, threadID, originalID int64, at time.Time) error {
	var err error
	if originalID == 0 {
		_, err = tx.ExecContext(ctx, `UPDATE threads SET duplicate_of = NULL, locked_at = NULL WHERE id = ?`, threadID)
	} else {
		// Read here, in the write: two threads closed at once as each
		// other's duplicate would otherwise both pass a check made before.
		var mutual bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM threads WHERE id = ? AND duplicate_of = ?)`,
			originalID, threadID).Scan(&mutual); err != nil {
			return fmt.Errorf("close thread %d as a duplicate of %d: %w", threadID, originalID, err)
		}
		if mutual {
			return ErrMutualDuplicate
		}
		_, err = tx.ExecContext(ctx, `UPDATE threads SET duplicate_of = ?, locked_at = ? WHERE id = ?`, originalID, at.Unix(), threadID)
	}
	if err != nil {
		return fmt.Errorf("close thread %d as a duplicate of %d: %w", threadID, originalID, err)
	}
	return nil
}

// Suspend stops a member from posting until the given time, with the
// reason they are shown.
func Suspend(ctx context.Context, tx *sql.Tx, userID int64, until time.Time, reason string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET suspended_until = ?, suspend_reason = ? WHERE id = ?`,
		until.Unix(), reason, userID); err != nil {
		return fmt.Errorf("suspend user %d: %w", userID, err)
	}
	return nil
}

// Unsuspend lifts a member's suspension.
func Unsuspend(ctx context.Context, tx *sql.Tx, userID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET suspended_until = NULL, suspend_reason = '' WHERE id = ?`, userID); err != nil {
		return fmt.Errorf("unsuspend user %d: %w", userID, err)
	}
	return nil
}

// VisiblePostsOf lists the posts of an author that are neither hidden nor
// deleted, oldest first: what removing a spammer hides.
func (m *Moderator) VisiblePostsOf(ctx context.Context, authorID int64) ([]int64, error) {
	return VisiblePostsIn(ctx, m.db.Reader(ctx), authorID)
}

// VisiblePostsIn is VisiblePostsOf read through q: the transaction that
// hides them, so a post written meanwhile is hidden too and the count is
// of the posts this transaction hid.
func VisiblePostsIn(ctx context.Context, q db.Querier, authorID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM posts WHERE author_id = ? AND hidden_at IS NULL AND deleted_at IS NULL ORDER BY id`, authorID)
	if err != nil {
		return nil, fmt.Errorf("list posts of user %d: %w", authorID, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list posts of user %d: %w", authorID, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
