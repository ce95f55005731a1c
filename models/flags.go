package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/crowdcare/crowdcare/models/moderation"
	"github.com/crowdcare/crowdcare/models/notallowed"
	"github.com/crowdcare/crowdcare/models/policy"
)

// The flags, their queue, the approval queue and the audit log live in
// models/moderation (their SQL, read with the forum's columns and scanning
// that newModerator hands down); Store embeds a *moderation.Moderator, so
// handlers call store.FlaggedPosts as before. What stays here: the
// permission and policy checks and what the triager may read, the flag
// form's messages, and approving a post (forum, search, notify, the audit
// log in one transaction).

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
	v.Check(ok, "reason", "Choose why you are flagging this post.")
	v.Check(len([]rune(note)) <= 500, "note", "Keep the note to 500 characters.")
	if err := v.Err(); err != nil {
		return err
	}
	p, t, err := s.PostWithThread(ctx, postID)
	if err != nil {
		return err
	}
	if err := decide(policy.Flag, reporter, p, t); err != nil {
		return err
	}
	return s.Flag(ctx, reporter.ID, postID, reason, note)
}

// FlaggedPost is a post in the flag queue with its thread and open flags.
// Alias: moved to models/moderation.
type FlaggedPost = moderation.FlaggedPost

// FlagQueue lists posts with open flags, most flagged first
// (moderation's FlagQueuePosts), in the categories the triager may see; a
// hidden or queued post's text is left out for a triager who may not hide.
func (s *Store) FlagQueue(ctx context.Context, actor *User) ([]FlaggedPost, error) {
	if !actor.Can(PermTriageFlags) {
		return nil, ErrForbidden
	}
	// Only posts in categories the triager may see.
	filter, args, err := s.categoryFilter(ctx, actor, "t.category_id")
	if err != nil {
		return nil, err
	}
	out, err := s.FlagQueuePosts(ctx, filter, args)
	if err != nil {
		return nil, err
	}
	for _, fp := range out {
		if (fp.Post.Hidden || fp.Post.Pending) && !actor.Can(PermHide) {
			fp.Post.Redacted, fp.Post.BodyMD, fp.Post.BodyHTML = true, "", ""
		}
	}
	return out, nil
}

// DismissFlags closes a post's open flags without acting on the post.
func (s *Store) DismissFlags(ctx context.Context, actor *User, postID int64, reason string) error {
	if !actor.Can(PermTriageFlags) {
		return ErrForbidden
	}
	// As the queue lists them: a post in a category the actor cannot see
	// is not theirs to clear (a superuser's queue leaves private groups'
	// posts out), and answers as a post that does not exist.
	_, t, err := s.PostWithThread(ctx, postID)
	if err != nil {
		return err
	}
	if ok, err := s.CanSeeCategory(ctx, actor, t.Category.ID); err != nil || !ok {
		if err != nil {
			return err
		}
		return ErrNotFound
	}
	return s.Moderator.DismissFlags(ctx, actor.ID, postID, reason)
}

// ApprovalQueue lists posts waiting for approval, oldest first
// (moderation's PendingPosts).
func (s *Store) ApprovalQueue(ctx context.Context, actor *User) ([]*Post, error) {
	if !actor.Can(PermHide) {
		return nil, ErrForbidden
	}
	return s.PendingPosts(ctx)
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
		return &ErrNotAllowed{Kind: notallowed.NotPending}
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
		return &ErrNotAllowed{Kind: notallowed.NotPending}
	}
	return err
}

// IsValidation reports whether err carries field messages.
func IsValidation(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}
