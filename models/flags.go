package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/policy"
)

// Flag reasons.
func FlagReasons() []string { return []string{"spam", "abusive", "off-topic", "unsafe"} }

// FlagPost reports a post to the moderators. Flagging the same post again
// while the first flag is open changes nothing.
func (s *Store) FlagPost(ctx context.Context, reporter *User, postID int64, reason, note string) error {
	if err := s.suspendedErr(reporter); err != nil {
		return err
	}
	ok := false
	for _, r := range FlagReasons() {
		ok = ok || r == reason
	}
	note = strings.TrimSpace(note)
	v := validator{}
	v.check(ok, "reason", "Choose why you are flagging this post.")
	v.check(len([]rune(note)) <= 500, "note", "Keep the note to 500 characters.")
	if err := v.err(); err != nil {
		return err
	}
	p, err := s.Post(ctx, postID)
	if err != nil {
		return err
	}
	t, err := s.Thread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	if err := decide(policy.Flag, reporter, p, t); err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO flags (post_id, reporter_id, reason, note, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, postID, reporter.ID, reason, note, s.now().Unix())
	if err != nil {
		return fmt.Errorf("flag post %d: %w", postID, err)
	}
	return nil
}

// FlaggedPost is a post in the flag queue with its open flags.
type FlaggedPost struct {
	Post     *Post
	Thread   Thread
	Reasons  map[string]int
	Notes    []string
	FlagIDs  []int64
	LastFlag time.Time
}

// FlagQueue lists posts with open flags, most flagged first.
func (s *Store) FlagQueue(ctx context.Context, actor *User) ([]FlaggedPost, error) {
	if !actor.Can(PermTriageFlags) {
		return nil, ErrForbidden
	}
	// Only posts in categories the triager may see.
	filter, args, err := s.categoryFilter(ctx, actor, "t.category_id")
	if err != nil {
		return nil, err
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT f.id, f.post_id, f.reason, f.note, f.created_at FROM flags f
		JOIN posts p ON p.id = f.post_id JOIN threads t ON t.id = p.thread_id
		WHERE f.status = 'open'`+filter+` ORDER BY f.post_id, f.id LIMIT 2000`, args...)
	if err != nil {
		return nil, fmt.Errorf("list flags: %w", err)
	}
	byPost := map[int64]*FlaggedPost{}
	var order []int64
	for rows.Next() {
		var id, postID, at int64
		var reason, note string
		if err := rows.Scan(&id, &postID, &reason, &note, &at); err != nil {
			rows.Close()
			return nil, err
		}
		fp := byPost[postID]
		if fp == nil {
			fp = &FlaggedPost{Reasons: map[string]int{}}
			byPost[postID] = fp
			order = append(order, postID)
		}
		fp.Reasons[reason]++
		fp.FlagIDs = append(fp.FlagIDs, id)
		if note != "" {
			fp.Notes = append(fp.Notes, note)
		}
		fp.LastFlag = time.Unix(at, 0)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, nil
	}
	// The posts and their threads in a few queries, not two per post.
	rows, err = s.reader(ctx).QueryContext(ctx, `SELECT `+postColumns+postJoins+` WHERE p.id IN (`+placeholders(len(order))+`)`, idArgs(order)...)
	posts, err := keyedByID(rows, err, scanPost, func(p *Post) int64 { return p.ID })
	if err != nil {
		return nil, fmt.Errorf("load flagged posts: %w", err)
	}
	var threadIDs []int64
	seen := map[int64]bool{}
	for _, p := range posts {
		if !seen[p.ThreadID] {
			seen[p.ThreadID] = true
			threadIDs = append(threadIDs, p.ThreadID)
		}
	}
	rows, err = s.reader(ctx).QueryContext(ctx, `SELECT `+threadColumns+threadJoins+` WHERE t.id IN (`+placeholders(len(threadIDs))+`)
		AND t.question_id IS NOT NULL`, idArgs(threadIDs)...)
	threads, err := keyedByID(rows, err, scanThread, func(t *Thread) int64 { return t.ID })
	if err != nil {
		return nil, fmt.Errorf("load threads of flagged posts: %w", err)
	}
	list := make([]*Thread, 0, len(threads))
	for _, t := range threads {
		list = append(list, t)
	}
	if err := s.fillTags(ctx, list); err != nil {
		return nil, err
	}
	var out []FlaggedPost
	for _, id := range order {
		fp := byPost[id]
		fp.Post = posts[id]
		if fp.Post == nil || threads[fp.Post.ThreadID] == nil {
			return nil, fmt.Errorf("load flagged post %d: %w", id, ErrNotFound)
		}
		if (fp.Post.Hidden || fp.Post.Pending) && !actor.Can(PermHide) {
			fp.Post.Redacted, fp.Post.BodyMD, fp.Post.BodyHTML = true, "", ""
		}
		fp.Thread = *threads[fp.Post.ThreadID]
		out = append(out, *fp)
	}
	// Most flags first, then the most recent.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j].FlagIDs) > len(out[j-1].FlagIDs); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// DismissFlags closes a post's open flags without acting on the post.
func (s *Store) DismissFlags(ctx context.Context, actor *User, postID int64, reason string) error {
	if !actor.Can(PermTriageFlags) {
		return ErrForbidden
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE flags SET status = 'dismissed', handled_by = ?, handled_at = ?
			WHERE post_id = ? AND status = 'open'`, actor.ID, s.now().Unix(), postID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return logAction(ctx, tx, s.now(), actor, "dismiss_flags", "post", postID, strings.TrimSpace(reason))
	})
}

// ApprovalQueue lists posts waiting for approval, oldest first.
func (s *Store) ApprovalQueue(ctx context.Context, actor *User) ([]*Post, error) {
	if !actor.Can(PermHide) {
		return nil, ErrForbidden
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+postColumns+postJoins+` WHERE p.pending = 1 AND p.deleted_at IS NULL
		AND p.hidden_at IS NULL ORDER BY p.id LIMIT 200`)
	if err != nil {
		return nil, fmt.Errorf("list approval queue: %w", err)
	}
	defer rows.Close()
	var out []*Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ApprovePost publishes a queued post; with approve false it is hidden
// instead (nothing is deleted), with the reason for its author.
func (s *Store) ApprovePost(ctx context.Context, actor *User, postID int64, approve bool, reason string) error {
	if !actor.Can(PermHide) {
		return ErrForbidden
	}
	p, err := s.Post(ctx, postID)
	if err != nil {
		return err
	}
	if !p.Pending {
		return &ErrNotAllowed{Reason: "That post is not waiting for approval."}
	}
	var hideReason string
	if !approve {
		if strings.TrimSpace(reason) == "" {
			reason = "Not approved by a moderator."
		}
		if hideReason, err = reasonRequired(reason); err != nil {
			return err
		}
	}
	// Read before the write: inside it every read goes through tx.
	t, err := s.Thread(ctx, p.ThreadID)
	if err != nil {
		return err
	}
	author, err := s.UserByID(ctx, p.Author.ID)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// A rejected post is hidden as HidePost would, in the same transaction.
		if !approve {
			if err := s.hidePostAndTell(ctx, tx, actor, p, hideReason); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET pending = 0 WHERE id = ?`, postID); err != nil {
			return err
		}
		if p.IsQuestion {
			if _, err := tx.ExecContext(ctx, `UPDATE threads SET pending = 0 WHERE id = ?`, p.ThreadID); err != nil {
				return err
			}
		} else if approve {
			if _, err := tx.ExecContext(ctx, `UPDATE threads SET last_activity_at = max(last_activity_at, CAST(? AS BIGINT)) WHERE id = ?`, s.now().Unix(), p.ThreadID); err != nil {
				return err
			}
		}
		if err := s.refreshThread(ctx, tx, p.ThreadID); err != nil {
			return err
		}
		if approve {
			if err := s.notifyNewPost(ctx, tx, author, t, postID, p.BodyMD, p.IsQuestion); err != nil {
				return err
			}
		}
		action := "approve_post"
		if !approve {
			action = "reject_post"
		}
		return logAction(ctx, tx, s.now(), actor, action, "post", postID, strings.TrimSpace(reason))
	})
}

// IsValidation reports whether err carries field messages.
func IsValidation(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}

// FlaggedPosts says which of the posts the user has an open flag on, for
// "You flagged this".
func (s *Store) FlaggedPosts(ctx context.Context, userID int64, postIDs []int64) (map[int64]bool, error) {
	if len(postIDs) == 0 {
		return nil, nil
	}
	ids, err := s.ids(ctx, `SELECT post_id FROM flags WHERE reporter_id = ? AND status = 'open' AND post_id IN (`+placeholders(len(postIDs))+`)`,
		append([]any{userID}, idArgs(postIDs)...)...)
	if err != nil {
		return nil, fmt.Errorf("load flags of %d: %w", userID, err)
	}
	flagged := make(map[int64]bool, len(ids))
	for _, id := range ids {
		flagged[id] = true
	}
	return flagged, nil
}
