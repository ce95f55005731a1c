package models

import (
	"context"
	"fmt"

	"github.com/crowdcare/crowdcare/models/kb"
)

// ArticleQuery selects a page of articles. The list is here, not in
// models/kb: its paging and the viewer's private categories are the
// forum's.
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
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+kb.ArticleColumns+kb.ArticleJoins+where+order+` LIMIT ? OFFSET ?`,
		append(args, per, (list.Page-1)*per)...)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := kb.ScanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("scan article: %w", err)
		}
		list.Articles = append(list.Articles, a)
	}
	return list, rows.Err()
}
