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

// ThreadPosts is what a thread page shows.
type ThreadPosts struct {
	Question *Post
	Accepted *Post   // nil unless solved; shown right under the question
	Answers  []*Post // the page of other answers, oldest first
	Paging
}

// ThreadPosts loads the question, the accepted answer and a page of the other
// answers as the viewer may see them: queued posts only for their author and
// staff, hidden posts' text only for their author and staff. A nil viewer is a visitor.
func (s *Store) ThreadPosts(ctx context.Context, t *Thread, page int, viewer *User) (*ThreadPosts, error) {
	tp := &ThreadPosts{}
	// The question and the accepted answer in one query (AcceptedID is 0 when unsolved).
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+postColumns+postJoins+` WHERE p.id IN (?, ?)`, t.QuestionID, t.AcceptedID)
	if err != nil {
		return nil, fmt.Errorf("load thread %d posts: %w", t.ID, err)
	}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		if p.ID == t.QuestionID {
			tp.Question = p
		} else {
			tp.Accepted = p
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if tp.Question == nil || (t.AcceptedID != 0 && tp.Accepted == nil) {
		return nil, ErrNotFound
	}
	var viewerID int64
	if viewer != nil {
		viewerID = viewer.ID
	}
	staff := viewer.Can(PermHide)
	const where = ` WHERE p.thread_id = ? AND p.is_question = 0 AND p.id != ? AND (p.pending = 0 OR p.author_id = ? OR ? = 1)`
	var total int
	if err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM posts p`+where, t.ID, t.AcceptedID, viewerID, staff).Scan(&total); err != nil {
		return nil, fmt.Errorf("count answers: %w", err)
	}
	tp.Paging = paging(page, total, AnswersPerPage)
	rows, err = s.reader(ctx).QueryContext(ctx, `SELECT `+postColumns+postJoins+where+` ORDER BY p.created_at, p.id LIMIT ? OFFSET ?`,
		t.ID, t.AcceptedID, viewerID, staff, AnswersPerPage, (tp.Page-1)*AnswersPerPage)
	if err != nil {
		return nil, fmt.Errorf("list answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("scan answer: %w", err)
		}
		tp.Answers = append(tp.Answers, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range tp.All() {
		if p.Hidden && !staff && p.Author.ID != viewerID {
			p.Redacted, p.BodyMD, p.BodyHTML = true, "", ""
		}
	}
	if viewerID != 0 {
		if err := s.markVotes(ctx, tp.All(), viewerID); err != nil {
			return nil, err
		}
	}
	return tp, nil
}

// All is the page's posts in the order shown: question, accepted answer, the others.
// Has reports whether post id is on this page.
func (tp *ThreadPosts) Has(id int64) bool {
	if tp.Question.ID == id || (tp.Accepted != nil && tp.Accepted.ID == id) {
		return true
	}
	for _, a := range tp.Answers {
		if a.ID == id {
			return true
		}
	}
	return false
}

func (tp *ThreadPosts) All() []*Post {
	out := []*Post{tp.Question}
	if tp.Accepted != nil {
		out = append(out, tp.Accepted)
	}
	return append(out, tp.Answers...)
}

func (s *Store) markVotes(ctx context.Context, posts []*Post, userID int64) error {
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	voted, err := s.VotedPosts(ctx, userID, ids)
	if err != nil {
		return err
	}
	for _, p := range posts {
		p.ViewerVoted = voted[p.ID]
	}
	return nil
}

// VotedPosts reports which of the posts the user found helpful.
func (s *Store) VotedPosts(ctx context.Context, userID int64, postIDs []int64) (map[int64]bool, error) {
	if len(postIDs) == 0 {
		return nil, nil
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT post_id FROM votes WHERE user_id = ? AND post_id IN (`+placeholders(len(postIDs))+`)`,
		append([]any{userID}, idArgs(postIDs)...)...)
	if err != nil {
		return nil, fmt.Errorf("load votes: %w", err)
	}
	defer rows.Close()
	voted := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		voted[id] = true
	}
	return voted, rows.Err()
}

// ThreadInsiders lists who sees more of a thread than a visitor does: the
// authors of its queued posts and of its hidden posts (staff aside).
func (s *Store) ThreadInsiders(ctx context.Context, threadID int64) (map[int64]bool, error) {
	ids, err := s.ids(ctx, `SELECT DISTINCT author_id FROM posts WHERE thread_id = ? AND (pending = 1 OR hidden_at IS NOT NULL)`, threadID)
	if err != nil {
		return nil, fmt.Errorf("thread %d insiders: %w", threadID, err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

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

// createAnswer is CreateAnswer; trusted skips the posting rules, for seeded content.
func (s *Store) createAnswer(ctx context.Context, author *User, threadID int64, body, key string, trusted bool) (*Post, error) {
	body = strings.TrimSpace(cleanText(body))
	v := validator{}
	checkBody(v, body)
	r, err := s.renderBody(v, "body", body)
	if err != nil {
		return nil, err
	}
	if err := v.err(); err != nil {
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
		err := tx.QueryRowContext(ctx, `SELECT `+visibleThread+` FROM threads t WHERE t.id = ?`, threadID).Scan(&open)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !open) {
			return ErrNotFound
		}
		if err != nil {
			return err
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

// AnswerPage is the page of its thread on which a post is shown.
func (s *Store) AnswerPage(ctx context.Context, p *Post, t *Thread) (int, error) {
	if p.IsQuestion || p.ID == t.AcceptedID {
		return 1, nil
	}
	var before int
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE thread_id = ? AND is_question = 0 AND id != ?
		AND (created_at < ? OR (created_at = ? AND id < ?))`,
		t.ID, t.AcceptedID, p.CreatedAt.Unix(), p.CreatedAt.Unix(), p.ID).Scan(&before)
	if err != nil {
		return 0, fmt.Errorf("locate post %d: %w", p.ID, err)
	}
	return before/AnswersPerPage + 1, nil
}
