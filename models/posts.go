package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/policy"
)

// Post is a question body or an answer (forum.Post). Alias: moved to
// models/forum.
type Post = forum.Post

// Reading a post (its columns, scanning, Post) is the forum's
// (models/forum/read.go); these are the names this package's files use.

const (
	postColumns = forum.PostColumns
	postJoins   = forum.PostJoins
)

func scanPost(row interface{ Scan(...any) error }) (*Post, error) { return forum.ScanPost(row) }

// ThreadPosts is what a thread page shows (forum.ThreadPosts). Alias:
// moved to models/forum, whose ThreadPosts, VotedPosts, ThreadInsiders and
// AnswerPage read a thread page's posts.
type ThreadPosts = forum.ThreadPosts

// CreateAnswer adds an answer to a thread.
func (s *Store) CreateAnswer(ctx context.Context, author *User, threadID int64, body string) (*Post, error) {
	return s.SubmitAnswer(ctx, author, threadID, body, "")
}

// SubmitAnswer is CreateAnswer for a form with a submission key: the same
// key again (within a day) gives the answer the first submission made, and
// writes nothing.
func (s *Store) SubmitAnswer(ctx context.Context, author *User, threadID int64, body, key string) (*Post, error) {
	key = submissionKey("answer", key)
	var p *Post
	id, first, err := s.repeated(ctx, author.ID, key, func() (int64, error) {
		var err error
		if p, err = s.createAnswer(ctx, author, threadID, body, key, false); err != nil {
			return 0, err
		}
		return p.ID, nil
	})
	if err != nil {
		return nil, err
	}
	if first {
		return p, nil
	}
	return s.Post(ctx, id)
}

// createAnswer is CreateAnswer; trusted skips the posting rules, for seeded
// content (as createThread: the write still refuses a suspended or deleted
// author).
func (s *Store) createAnswer(ctx context.Context, author *User, threadID int64, body, key string, trusted bool) (*Post, error) {
	body = strings.TrimSpace(cleanText(body))
	v := validator{}
	checkBody(v, body)
	r, err := s.renderBody(v, "body", body)
	if err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	pending, perHour := false, 0
	if !trusted {
		if perHour, err = s.checkCanPost(ctx, author); err != nil {
			return nil, err
		}
		if pending, err = s.needsApproval(ctx, author, r.HasLink); err != nil {
			return nil, err
		}
	}
	lim, err := s.uploadLimitsFor(ctx, r)
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	p := &Post{ThreadID: threadID, Author: author.Ref(), BodyMD: body, BodyHTML: template.HTML(r.HTML), CreatedAt: time.Unix(now, 0), Pending: pending}
	t, err := s.Thread(ctx, threadID)
	if err != nil {
		return nil, err
	}
	if !trusted {
		if err := storeRefusal(policy.MayAnswer(author.Actor(), PolicyThread(t))); err != nil {
			return nil, err
		}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.withinPostBudget(ctx, tx, author, perHour); err != nil {
			return err
		}
		var open bool
		stored := *t
		err := tx.QueryRowContext(ctx, `SELECT `+visibleThread+`, t.locked_at IS NOT NULL FROM threads t WHERE t.id = ?`, threadID).
			Scan(&open, &stored.Locked)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !open) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		// Decided again on the thread as the write sees it: locked since
		// it was read, it takes no answer (on PostgreSQL another server's
		// lock can commit in between).
		if !trusted {
			if err := storeRefusal(policy.MayAnswer(author.Actor(), PolicyThread(&stored))); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, body_md, body_html, body_text, created_at, pending)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, threadID, author.ID, body, r.HTML, r.Text, now, pending).Scan(&p.ID); err != nil {
			return err
		}
		if err := s.claimSubmission(ctx, tx, author.ID, key, p.ID); err != nil {
			return err
		}
		if err := s.attachReferenced(ctx, tx, author.ID, p.ID, r.Uploads, lim); err != nil {
			return err
		}
		if pending {
			return nil // counted, indexed and announced once approved
		}
		if _, err = tx.ExecContext(ctx, `UPDATE threads SET answer_count = answer_count + 1,
			last_activity_at = max(last_activity_at, CAST(?1 AS BIGINT)),
			first_answer_at = CASE WHEN author_id = ?3 THEN first_answer_at
				ELSE min(COALESCE(first_answer_at, CAST(?1 AS BIGINT)), CAST(?1 AS BIGINT)) END
			WHERE id = ?2`, now, threadID, author.ID); err != nil {
			return err
		}
		if err := s.notifyNewPost(ctx, tx, author, t, p.ID, body, false); err != nil {
			return err
		}
		return s.indexThread(ctx, tx, threadID)
	})
	if err != nil {
		return nil, fmt.Errorf("answer thread %d: %w", threadID, err)
	}
	return p, nil
}

// CanEdit reports whether u may edit p's text or delete p
// (policy.MayEditText).
func CanEdit(u *User, p *Post) bool {
	return policy.MayEditText(u.Actor(), policy.Post{AuthorID: p.Author.ID, Deleted: p.Deleted})
}

// CanSeeRevisions reports whether u may read p's edit history
// (policy.MaySeeHistory, which reads nothing of the thread).
func CanSeeRevisions(u *User, p *Post) bool {
	return policy.MaySeeHistory(u.Actor(), PolicyPost(p, &Thread{})) == nil
}
