package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/moderation"
	"github.com/crowdcare/crowdcare/models/notallowed"
	"github.com/crowdcare/crowdcare/models/policy"
)

// noOriginal refuses a duplicate's original that is not there for the
// moderator: missing, removed, hidden, queued or in a category they cannot see.
func noOriginal() error {
	return &ValidationError{Fields: map[string]string{"original": "There is no visible thread with that number."}}
}

// reasonRequired checks a moderator's reason, which the author will read.
func reasonRequired(reason string) (string, error) {
	reason = strings.TrimSpace(cleanText(reason))
	if reason == "" {
		return "", &ValidationError{Fields: map[string]string{"reason": "Give a reason: the author will see it."}}
	}
	if utf8.RuneCountInString(reason) > 500 {
		return "", &ValidationError{Fields: map[string]string{"reason": "Keep the reason to 500 characters."}}
	}
	return reason, nil
}

// refreshThread recounts a thread's visible answers and updates its search
// row; every moderation change to a post ends with it.
func (s *Store) refreshThread(ctx context.Context, tx *sql.Tx, threadID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET answer_count = (SELECT COUNT(*) FROM posts p
		WHERE p.thread_id = ?1 AND p.is_question = 0 AND `+visiblePost+`),
		first_answer_at = (SELECT MIN(p.created_at) FROM posts p
			WHERE p.thread_id = ?1 AND p.is_question = 0 AND p.author_id != threads.author_id AND `+visiblePost+`) WHERE id = ?1`, threadID); err != nil {
		return fmt.Errorf("recount thread %d: %w", threadID, err)
	}
	return s.indexThread(ctx, tx, threadID)
}

// HidePost hides a post from everyone but its author and staff, with a
// reason the author sees. Hiding a question hides its thread.
func (s *Store) HidePost(ctx context.Context, actor *User, postID int64, reason string) error {
	if !actor.Can(PermHide) {
		return ErrForbidden
	}
	reason, err := reasonRequired(reason)
	if err != nil {
		return err
	}
	p, err := s.Post(ctx, postID)
	if err != nil {
		return err
	}
	if err := s.decideOnPost(ctx, policy.Hide, actor, p); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.hidePostAndTell(ctx, tx, actor, p, reason); err != nil {
			return err
		}
		return s.refreshThread(ctx, tx, p.ThreadID)
	})
}

// hidePostAndTell hides the post, actions its open flags and tells its
// author why; the caller recounts the thread (refreshThread) once it has
// done the rest of its change.
func (s *Store) hidePostAndTell(ctx context.Context, tx *sql.Tx, actor *User, p *Post, reason string) error {
	now := s.now().Unix()
	if _, err := s.hidePostTx(ctx, tx, p.ID, reason, now); err != nil {
		return err
	}
	if err := moderation.ActionFlags(ctx, tx, actor.ID, p.ID, time.Unix(now, 0)); err != nil {
		return err
	}
	if err := s.notify(ctx, tx, p.Author.ID, actor.ID, NotifyModeration, p.ThreadID, p.ID,
		"A moderator hid your post: "+reason); err != nil {
		return err
	}
	return logAction(ctx, tx, s.now(), actor, "hide_post", "post", p.ID, reason)
}

// hidePostTx hides one post with its reason (a question hides its thread)
// and takes it out of the knowledge base. It returns the post's thread,
// which the caller recounts with refreshThread: once per thread when
// hiding many posts.
func (s *Store) hidePostTx(ctx context.Context, tx *sql.Tx, postID int64, reason string, at int64) (int64, error) {
	threadID, _, err := moderation.HidePost(ctx, tx, postID, reason, time.Unix(at, 0))
	if err != nil {
		return 0, err
	}
	return threadID, s.syncArticle(ctx, tx, kbPostRemoved, threadID, postID)
}

// UnhidePost shows a hidden post again.
func (s *Store) UnhidePost(ctx context.Context, actor *User, postID int64, reason string) error {
	if !actor.Can(PermHide) {
		return ErrForbidden
	}
	p, err := s.Post(ctx, postID)
	if err != nil {
		return err
	}
	if err := s.decideOnPost(ctx, policy.Hide, actor, p); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := moderation.UnhidePost(ctx, tx, postID, p.ThreadID, p.IsQuestion); err != nil {
			return err
		}
		if err := s.refreshThread(ctx, tx, p.ThreadID); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, "unhide_post", "post", postID, strings.TrimSpace(reason))
	})
}

// threadAction runs a staff action on a thread and logs it.
func (s *Store) threadAction(ctx context.Context, actor *User, perm Permission, threadID int64, action, reason string,
	fn func(tx *sql.Tx, t *Thread) error) error {
	if !actor.Can(perm) {
		return ErrForbidden
	}
	t, err := s.Thread(ctx, threadID)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx, t); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, action, "thread", threadID, strings.TrimSpace(reason))
	})
}

// LockThread stops (or with locked false, allows again) new answers.
func (s *Store) LockThread(ctx context.Context, actor *User, threadID int64, locked bool, reason string) error {
	action, at := "unlock_thread", s.now()
	if locked {
		action = "lock_thread"
	}
	return s.threadAction(ctx, actor, PermLock, threadID, action, reason, func(tx *sql.Tx, t *Thread) error {
		if err := moderation.LockThread(ctx, tx, threadID, locked, at); err != nil {
			return err
		}
		if locked {
			return s.notify(ctx, tx, t.Author.ID, actor.ID, NotifyModeration, threadID, 0, "A moderator locked your question: no new answers.")
		}
		return nil
	})
}

// PinThread puts a thread at the top of its category, or takes it off.
func (s *Store) PinThread(ctx context.Context, actor *User, threadID int64, pinned bool) error {
	action, at := "unpin_thread", s.now()
	if pinned {
		action = "pin_thread"
	}
	return s.threadAction(ctx, actor, PermLock, threadID, action, "", func(tx *sql.Tx, t *Thread) error {
		return moderation.PinThread(ctx, tx, threadID, pinned, at)
	})
}

// MoveThread puts a thread in another category. Its author is told where,
// unless they cannot see that category: the notice does not name it then.
func (s *Store) MoveThread(ctx context.Context, actor *User, threadID int64, categorySlug, reason string) error {
	cat, err := s.CategoryBySlug(ctx, categorySlug)
	if errors.Is(err, ErrNotFound) {
		return &ValidationError{Fields: map[string]string{"category": "Choose a category."}}
	}
	if err != nil {
		return err
	}
	return s.threadAction(ctx, actor, PermMove, threadID, "move_thread", "to "+cat.Name+". "+reason, func(tx *sql.Tx, t *Thread) error {
		privacyChanged, err := moderation.MoveThread(ctx, tx, threadID, cat.ID)
		if err != nil {
			return err
		}
		// The thread's search row holds its article: one write for both.
		if err := s.indexThread(ctx, tx, threadID); err != nil {
			return err
		}
		if privacyChanged {
			if err := recountPrivateReputation(ctx, tx, `p.thread_id = ?`, threadID); err != nil {
				return err
			}
		}
		notice := "A moderator moved your question to " + cat.Name + "."
		// Asked in the transaction: a read through the pool while it holds
		// a connection could wait for the last free one.
		if cat.Group != "" {
			may, err := mayRead(ctx, tx, t.Author.ID, cat.ID)
			if err != nil {
				return err
			}
			if !may {
				notice = "A moderator moved your question to a category you cannot see."
			}
		}
		return s.notify(ctx, tx, t.Author.ID, actor.ID, NotifyModeration, threadID, 0, notice)
	})
}

// CloseAsDuplicate closes a thread (no new answers) and points to the original;
// originalID 0 reopens it. An original in a private category must be in the
// thread's own category, as for an incident's thread.
func (s *Store) CloseAsDuplicate(ctx context.Context, actor *User, threadID, originalID int64, reason string) error {
	if originalID != 0 {
		if originalID == threadID {
			return &ValidationError{Fields: map[string]string{"original": "A thread cannot duplicate itself."}}
		}
		orig, err := s.Thread(ctx, originalID)
		if errors.Is(err, ErrNotFound) || err == nil && orig.Gone() {
			return noOriginal()
		}
		if err != nil {
			return err
		}
		seen, err := s.CanSeeCategory(ctx, actor, orig.Category.ID)
		if err != nil {
			return err
		}
		if !seen {
			return noOriginal()
		}
		if orig.DuplicateOf == threadID {
			return mutualDuplicate() // checked again in the write
		}
	}
	action := "reopen_thread"
	if originalID != 0 {
		action = "close_duplicate"
	}
	err := s.threadAction(ctx, actor, PermLock, threadID, action, reason, func(tx *sql.Tx, t *Thread) error {
		if originalID == 0 {
			return moderation.CloseAsDuplicate(ctx, tx, threadID, 0, s.now())
		}
		// The notice on the duplicate names the original: a private one
		// only where everyone who sees the duplicate may open it too. Read
		// in the write: either thread may have moved since.
		var dupCategory, origCategory int64
		var origGroup string
		if err := tx.QueryRowContext(ctx, `SELECT d.category_id, o.category_id, c.group_name
			FROM threads d, threads o JOIN categories c ON c.id = o.category_id WHERE d.id = ? AND o.id = ?`,
			threadID, originalID).Scan(&dupCategory, &origCategory, &origGroup); err != nil {
			return err
		}
		if origGroup != "" && dupCategory != origCategory {
			return &ValidationError{Fields: map[string]string{"original": "That thread is in a private category: " +
				"only a thread in the same category can be closed as its duplicate."}}
		}
		if err := moderation.CloseAsDuplicate(ctx, tx, threadID, originalID, s.now()); err != nil {
			return err
		}
		return s.notify(ctx, tx, t.Author.ID, actor.ID, NotifyModeration, threadID, 0,
			fmt.Sprintf("A moderator closed your question as a duplicate of thread %d, which may already answer it.", originalID))
	})
	if errors.Is(err, moderation.ErrMutualDuplicate) {
		return mutualDuplicate()
	}
	return err
}

// mutualDuplicate refuses closing a thread as a duplicate of its own duplicate.
func mutualDuplicate() error {
	return &ValidationError{Fields: map[string]string{"original": "That thread is already a duplicate of this one."}}
}

// SuspendUser stops a member from posting until the given time.
func (s *Store) SuspendUser(ctx context.Context, actor *User, userID int64, until time.Time, reason string) error {
	if !actor.Can(PermSuspend) {
		return ErrForbidden
	}
	reason, err := reasonRequired(reason)
	if err != nil {
		return err
	}
	target, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !CanSuspendUser(actor, target) {
		return &ErrNotAllowed{Kind: notallowed.SuspendStaff}
	}
	if !until.After(s.now()) {
		return &ValidationError{Fields: map[string]string{"days": "Suspend for at least one day."}}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := moderation.Suspend(ctx, tx, userID, until, reason); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, userID, actor.ID, NotifyModeration, 0, 0,
			"Your account is suspended until "+until.UTC().Format("2 Jan 2006")+": "+reason); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, "suspend_user", "user", userID, reason+" (until "+until.UTC().Format("2006-01-02")+")")
	})
}

// UnsuspendUser lifts a suspension. Nobody lifts their own, not even an
// admin, and only an admin lifts a staff member's.
func (s *Store) UnsuspendUser(ctx context.Context, actor *User, userID int64, reason string) error {
	if !actor.Can(PermSuspend) {
		return ErrForbidden
	}
	if err := s.suspendedErr(actor); err != nil {
		return err
	}
	target, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !CanSuspendUser(actor, target) {
		return &ErrNotAllowed{Kind: notallowed.UnsuspendStaff}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := moderation.Unsuspend(ctx, tx, userID); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, "unsuspend_user", "user", userID, strings.TrimSpace(reason))
	})
}

// RemoveSpammer suspends an account for good and hides everything it posted,
// in one transaction. Nothing is deleted, so a mistake can be undone.
func (s *Store) RemoveSpammer(ctx context.Context, actor *User, userID int64, reason string) (int, error) {
	if !actor.Can(PermSuspend) || !actor.Can(PermHide) {
		return 0, ErrForbidden
	}
	if strings.TrimSpace(reason) == "" {
		reason = "Spam"
	}
	target, err := s.UserByID(ctx, userID)
	if err != nil {
		return 0, err
	}
	if !CanRemoveSpammer(actor, target) {
		return 0, &ErrNotAllowed{Kind: notallowed.RemoveStaffAsSpammer}
	}
	now := s.now()
	var posts []int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := moderation.Suspend(ctx, tx, userID, now.AddDate(100, 0, 0), reason); err != nil {
			return err
		}
		// Listed after the suspension, in its transaction: a post written
		// before it commits is hidden with the rest.
		var err error
		if posts, err = moderation.VisiblePostsIn(ctx, tx, userID); err != nil {
			return err
		}
		threads := map[int64]bool{}
		for _, id := range posts {
			threadID, err := s.hidePostTx(ctx, tx, id, reason, now.Unix())
			if err != nil {
				return err
			}
			threads[threadID] = true
		}
		for id := range threads {
			if err := s.refreshThread(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := moderation.ActionFlagsOfAuthor(ctx, tx, actor.ID, userID, now); err != nil {
			return err
		}
		return logAction(ctx, tx, now, actor, "remove_spammer", "user", userID, fmt.Sprintf("%s (%d posts hidden)", reason, len(posts)))
	})
	return len(posts), err
}

// SuspendedRefusal is the refusal a suspended account gets for any change it
// asks for, saying until when and why; nil when u is not suspended. The web
// layer refuses every state-changing request with it, and the store again
// for what a suspended account would otherwise get done.
func (s *Store) SuspendedRefusal(u *User) error { return suspendedErr(u, s.now()) }

func (s *Store) suspendedErr(u *User) error { return suspendedErr(u, s.now()) }

// suspendedErr refuses a suspended account, saying until when and why.
func suspendedErr(u *User, now time.Time) error {
	if !u.Suspended(now) {
		return nil
	}
	return &ErrNotAllowed{Kind: notallowed.Suspended, Until: u.SuspendedUntil, Why: u.SuspendReason}
}

// checkCanPost refuses a suspended author, and one who must confirm their
// email address first, before anything is written and returns how many
// posts they may write in an hour (0: no limit), which withinPostBudget
// checks inside the write.
func (s *Store) checkCanPost(ctx context.Context, author *User) (int, error) {
	if err := s.suspendedErr(author); err != nil {
		return 0, err
	}
	if err := s.unverifiedErr(ctx, author); err != nil {
		return 0, err
	}
	return s.hourlyLimit(ctx, author)
}

// stillMayWrite checks, inside the transaction of a member's write (which
// holds the writer), what may have changed since the request read the
// member: a suspension or an account deletion committed meanwhile refuses
// the write, as the audit log refuses a suspended moderator's action
// (moderation.Log).
func (s *Store) stillMayWrite(ctx context.Context, tx *sql.Tx, u *User) error {
	st, err := accounts.StandingIn(ctx, tx, u.ID)
	switch {
	case err != nil:
		return err
	case st.Gone:
		return ErrForbidden
	}
	return suspendedErr(&User{SuspendedUntil: st.Until, SuspendReason: st.Why}, s.now())
}

// withinPostBudget checks, inside the transaction that adds a post, that
// the author still may write (stillMayWrite), and counts their posts of the
// last hour one after another, so parallel posts cannot all slip under the
// limit.
func (s *Store) withinPostBudget(ctx context.Context, tx *sql.Tx, author *User, perHour int) error {
	if err := s.stillMayWrite(ctx, tx, author); err != nil {
		return err
	}
	if perHour <= 0 {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE author_id = ? AND created_at > ?`,
		author.ID, s.now().Add(-time.Hour).Unix()).Scan(&n); err != nil {
		return fmt.Errorf("count recent posts: %w", err)
	}
	if n >= perHour {
		return &ErrNotAllowed{Kind: notallowed.PostsPerHour, N: n}
	}
	return nil
}

// needsApproval reports whether a new post waits in the approval queue: a
// member's post with a link or an image in its HTML (however it was written:
// [x](//host), <https://…>, www.…, a reference), until they have one
// approved post.
func (s *Store) needsApproval(ctx context.Context, author *User, hasLink bool) (bool, error) {
	if author.Role != RoleMember || !hasLink {
		return false, nil
	}
	set, err := s.SiteSettings(ctx)
	if err != nil || !set.ApproveFirstPostsWithLinks {
		return false, err
	}
	var approved int
	if err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM posts p WHERE p.author_id = ? AND `+visiblePost, author.ID).Scan(&approved); err != nil {
		return false, fmt.Errorf("count approved posts: %w", err)
	}
	return approved == 0, nil
}
