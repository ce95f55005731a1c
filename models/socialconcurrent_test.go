package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/tweets"
)

// Imports and import jobs run at once: goroutines on one store, and on
// PostgreSQL two stores on one database, standing for two app servers. On
// SQLite the one writer takes the transactions one after the other; on
// PostgreSQL they run together, serializable, and one that lost a race runs
// again. Either way every count must come out exact.

// secondStore is another store on s's database on PostgreSQL (another app
// server), and s itself on SQLite (one process, one writer).
func secondStore(t *testing.T, s *Store) *Store {
	t.Helper()
	if !testdb.Postgres() {
		return s
	}
	other, err := Open(context.Background(), s.Path(), Options{PasswordCost: bcrypt.MinCost, Now: s.opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// concurrentFile is n conversations: a customer's question, then up to
// three replies alternating the brand and the customer, every text its own
// (no filter applies to any).
func concurrentFile(n int) []tweets.Tweet {
	base := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	var out []tweets.Tweet
	for c := 0; c < n; c++ {
		cust := fmt.Sprintf("cust%d", c)
		root := fmt.Sprint(100000 + 10*c)
		at := base.Add(time.Duration(c) * time.Minute)
		out = append(out, tweets.Tweet{ID: root, AuthorHandle: cust, Lang: "en", CreatedAt: at,
			Text: fmt.Sprintf("@Brand my router number %d drops the line every evening", c)})
		parent := root
		for k := 1; k <= c%4; k++ {
			id := fmt.Sprint(100000 + 10*c + k)
			h, text := "Brand", fmt.Sprintf("@%s sorry about conversation %d, step %d: restart the hub", cust, c, k)
			if k%2 == 0 {
				h, text = cust, fmt.Sprintf("@Brand step %d of conversation %d did not help", k, c)
			}
			out = append(out, tweets.Tweet{ID: id, InReplyToID: parent, AuthorHandle: h, Text: text, Lang: "en",
				CreatedAt: at.Add(time.Duration(k) * time.Second)})
			parent = id
		}
	}
	return out
}

// TestConcurrentImportsStoreEachTweetOnce: two imports of the same file at
// once, one in file order and one backwards (replies before their
// questions), in small batches: every tweet is stored once, the two
// summaries add up to exactly what was stored, and the threads are those one
// import of the file makes.
func TestConcurrentImportsStoreEachTweetOnce(t *testing.T) {
	ctx := context.Background()
	file := concurrentFile(120)
	backwards := slices.Clone(file)
	slices.Reverse(backwards)
	opts := ImportOptions{BrandHandles: []string{"Brand"}}

	want := fixedStore(t)
	runImport(t, want, opts, file...)

	s := fixedStore(t)
	stores := []*Store{s, secondStore(t, s)}
	var sums [2]*ImportSummary
	var errs [2]error
	var wg sync.WaitGroup
	for i, part := range [][]tweets.Tweet{file, backwards} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			im, err := stores[i].NewImporter(ctx, opts)
			if err != nil {
				errs[i] = err
				return
			}
			im.batchSize = 25
			for _, x := range part {
				if err := im.Add(ctx, x); err != nil {
					im.Abandon()
					errs[i] = err
					return
				}
			}
			sums[i], errs[i] = im.Finish(ctx)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	a, b := sums[0], sums[1]
	for _, sum := range sums {
		if sum.Read != len(file) || sum.Imported+sum.Duplicates != len(file) || sum.FilteredTotal() != 0 || sum.Inbox != 0 {
			t.Errorf("summary %+v, want %d read and each stored or already there", *sum, len(file))
		}
	}
	if a.Imported+b.Imported != len(file) {
		t.Errorf("imported %d + %d, want %d in all", a.Imported, b.Imported, len(file))
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM social_items`); n != len(file) {
		t.Errorf("%d items stored, want %d", n, len(file))
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM threads`); n != a.Threads+b.Threads {
		t.Errorf("%d threads stored, the summaries say %d + %d", n, a.Threads, b.Threads)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM threads WHERE duplicate_of IS NOT NULL`); n != a.Merged+b.Merged {
		t.Errorf("%d threads merged, the summaries say %d + %d", n, a.Merged, b.Merged)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM threads WHERE deleted_at IS NULL`); n != 120 {
		t.Errorf("%d visible threads, want one per conversation (120)", n)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM posts p JOIN threads t ON t.id = p.thread_id
		WHERE t.deleted_at IS NULL AND p.is_question = 0`); n != len(file)-120 {
		t.Errorf("%d answers, want %d", n, len(file)-120)
	}
	if got, want := threadsAsTweets(t, s), threadsAsTweets(t, want); !slices.Equal(got, want) {
		t.Errorf("two imports at once differ from one:\n%s", diffLines(got, want))
	}
}

// TestConcurrentImportersTakeTheirOwnIDs: imports started together never
// share an id (each would resolve the other's items as its own).
func TestConcurrentImportersTakeTheirOwnIDs(t *testing.T) {
	ctx := context.Background()
	s := fixedStore(t)
	stores := []*Store{s, secondStore(t, s)}
	ids := make([]int64, 8)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			im, err := stores[i%2].NewImporter(ctx, ImportOptions{})
			if err != nil {
				errs[i] = err
				return
			}
			ids[i] = im.id
			im.Abandon()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(ids, want) {
		t.Errorf("import ids %v, want %v", ids, want)
	}
}
