package models

import (
	"context"
	"errors"
	"testing"
)

// TestListsStopAtMaxListPage: every paged list refuses a page past
// MaxListPage before it runs any query (the context is cancelled, so any
// query would fail with context.Canceled instead), and counts its rows only
// as far as its pages reach.
func TestListsStopAtMaxListPage(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	writeManyThreads(t, s, 1010)
	admin := mustUser(t, s, "admin")
	if err := s.SetRole(ctx, "admin", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	admin, err := s.UserByID(ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	deep := MaxListPage + 1
	lists := map[string]func(context.Context, int) error{
		"threads": func(ctx context.Context, page int) error {
			_, err := s.Threads(ctx, ThreadQuery{Page: page, Sort: SortActive})
			return err
		},
		"articles": func(ctx context.Context, page int) error {
			_, err := s.Articles(ctx, ArticleQuery{Page: page})
			return err
		},
		"answers": func(ctx context.Context, page int) error {
			_, err := s.UserAnswers(ctx, admin.ID, page, nil)
			return err
		},
		"notifications": func(ctx context.Context, page int) error {
			_, err := s.Notifications(ctx, admin.ID, page)
			return err
		},
		"inbox": func(ctx context.Context, page int) error {
			_, err := s.Inbox(ctx, admin, InboxQuery{Page: page})
			return err
		},
	}
	for name, list := range lists {
		for _, page := range []int{deep, 47000} {
			if err := list(cancelled, page); !errors.Is(err, ErrPageTooDeep) {
				t.Errorf("%s, page %d: %v, want ErrPageTooDeep before any query", name, page, err)
			}
		}
		if err := list(cancelled, MaxListPage); !errors.Is(err, context.Canceled) {
			t.Errorf("%s, page %d: %v, want it to query", name, MaxListPage, err)
		}
		if err := list(ctx, MaxListPage); err != nil {
			t.Errorf("%s, page %d: %v", name, MaxListPage, err)
		}
	}
	all, err := s.Threads(ctx, ThreadQuery{Page: MaxListPage})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != listCountLimit || !all.More || all.Pages != MaxListPage || all.Page != MaxListPage || len(all.Threads) != ThreadsPerPage {
		t.Fatalf("1,010 threads, last page: total %d (more %v), page %d of %d, %d threads",
			all.Total, all.More, all.Page, all.Pages, len(all.Threads))
	}
	few, err := s.Threads(ctx, ThreadQuery{CategoryID: all.Threads[0].Category.ID, Page: MaxListPage})
	if err != nil {
		t.Fatal(err)
	}
	if few.More || few.Total >= listCountLimit || few.Page != few.Pages {
		t.Fatalf("one category: total %d (more %v), page %d of %d", few.Total, few.More, few.Page, few.Pages)
	}
}

// TestCategoryCountsStopAtTheListLimit: the sidebar's per-category counts
// read at most listCountLimit+1 threads each, not every thread.
func TestCategoryCountsStopAtTheListLimit(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	writeManyThreads(t, s, 1010)
	big, err := s.CategoryBySlug(ctx, "bulk-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.W().ExecContext(ctx, `UPDATE threads SET category_id = ?`, big.ID); err != nil {
		t.Fatal(err)
	}
	cats, err := s.Categories(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		switch {
		case c.ID == big.ID && (c.ThreadCount != listCountLimit+1 || !c.ManyThreads()):
			t.Errorf("%s: %d threads counted (many: %v), want the count to stop at %d", c.Slug, c.ThreadCount, c.ManyThreads(), listCountLimit+1)
		case c.ID != big.ID && (c.ThreadCount != 0 || c.ManyThreads()):
			t.Errorf("%s: %d threads", c.Slug, c.ThreadCount)
		}
	}
}
