package forum

import (
	"context"
	"errors"
	"fmt"

	"github.com/crowdcare/crowdcare/models/accounts"
)

// Which threads a list shows.
const (
	ShowAll        = "all"
	ShowUnanswered = "unanswered"
	ShowSolved     = "solved"
	SortNewest     = "newest"
	SortActive     = "active"
)

// ErrPageTooDeep is returned for a page of a list past MaxListPage.
var ErrPageTooDeep = errors.New("page past the last a list shows")

// ThreadQuery selects a page of threads.
type ThreadQuery struct {
	CategoryID int64
	AuthorID   int64
	WatchedBy  int64 // only the threads this member watches
	Tag        string
	Show       string         // ShowAll, ShowUnanswered or ShowSolved
	Sort       string         // SortNewest or SortActive
	Page       int            // from 1
	Viewer     *accounts.User // private categories are left out unless the viewer may see them
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

// PageOf is the paging of page (clamped to the list) in a list of total
// rows, per to a page.
func PageOf(page, total, per int) Paging {
	pages := max(1, (total+per-1)/per)
	return Paging{Page: min(max(1, page), pages), Pages: pages, Total: total}
}

// CheckListPage refuses a page past MaxListPage (ErrPageTooDeep).
func CheckListPage(page int) error {
	if page > MaxListPage {
		return fmt.Errorf("page %d: %w", page, ErrPageTooDeep)
	}
	return nil
}

// ListPaging is paging for a list counted by CountUpTo: at most
// ListCountLimit rows and MaxListPage pages.
func ListPaging(page, counted, per int) Paging {
	p := PageOf(page, min(counted, ListCountLimit), per)
	p.Pages = min(p.Pages, MaxListPage)
	p.Page = min(p.Page, p.Pages)
	p.More = counted > ListCountLimit
	return p
}

// CountUpTo counts the rows query (a SELECT without ORDER BY or LIMIT)
// returns, stopping after ListCountLimit+1 of them.
func (f *Forum) CountUpTo(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	args = append(args[:len(args):len(args)], ListCountLimit+1)
	err := f.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+query+` LIMIT ?) AS v`, args...).Scan(&n)
	return n, err
}

// ThreadList is one page of threads.
type ThreadList struct {
	Threads []*Thread
	Paging
}

// Threads lists visible threads.
func (f *Forum) Threads(ctx context.Context, q ThreadQuery) (*ThreadList, error) {
	if err := CheckListPage(q.Page); err != nil {
		return nil, err
	}
	where := ` WHERE ` + VisibleThread
	catFilter, args, err := f.CategoryFilter(ctx, q.Viewer, "t.category_id")
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
	total, err := f.CountUpTo(ctx, `SELECT 1 FROM threads t`+where, args...)
	if err != nil {
		return nil, fmt.Errorf("count threads: %w", err)
	}
	list := &ThreadList{Paging: ListPaging(q.Page, total, ThreadsPerPage)}
	rows, err := f.reader(ctx).QueryContext(ctx, `SELECT `+ThreadColumns+ThreadJoins+where+order+` LIMIT ? OFFSET ?`,
		append(args, ThreadsPerPage, (list.Page-1)*ThreadsPerPage)...)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := f.ScanThread(rows)
		if err != nil {
			return nil, fmt.Errorf("scan thread: %w", err)
		}
		list.Threads = append(list.Threads, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := f.FillTags(ctx, list.Threads); err != nil {
		return nil, err
	}
	return list, nil
}
