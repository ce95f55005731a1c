package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"time"
)

const articleColumns = `k.id, k.thread_id, k.post_id, k.title, k.slug, k.problem_md, k.problem_html, k.solution_md,
	k.solution_html, k.published, k.outdated, k.outdated_note, k.curated, k.helpful_yes, k.helpful_no,
	k.created_at, k.updated_at, t.title, t.slug, c.id, c.slug, c.name, u.id, u.username, u.role`

const articleJoins = ` FROM kb_articles k JOIN threads t ON t.id = k.thread_id JOIN categories c ON c.id = t.category_id
	JOIN posts p ON p.id = k.post_id JOIN users u ON u.id = p.author_id`

func scanArticle(row interface{ Scan(...any) error }) (*Article, error) {
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
	a.Author.Role = Role(role)
	a.CreatedAt, a.UpdatedAt = time.Unix(created, 0), time.Unix(updated, 0)
	return &a, nil
}

// Article loads one article, published or not; the caller decides who sees it.
func (s *Store) Article(ctx context.Context, id int64) (*Article, error) {
	return s.articleWhere(ctx, `k.id = ?`, id)
}

// ArticleForThread loads the article made from a thread, if any.
func (s *Store) ArticleForThread(ctx context.Context, threadID int64) (*Article, error) {
	return s.articleWhere(ctx, `k.thread_id = ?`, threadID)
}

// ArticleOfLoadedThread is ArticleForThread for a thread already loaded
// with its tags, as on the thread page: the article shares them.
func (s *Store) ArticleOfLoadedThread(ctx context.Context, t *Thread) (*Article, error) {
	a, err := s.articleRow(ctx, `k.thread_id = ?`, t.ID)
	if err != nil {
		return nil, err
	}
	a.Tags = t.Tags
	return a, nil
}

func (s *Store) articleRow(ctx context.Context, where string, arg any) (*Article, error) {
	a, err := scanArticle(s.reader(ctx).QueryRowContext(ctx, `SELECT `+articleColumns+articleJoins+` WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load article: %w", err)
	}
	return a, nil
}

func (s *Store) articleWhere(ctx context.Context, where string, arg any) (*Article, error) {
	a, err := s.articleRow(ctx, where, arg)
	if err != nil {
		return nil, err
	}
	t := &Thread{ID: a.ThreadID}
	if err := s.fillTags(ctx, []*Thread{t}); err != nil {
		return nil, err
	}
	a.Tags = t.Tags
	return a, nil
}

// ArticleQuery selects a page of articles.
type ArticleQuery struct {
	CategoryID    int64
	Page          int
	PerPage       int  // default ThreadsPerPage
	IncludeHidden bool // unpublished too, for curators
	Newest        bool // newest first instead of most helpful first
	Viewer        *User
}

// ArticleList is a page of articles.
type ArticleList struct {
	Articles []*Article
	Paging
}

// Articles lists articles, most helpful first.
func (s *Store) Articles(ctx context.Context, q ArticleQuery) (*ArticleList, error) {
	if err := checkListPage(q.Page); err != nil {
		return nil, err
	}
	per := q.PerPage
	if per == 0 {
		per = ThreadsPerPage
	}
	filter, args, err := s.categoryFilter(ctx, q.Viewer, "t.category_id")
	if err != nil {
		return nil, err
	}
	where := ` WHERE ` + visibleThread + filter
	if !q.IncludeHidden {
		where += ` AND k.published = 1`
	}
	if q.CategoryID != 0 {
		where += ` AND t.category_id = ?`
		args = append(args, q.CategoryID)
	}
	total, err := s.countUpTo(ctx, `SELECT 1 FROM kb_articles k JOIN threads t ON t.id = k.thread_id`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("count articles: %w", err)
	}
	list := &ArticleList{Paging: listPaging(q.Page, total, per)}
	order := ` ORDER BY k.helpful_yes - k.helpful_no DESC, k.helpful_yes DESC, k.updated_at DESC, k.id DESC`
	if q.Newest {
		order = ` ORDER BY k.created_at DESC, k.id DESC`
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+articleColumns+articleJoins+where+order+` LIMIT ? OFFSET ?`,
		append(args, per, (list.Page-1)*per)...)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("scan article: %w", err)
		}
		list.Articles = append(list.Articles, a)
	}
	return list, rows.Err()
}

// ArticleRevision is an article's text before one change.
type ArticleRevision struct {
	Editor     *UserRef // nil when the system changed it
	Title      string
	ProblemMD  string
	SolutionMD string
	Note       string
	CreatedAt  time.Time
}

// ArticleRevisions lists an article's earlier versions, newest first.
func (s *Store) ArticleRevisions(ctx context.Context, articleID int64) ([]ArticleRevision, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT r.title, r.problem_md, r.solution_md, r.note, r.created_at,
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
			r.Editor = &UserRef{ID: uid.Int64, Username: name.String, Role: Role(role.String)}
		}
		r.CreatedAt = time.Unix(at, 0)
		out = append(out, r)
	}
	return out, rows.Err()
}
