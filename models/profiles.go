package models

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
)

// Profile is a user's public summary (accounts.Profile). Alias: moved to
// models/accounts; the counts are read here (Store.Profile), with the
// forum's visibility rules.
type Profile = accounts.Profile

// Profile loads the counts shown on a profile page, as the viewer may see them.
func (s *Store) Profile(ctx context.Context, username string, viewer *User) (*Profile, error) {
	u, err := s.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if u.Deleted() {
		return nil, ErrNotFound // only its posts remain, as a deleted member's
	}
	filter, fargs, err := s.categoryFilter(ctx, viewer, "t.category_id")
	if err != nil {
		return nil, err
	}
	p := &Profile{User: u}
	args := []any{u.ID}
	for i := 0; i < 4; i++ {
		args = append(args, fargs...)
	}
	err = s.reader(ctx).QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM threads t WHERE t.author_id = ?1 AND `+visibleThread+filter+`),
		(SELECT COUNT(*) FROM posts p JOIN threads t ON t.id = p.thread_id
			WHERE p.author_id = ?1 AND p.is_question = 0 AND `+visiblePost+` AND `+visibleThread+filter+`),
		(SELECT COUNT(*) FROM threads t JOIN posts p ON p.id = t.accepted_id WHERE p.author_id = ?1 AND `+visibleThread+filter+`),
		(SELECT COALESCE(SUM(p.helpful_count), 0) FROM posts p JOIN threads t ON t.id = p.thread_id
			WHERE p.author_id = ?1 AND `+visiblePost+` AND `+visibleThread+filter+`)`, args...).
		Scan(&p.Questions, &p.Answers, &p.AcceptedCount, &p.HelpfulVotes)
	if err != nil {
		return nil, fmt.Errorf("profile of %q: %w", username, err)
	}
	return p, nil
}

// AnswerSummary is an answer listed on its author's profile.
type AnswerSummary struct {
	PostID       int64
	Thread       Thread
	Accepted     bool // this answer is the accepted one
	Solved       bool // the thread is solved, by this answer or another
	HelpfulCount int
	CreatedAt    time.Time
}

// URL links to the answer within its thread.
func (a AnswerSummary) URL() string {
	return ThreadURL(a.Thread.ID, a.Thread.Slug) + "#p" + strconv.FormatInt(a.PostID, 10)
}

// AnswerList is a page of a user's answers.
type AnswerList struct {
	Answers []AnswerSummary
	Paging
}

// UserAnswers lists a user's answers the viewer may see, newest first.
func (s *Store) UserAnswers(ctx context.Context, userID int64, page int, viewer *User) (*AnswerList, error) {
	if err := checkListPage(page); err != nil {
		return nil, err
	}
	filter, fargs, err := s.categoryFilter(ctx, viewer, "t.category_id")
	if err != nil {
		return nil, err
	}
	where := ` FROM posts p JOIN threads t ON t.id = p.thread_id
		WHERE p.author_id = ? AND p.is_question = 0 AND ` + visiblePost + ` AND ` + visibleThread + filter
	args := append([]any{userID}, fargs...)
	total, err := s.countUpTo(ctx, `SELECT 1`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("count answers: %w", err)
	}
	list := &AnswerList{Paging: listPaging(page, total, ThreadsPerPage)}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT p.id, p.helpful_count, p.created_at, t.id, t.title, t.slug,
		COALESCE(t.accepted_id, 0) = p.id, t.accepted_id IS NOT NULL`+where+` ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?`,
		append(args, ThreadsPerPage, (list.Page-1)*ThreadsPerPage)...)
	if err != nil {
		return nil, fmt.Errorf("list answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a AnswerSummary
		var at int64
		if err := rows.Scan(&a.PostID, &a.HelpfulCount, &at, &a.Thread.ID, &a.Thread.Title, &a.Thread.Slug, &a.Accepted, &a.Solved); err != nil {
			return nil, fmt.Errorf("scan answer: %w", err)
		}
		a.CreatedAt = time.Unix(at, 0)
		list.Answers = append(list.Answers, a)
	}
	return list, rows.Err()
}

// Profile text limits, in characters. Alias: moved to models/accounts.
const (
	DisplayNameMaxLen = accounts.DisplayNameMaxLen
	BioMaxLen         = accounts.BioMaxLen
)

// ProfileEdit is what a member says about themselves on their profile
// (accounts.ProfileEdit; SaveProfile is the embedded accounts'). Alias:
// moved to models/accounts.
type ProfileEdit = accounts.ProfileEdit
