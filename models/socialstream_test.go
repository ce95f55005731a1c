package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/tweets"
)

// threadShapes describes a database's threads by the tweets they hold (the
// question, then the answers in time order) and every item's conversation
// and status: what an import decides, without the ids it happened to use.
func threadShapes(t *testing.T, s *Store) []string {
	t.Helper()
	threads := dumpTable(t, s, `SELECT t.title, t.category_id, t.answer_count, t.first_answer_at, t.last_activity_at,
		(SELECT q.tweet_id FROM social_items q WHERE q.post_id = t.question_id) AS question,
		(SELECT group_concat(tweet_id, ',') FROM (SELECT a.tweet_id FROM social_items a JOIN posts p ON p.id = a.post_id
			WHERE p.thread_id = t.id AND p.is_question = 0 ORDER BY a.created_at, a.tweet_id)) AS answers,
		(SELECT group_concat(username, ',') FROM (SELECT u.username FROM posts p JOIN users u ON u.id = p.author_id
			WHERE p.thread_id = t.id ORDER BY p.created_at, u.username)) AS authors
		FROM threads t`)
	items := dumpTable(t, s, `SELECT tweet_id, conversation_id, status, filter_reason, rule_id IS NOT NULL AS ruled,
		thread_id IS NOT NULL AS threaded FROM social_items`)
	search := dumpTable(t, s, `SELECT title, body, joined, facets FROM search_index`)
	out := append(append(threads, items...), search...)
	slices.Sort(out)
	return out
}

// TestStreamedBatchesThreadAsOneFile: an import makes threads batch by batch
// as it reads, yet however the tweets fall into batches (replies before their
// parents, conversations cut in two, a reply whose parent never comes, a
// tweet twice) the threads hold the same tweets, asked and answered by the
// same people, as when the whole file is stored first and converted after.
func TestStreamedBatchesThreadAsOneFile(t *testing.T) {
	ctx := context.Background()
	fixed := func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }
	open := func() *Store {
		s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), Options{PasswordCost: bcrypt.MinCost, Now: fixed})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		admin := userWithRole(t, s, "admin", RoleAdmin)
		if _, err := s.CreateSocialRule(ctx, admin, NewSocialRule{Name: "Billing", Keywords: "bill"}); err != nil {
			t.Fatal(err)
		}
		// Waiting in the inbox from an earlier import: a reply in a
		// conversation (as the API names it) whose first tweet comes now.
		early := tw("81", "80", "jim", "@kim @Brand me too", 21)
		early.ConversationID = "80"
		runImport(t, s, ImportOptions{BrandHandles: []string{"Brand"}, Triage: true}, early)
		return s
	}
	file := []tweets.Tweet{
		tw("10", "", "ann", "@Brand my router drops every evening", 1),
		tw("11", "10", "Brand", "@ann Sorry! Please restart it.", 2),
		tw("12", "11", "ann", "@Brand restarted, still dropping", 3),
		tw("13", "12", "Brand", "@ann We'll send an engineer.", 4),
		tw("14", "13", "ann", "@Brand thanks", 5),
		tw("20", "", "Brand", "Our new plans are out today", 6),
		tw("21", "20", "bob", "@Brand the plans page shows an error", 7),
		tw("22", "21", "Brand", "@bob Looking into it", 8),
		tw("30", "29", "cat", "@Brand same problem here", 9), // its parent is never imported
		tw("31", "30", "Brand", "@cat Could you DM us?", 10),
		tw("40", "", "dan", "@Brand why is my bill higher this month?", 11),
		tw("41", "", "eve", "GIVEAWAY! Win a new phone, follow and RT", 12),
		tw("42", "40", "eve", "@dan mine too", 13),
		tw("50", "", "fay", "@Brand no signal in Leeds", 14),
		tw("51", "50", "gus", "@fay @Brand same in York", 15),
		tw("52", "51", "fay", "@gus it's back now", 16),
		tw("60", "61", "hal", "@Brand reply to a tweet that comes later", 18),
		tw("61", "", "ivy", "@Brand the app crashes on start", 17),
		tw("10", "", "ann", "@Brand my router drops every evening", 1), // twice in the file
	}
	root := tw("80", "", "kim", "@Brand the TV app logs me out", 20)
	root.ConversationID = "80"
	file = append(file, root)
	orders := map[string][]tweets.Tweet{"as written": file, "newest first": slices.Clone(file)}
	slices.Reverse(orders["newest first"])
	shuffled := slices.Clone(file)
	rand.New(rand.NewPCG(7, 8)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	orders["shuffled"] = shuffled
	opts := ImportOptions{BrandHandles: []string{"Brand"}}
	for name, order := range orders {
		whole := open()
		importOneByOne(t, whole, opts, order...)
		want := threadShapes(t, whole)
		if !slices.ContainsFunc(want, func(s string) bool { return strings.Contains(s, "answers=11,12,13,14") }) ||
			!slices.ContainsFunc(want, func(s string) bool { return strings.Contains(s, "question=80 answers=81") }) {
			t.Fatalf("%s: the reference has no five-tweet thread:\n%s", name, strings.Join(want, "\n"))
		}
		for _, size := range []int{1, 2, 3, 5, 100} {
			s := open()
			im, err := s.NewImporter(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			im.batchSize = size
			for _, x := range order {
				if err := im.Add(ctx, x); err != nil {
					t.Fatal(err)
				}
			}
			sum, err := im.Finish(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := threadShapes(t, s)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s in batches of %d:\n%s\nconverted whole:\n%s", name, size, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if sum.Imported != 19 || sum.Duplicates != 1 || sum.Threads != 7 || sum.FilteredTotal() != 2 {
				t.Errorf("%s in batches of %d: %+v", name, size, sum)
			}
		}
	}
}

// writerSetting reads a PRAGMA on the writer connection.
func writerSetting(t *testing.T, s *Store, pragma string) int {
	t.Helper()
	var v int
	if err := s.w.QueryRow("PRAGMA " + pragma).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestImportCheckpointsBesideTheWriter: while an import runs, the writer
// has a bigger page cache and leaves checkpoints to a connection of its own,
// which does fold the WAL back into the database; afterwards (finished or
// abandoned) the writer is as it was.
func TestImportCheckpointsBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		fi, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	if got := writerSetting(t, s, "wal_autocheckpoint"); got != walAutoCheckpoint {
		t.Fatalf("wal_autocheckpoint %d before any import", got)
	}
	for _, finish := range []bool{true, false} {
		im, err := s.NewImporter(ctx, ImportOptions{BrandHandles: []string{"Brand"}})
		if err != nil {
			t.Fatal(err)
		}
		im.batchSize = 50
		for i := 0; i < 2000; i++ {
			id := fmt.Sprint(100000 + i)
			if finish {
				id = fmt.Sprint(200000 + i)
			}
			x := tw(id, "", fmt.Sprintf("user%d", i), fmt.Sprintf("@Brand question number %d about the router", i), i%60)
			if err := im.Add(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		if err := im.wait(); err != nil {
			t.Fatal(err)
		}
		if got := writerSetting(t, s, "wal_autocheckpoint"); got != 0 {
			t.Errorf("wal_autocheckpoint %d during the import", got)
		}
		if got := writerSetting(t, s, "cache_size"); got != -importCacheKiB {
			t.Errorf("cache_size %d during the import", got)
		}
		// Only the checkpointer can have grown the database file.
		deadline := time.Now().Add(10 * time.Second)
		for size() == before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if size() == before {
			t.Error("nothing was checkpointed during the import")
		}
		if finish {
			if _, err := im.Finish(ctx); err != nil {
				t.Fatal(err)
			}
		} else {
			im.Abandon()
		}
		if got := writerSetting(t, s, "wal_autocheckpoint"); got != walAutoCheckpoint {
			t.Errorf("finished %v: wal_autocheckpoint %d afterwards", finish, got)
		}
		if got := writerSetting(t, s, "cache_size"); got != -defaultCacheKiB {
			t.Errorf("finished %v: cache_size %d afterwards", finish, got)
		}
		before = size()
	}
	// The abandoned import's batches are stored: its questions are threads.
	var n int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM social_items WHERE tweet_id LIKE '1%' AND status = 'converted'`).Scan(&n); err != nil || n != 2000 {
		t.Errorf("abandoned import: %d items stored, %v", n, err)
	}
}

// TestOverlappingImportsKeepTheWriterTuned: when two imports run at once,
// the first to end leaves the writer as the second needs it.
func TestOverlappingImportsKeepTheWriterTuned(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first, err := s.NewImporter(ctx, ImportOptions{Source: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.NewImporter(ctx, ImportOptions{Source: "upload"})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Add(ctx, tw("1", "", "ann", "@Brand my router drops every evening", 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if got := writerSetting(t, s, "cache_size"); got != -importCacheKiB {
		t.Errorf("cache_size %d while the second import runs", got)
	}
	if got := writerSetting(t, s, "wal_autocheckpoint"); got != 0 {
		t.Errorf("wal_autocheckpoint %d while the second import runs", got)
	}
	if err := second.Add(ctx, tw("2", "", "bob", "@Brand the bill is wrong again", 2)); err != nil {
		t.Fatal(err)
	}
	sum, err := second.Finish(ctx)
	if err != nil || sum.Threads != 1 {
		t.Fatalf("second import: %+v, %v", sum, err)
	}
	if got := writerSetting(t, s, "cache_size"); got != -defaultCacheKiB {
		t.Errorf("cache_size %d after both", got)
	}
	if got := writerSetting(t, s, "wal_autocheckpoint"); got != walAutoCheckpoint {
		t.Errorf("wal_autocheckpoint %d after both", got)
	}
}
