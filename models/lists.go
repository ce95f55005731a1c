package models

import (
	"context"
	"fmt"
)

// Page sizes.
const (
	ThreadsPerPage = 20
	AnswersPerPage = 30
)

// Which threads a list shows.
const (
	ShowAll        = "all"
	ShowUnanswered = "unanswered"
	ShowSolved     = "solved"
	SortNewest     = "newest"
	SortActive     = "active"
)

// ThreadQuery selects a page of threads.
type ThreadQuery struct {
	CategoryID int64
	AuthorID   int64
	Tag        string
	Show       string // ShowAll, ShowUnanswered or ShowSolved
	Sort       string // SortNewest or SortActive
	Page       int    // from 1
	Viewer     *User  // private categories are left out unless the viewer may see them
}

// Paging says where a page sits in a list.
type Paging struct {
	Page  int
	Pages int
	Total int
}

// HasPrev and HasNext drive the pager.
func (p Paging) HasPrev() bool { return p.Page > 1 }
func (p Paging) HasNext() bool { return p.Page < p.Pages }
func (p Paging) Prev() int     { return p.Page - 1 }
func (p Paging) Next() int     { return p.Page + 1 }

func paging(page, total, per int) Paging {
	pages := max(1, (total+per-1)/per)
	return Paging{Page: min(max(1, page), pages), Pages: pages, Total: total}
}

// ThreadList is one page of threads.
type ThreadList struct {
	Threads []*Thread
	Paging
}

// Threads lists visible threads.
func (s *Store) Threads(ctx context.Context, q ThreadQuery) (*ThreadList, error) {
	where := ` WHERE ` + visibleThread
	catFilter, args, err := s.categoryFilter(ctx, q.Viewer, "t.category_id")
	if err != nil {
		return nil, err
	}
	where += catFilter
	if q.CategoryID != 0 {
		where += ` AND t.category_id = ?`
		args = append(args, q.CategoryID)
	}
	if q.AuthorID != 0 {
		where += ` AND t.author_id = ?`
		args = append(args, q.AuthorID)
	}
	if q.Tag != "" {
		where += ` AND t.id IN (SELECT tt.thread_id FROM thread_tags tt JOIN tags g ON g.id = tt.tag_id WHERE g.name = ?)`
		args = append(args, q.Tag)
	}
	switch q.Show {
	case ShowUnanswered:
		where += ` AND t.answer_count = 0`
	case ShowSolved:
		where += ` AND t.accepted_id IS NOT NULL`
	}
	order := ` ORDER BY t.created_at DESC, t.id DESC`
	if q.Sort == SortActive {
		order = ` ORDER BY t.last_activity_at DESC, t.id DESC`
	}
	if q.CategoryID != 0 {
		// Pinned threads lead their category's list.
		order = ` ORDER BY t.pinned_at IS NULL,` + order[len(" ORDER BY"):]
	}
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM threads t`+where, args...).Scan(&total); err != nil {
		return nil, fmt.Errorf("count threads: %w", err)
	}
	list := &ThreadList{Paging: paging(q.Page, total, ThreadsPerPage)}
	rows, err := s.r.QueryContext(ctx, `SELECT `+threadColumns+threadJoins+where+order+` LIMIT ? OFFSET ?`,
		append(args, ThreadsPerPage, (list.Page-1)*ThreadsPerPage)...)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanThread(rows)
		if err != nil {
			return nil, fmt.Errorf("scan thread: %w", err)
		}
		list.Threads = append(list.Threads, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.fillTags(ctx, list.Threads); err != nil {
		return nil, err
	}
	return list, nil
}
