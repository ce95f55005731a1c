package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/markup"
	"github.com/crowdcare/crowdcare/models/notallowed"
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
	p, t, err := s.PostWithThread(ctx, postID)
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
		return &ErrNotAllowed{Kind: notallowed.EditSuspended}
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
	if err := v.Err(); err != nil {
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
	now := s.now()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.stillMayWrite(ctx, tx, editor); err != nil {
			if na, ok := IsNotAllowed(err); ok && na.Kind == notallowed.Suspended {
				// Said as the check before the transaction says it.
				return &ErrNotAllowed{Kind: notallowed.EditSuspended}
			}
			return err
		}
		var limit *forum.EditLimitError
		err := s.Forum.ReviseIn(ctx, tx, editor.ID, p, budget, e.Body, string(r.HTML), r.Text, now)
		if errors.As(err, &limit) {
			return &ErrNotAllowed{Kind: notallowed.EditsPerHour, N: limit.Budget}
		}
		if err != nil {
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
			if err := s.Forum.RetitleIn(ctx, tx, p.ThreadID, e.Title, tags); err != nil {
				return err
			}
		}
		if err := s.syncArticle(ctx, tx, kbPostEdited, p.ThreadID, postID); err != nil {
			return err
		}
		return s.indexThread(ctx, tx, p.ThreadID)
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
	p, t, err := s.PostWithThread(ctx, postID)
	if err != nil {
		return err
	}
	if err := decide(policy.Delete, actor, p, t); err != nil {
		return err
	}
	if err := s.suspendedErr(actor); err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		removed, err := s.Forum.RemovePostIn(ctx, tx, p, s.now())
		if err != nil || !removed {
			return err // not removed: already so, by a concurrent request
		}
		if err := s.syncArticle(ctx, tx, kbPostRemoved, p.ThreadID, postID); err != nil {
			return err
		}
		// Recounted, not decremented: a hidden or queued answer was never
		// counted. Its search row (the article's state in it) follows.
		return s.refreshThread(ctx, tx, p.ThreadID)
	})
	if err != nil {
		return fmt.Errorf("delete post %d: %w", postID, err)
	}
	return nil
}

// Revision is a post as it was before one edit (forum.Revision). Alias:
// moved to models/forum, whose Revisions lists them.
type Revision = forum.Revision
