package models

import (
	"context"
	"fmt"

	"github.com/crowdcare/crowdcare/models/forum"
)

// MaxListPage is the deepest page a list shows, listCountLimit how far it
// counts its rows, and the page sizes (forum's). Aliases: moved to
// models/forum.
const (
	MaxListPage    = forum.MaxListPage
	listCountLimit = forum.ListCountLimit
	ThreadsPerPage = forum.ThreadsPerPage
	AnswersPerPage = forum.AnswersPerPage
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
	WatchedBy  int64 // only the threads this member watches
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
	// More is set when the list holds more than Total rows (it was counted
	// only up to a limit) and more than the Pages it pages through.
	More bool
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

// checkListPage refuses a page past MaxListPage.
func checkListPage(page int) error {
	if page > MaxListPage {
		return fmt.Errorf("page %d: %w", page, ErrPageTooDeep)
	}
	return nil
}

// listPaging is paging for a list counted by countUpTo: at most
// listCountLimit rows and MaxListPage pages.
func listPaging(page, counted, per int) Paging {
	p := paging(page, min(counted, listCountLimit), per)
	p.Pages = min(p.Pages, MaxListPage)
	p.Page = min(p.Page, p.Pages)
	p.More = counted > listCountLimit
	return p
}

// countUpTo counts the rows query (a SELECT without ORDER BY or LIMIT)
// returns, stopping after listCountLimit+1 of them.
func (s *Store) countUpTo(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	args = append(args[:len(args):len(args)], listCountLimit+1)
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+query+` LIMIT ?) AS v`, args...).Scan(&n)
	return n, err
}

// ThreadList is one page of threads.
type ThreadList struct {
	Threads []*Thread
	Paging
}

// Threads lists visible threads.
func (s *Store) Threads(ctx context.Context, q ThreadQuery) (*ThreadList, error) {
	if err := checkListPage(q.Page); err != nil {
		return nil, err
	}
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
	if q.WatchedBy != 0 {
		where += ` AND t.id IN (SELECT w.thread_id FROM watches w WHERE w.user_id = ?)`
		args = append(args, q.WatchedBy)
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
	total, err := s.countUpTo(ctx, `SELECT 1 FROM threads t`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("count threads: %w", err)
	}
	list := &ThreadList{Paging: listPaging(q.Page, total, ThreadsPerPage)}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+threadColumns+threadJoins+where+order+` LIMIT ? OFFSET ?`,
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
