package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/crowdcare/crowdcare/models/moderation"
	"github.com/crowdcare/crowdcare/models/policy"
)

// The flags, their queue and the audit log live in models/moderation (their
// SQL); Store embeds a *moderation.Moderator, so handlers call
// store.FlaggedPosts as before. What needs the forum's posts and threads
// (the queue's posts, the approval queue) or the permissions stays here.

// FlagReasons are the reasons a member may give (moderation's).
func FlagReasons() []string { return moderation.FlagReasons() }

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
	return s.Flag(ctx, reporter.ID, postID, reason, note)
}

// FlaggedPost is a post in the flag queue with its open flags (Reasons,
// Notes, FlagIDs, LastFlag).
type FlaggedPost struct {
	Post   *Post
	Thread Thread
	moderation.Flags
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
	flags, err := s.OpenFlags(ctx, filter, args)
	if err != nil {
		return nil, err
	}
	if len(flags) == 0 {
		return nil, nil
	}
	order := make([]int64, len(flags))
	for i, f := range flags {
		order[i] = f.PostID
	}
	// The posts and their threads in a few queries, not two per post.
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+postColumns+postJoins+` WHERE p.id IN (`+placeholders(len(order))+`)`, idArgs(order)...)
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
	threads, err := keyedByID(rows, err, s.scanThread, func(t *Thread) int64 { return t.ID })
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
	for _, f := range flags {
		fp := &FlaggedPost{Post: posts[f.PostID], Flags: *f}
		if fp.Post == nil || threads[fp.Post.ThreadID] == nil {
			return nil, fmt.Errorf("load flagged post %d: %w", f.PostID, ErrNotFound)
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
	return s.Moderator.DismissFlags(ctx, actor.ID, postID, reason)
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
	var t *Thread
	var author *User
	if approve {
		if t, err = s.Thread(ctx, p.ThreadID); err != nil {
			return err
		}
		if author, err = s.UserByID(ctx, p.Author.ID); err != nil {
			return err
		}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// A rejected post is hidden as HidePost would, in the same transaction.
		if !approve {
			if err := s.hidePostAndTell(ctx, tx, actor, p, hideReason); err != nil {
				return err
			}
		}
		// Of two moderators deciding at once, the second finds nothing
		// waiting here, and everything above is rolled back.
		if err := moderation.ClearPending(ctx, tx, postID, p.ThreadID, p.IsQuestion); err != nil {
			return err
		}
		if !p.IsQuestion && approve {
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
	if errors.Is(err, moderation.ErrNotPending) {
		return &ErrNotAllowed{Reason: "That post is not waiting for approval."}
	}
	return err
}

// IsValidation reports whether err carries field messages.
func IsValidation(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}
