package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/policy"
)

// ArticleColumns and ArticleJoins read an article with its thread,
// category and author (k, t, c, u) for ScanArticle; models' list of
// articles uses them too.
const ArticleColumns = `k.id, k.thread_id, k.post_id, k.title, k.slug, k.problem_md, k.problem_html, k.solution_md,
	k.solution_html, k.published, k.outdated, k.outdated_note, k.curated, k.helpful_yes, k.helpful_no,
	k.created_at, k.updated_at, t.title, t.slug, c.id, c.slug, c.name, u.id, u.username, u.role`

const ArticleJoins = ` FROM kb_articles k JOIN threads t ON t.id = k.thread_id JOIN categories c ON c.id = t.category_id
	JOIN posts p ON p.id = k.post_id JOIN users u ON u.id = p.author_id`

// ScanArticle reads a row of ArticleColumns.
func ScanArticle(row interface{ Scan(...any) error }) (*Article, error) {
	var a Article
	var problemHTML, solutionHTML, role string
	var created, updated int64
	err := row.Scan(&a.ID, &a.ThreadID, &a.PostID, &a.Title, &a.Slug, &a.ProblemMD, &problemHTML, &a.SolutionMD,
		&solutionHTML, &a.Published, &a.Outdated, &a.OutdatedNote, &a.Curated, &a.HelpfulYes, &a.HelpfulNo,
		&created, &updated, &a.ThreadTitle, &a.ThreadSlug, &a.Category.ID, &a.Category.Slug, &a.Category.Name,
		&a.Author.ID, &a.Author.Username, &role)
	if err != nil {
		return nil, err
	}
	a.ProblemHTML, a.SolutionHTML = template.HTML(problemHTML), template.HTML(solutionHTML)
	a.Author.Role = policy.Role(role)
	a.CreatedAt, a.UpdatedAt = time.Unix(created, 0), time.Unix(updated, 0)
	return &a, nil
}

// Article loads one article, published or not; the caller decides who sees it.
func (s *KB) Article(ctx context.Context, id int64) (*Article, error) {
	return s.articleWhere(ctx, `k.id = ?`, id)
}

// ArticleForThread loads the article made from a thread, if any.
func (s *KB) ArticleForThread(ctx context.Context, threadID int64) (*Article, error) {
	return s.articleWhere(ctx, `k.thread_id = ?`, threadID)
}

// ArticleOfLoadedThread is ArticleForThread for a thread already loaded
// with its tags, as on the thread page: the article shares them.
func (s *KB) ArticleOfLoadedThread(ctx context.Context, t *forum.Thread) (*Article, error) {
	a, err := s.articleRow(ctx, `k.thread_id = ?`, t.ID)
	if err != nil {
		return nil, err
	}
	a.Tags = t.Tags
	return a, nil
}

func (s *KB) articleRow(ctx context.Context, where string, arg any) (*Article, error) {
	a, err := ScanArticle(s.db.Reader(ctx).QueryRowContext(ctx, `SELECT `+ArticleColumns+ArticleJoins+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.n.NotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load article: %w", err)
	}
	return a, nil
}

func (s *KB) articleWhere(ctx context.Context, where string, arg any) (*Article, error) {
	a, err := s.articleRow(ctx, where, arg)
	if err != nil {
		return nil, err
	}
	if a.Tags, err = s.n.ThreadTags(ctx, a.ThreadID); err != nil {
		return nil, err
	}
	return a, nil
}

// ArticleRevision is an article's text before one change.
type ArticleRevision struct {
	Editor     *accounts.UserRef // nil when the system changed it
	Title      string
	ProblemMD  string
	SolutionMD string
	Note       string
	CreatedAt  time.Time
}

// ArticleRevisions lists an article's earlier versions, newest first.
func (s *KB) ArticleRevisions(ctx context.Context, articleID int64) ([]ArticleRevision, error) {
	rows, err := s.db.Reader(ctx).QueryContext(ctx, `SELECT r.title, r.problem_md, r.solution_md, r.note, r.created_at,
		u.id, u.username, u.role FROM kb_revisions r LEFT JOIN users u ON u.id = r.editor_id
		WHERE r.article_id = ? ORDER BY r.id DESC`, articleID)
	if err != nil {
		return nil, fmt.Errorf("list article revisions: %w", err)
	}
	defer rows.Close()
	var out []ArticleRevision
	for rows.Next() {
		var r ArticleRevision
		var at int64
		var uid sql.NullInt64
		var name, role sql.NullString
		if err := rows.Scan(&r.Title, &r.ProblemMD, &r.SolutionMD, &r.Note, &at, &uid, &name, &role); err != nil {
			return nil, err
		}
		if uid.Valid {
			r.Editor = &accounts.UserRef{ID: uid.Int64, Username: name.String, Role: policy.Role(role.String)}
		}
		r.CreatedAt = time.Unix(at, 0)
		out = append(out, r)
	}
	return out, rows.Err()
}
