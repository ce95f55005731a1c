package forum

import (
	"context"
	"fmt"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/policy"
)

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
func (f *Forum) ThreadPosts(ctx context.Context, t *Thread, page int, viewer *accounts.User) (*ThreadPosts, error) {
	tp := &ThreadPosts{}
	// The question and the accepted answer in one query (AcceptedID is 0 when unsolved).
	rows, err := f.reader(ctx).QueryContext(ctx, `SELECT `+PostColumns+PostJoins+` WHERE p.id IN (?, ?)`, t.QuestionID, t.AcceptedID)
	if err != nil {
		return nil, fmt.Errorf("load thread %d posts: %w", t.ID, err)
	}
	for rows.Next() {
		p, err := ScanPost(rows)
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
		return nil, f.deps.NotFound
	}
	var viewerID int64
	if viewer != nil {
		viewerID = viewer.ID
	}
	staff := viewer.Can(policy.PermHide)
	const where = ` WHERE p.thread_id = ? AND p.is_question = 0 AND p.id != ? AND (p.pending = 0 OR p.author_id = ? OR ? = 1)`
	var total int
	if err := f.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM posts p`+where, t.ID, t.AcceptedID, viewerID, staff).Scan(&total); err != nil {
		return nil, fmt.Errorf("count answers: %w", err)
	}
	tp.Paging = PageOf(page, total, AnswersPerPage)
	rows, err = f.reader(ctx).QueryContext(ctx, `SELECT `+PostColumns+PostJoins+where+` ORDER BY p.created_at, p.id LIMIT ? OFFSET ?`,
		t.ID, t.AcceptedID, viewerID, staff, AnswersPerPage, (tp.Page-1)*AnswersPerPage)
	if err != nil {
		return nil, fmt.Errorf("list answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := ScanPost(rows)
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
		if err := f.markVotes(ctx, tp.All(), viewerID); err != nil {
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

func (f *Forum) markVotes(ctx context.Context, posts []*Post, userID int64) error {
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	voted, err := f.VotedPosts(ctx, userID, ids)
	if err != nil {
		return err
	}
	for _, p := range posts {
		p.ViewerVoted = voted[p.ID]
	}
	return nil
}

// VotedPosts reports which of the posts the user found helpful.
func (f *Forum) VotedPosts(ctx context.Context, userID int64, postIDs []int64) (map[int64]bool, error) {
	if len(postIDs) == 0 {
		return nil, nil
	}
	rows, err := f.reader(ctx).QueryContext(ctx, `SELECT post_id FROM votes WHERE user_id = ? AND post_id IN (`+db.Placeholders(len(postIDs))+`)`,
		append([]any{userID}, db.IDArgs(postIDs)...)...)
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
func (f *Forum) ThreadInsiders(ctx context.Context, threadID int64) (map[int64]bool, error) {
	ids, err := f.ids(ctx, `SELECT DISTINCT author_id FROM posts WHERE thread_id = ? AND (pending = 1 OR hidden_at IS NOT NULL)`, threadID)
	if err != nil {
		return nil, fmt.Errorf("thread %d insiders: %w", threadID, err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// AnswerPage is the page of its thread on which a post is shown.
func (f *Forum) AnswerPage(ctx context.Context, p *Post, t *Thread) (int, error) {
	if p.IsQuestion || p.ID == t.AcceptedID {
		return 1, nil
	}
	var before int
	err := f.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE thread_id = ? AND is_question = 0 AND id != ?
		AND (created_at < ? OR (created_at = ? AND id < ?))`,
		t.ID, t.AcceptedID, p.CreatedAt.Unix(), p.CreatedAt.Unix(), p.ID).Scan(&before)
	if err != nil {
		return 0, fmt.Errorf("locate post %d: %w", p.ID, err)
	}
	return before/AnswersPerPage + 1, nil
}
