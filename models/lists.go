package models

import (
	"context"

	"github.com/crowdcare/crowdcare/models/forum"
)

// Thread lists and their paging are the forum's (models/forum/lists.go);
// Store embeds a *forum.Forum, so store.Threads is its. These are the
// names handlers and this package's files use.

// MaxListPage is the deepest page a list shows, listCountLimit how far it
// counts its rows, and the page sizes (forum's). Aliases: moved to
// models/forum.
const (
	MaxListPage    = forum.MaxListPage
	listCountLimit = forum.ListCountLimit
	ThreadsPerPage = forum.ThreadsPerPage
	AnswersPerPage = forum.AnswersPerPage
)

// Which threads a list shows. Aliases: moved to models/forum.
const (
	ShowAll        = forum.ShowAll
	ShowUnanswered = forum.ShowUnanswered
	ShowSolved     = forum.ShowSolved
	SortNewest     = forum.SortNewest
	SortActive     = forum.SortActive
)

// ThreadQuery selects a page of threads (forum.ThreadQuery). Alias: moved to models/forum.
type ThreadQuery = forum.ThreadQuery

// Paging says where a page sits in a list (forum.Paging). Alias: moved to models/forum.
type Paging = forum.Paging

// ThreadList is one page of threads (forum.ThreadList). Alias: moved to models/forum.
type ThreadList = forum.ThreadList

func paging(page, total, per int) Paging { return forum.PageOf(page, total, per) }

// checkListPage refuses a page past MaxListPage.
func checkListPage(page int) error { return forum.CheckListPage(page) }

// listPaging is paging for a list counted by countUpTo.
func listPaging(page, counted, per int) Paging { return forum.ListPaging(page, counted, per) }

// countUpTo counts the rows query returns, stopping after listCountLimit+1 of them.
func (s *Store) countUpTo(ctx context.Context, query string, args ...any) (int, error) {
	return s.Forum.CountUpTo(ctx, query, args...)
}
