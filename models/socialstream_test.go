package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/tweets"
)

// threadShapes describes a database's threads by the tweets they hold (the
// question, then the answers in time order) and every item's conversation
// and status: what an import decides, without the ids it happened to use.
func threadShapes(t *testing.T, s *Store) []string {
	t.Helper()
	threads := dumpTable(t, s, `SELECT t.title, t.category_id, t.answer_count, t.first_answer_at, t.last_activity_at,
		(SELECT q.tweet_id FROM social_items q WHERE q.post_id = t.question_id
			ORDER BY CASE WHEN q.status = 'converted' THEN 0 ELSE 1 END, q.created_at, q.tweet_id LIMIT 1) AS question,
		`+listOf(s, "a.tweet_id", `FROM social_items a JOIN posts p ON p.id = a.post_id
			WHERE p.thread_id = t.id AND p.is_question = 0`, "a.created_at, a.tweet_id")+` AS answers,
		`+listOf(s, "u.username", `FROM posts p JOIN users u ON u.id = p.author_id
			WHERE p.thread_id = t.id`, "p.created_at, u.username")+` AS authors
		FROM threads t`)
	items := dumpTable(t, s, `SELECT tweet_id, conversation_id, status, filter_reason, rule_id IS NOT NULL AS ruled,
		thread_id IS NOT NULL AS threaded FROM social_items`)
	search := dumpTable(t, s, `SELECT title, body, joined, facets FROM search_index`)
	out := append(append(threads, items...), search...)
	slices.Sort(out)
	return out
}

// listOf is a subquery (from: its FROM and WHERE) giving the values of
// col in order as one comma-separated text: group_concat over an ordered
// subquery on SQLite, string_agg on PostgreSQL.
func listOf(s *Store, col, from, order string) string {
	if s.engine == db.Postgres {
		return "(SELECT string_agg(CAST(" + col + " AS TEXT), ',' ORDER BY " + order + ") " + from + ")"
	}
	name := col[strings.IndexByte(col, '.')+1:]
	return "(SELECT group_concat(" + name + ", ',') FROM (SELECT " + col + " " + from + " ORDER BY " + order + "))"
}

// fixedStore is a database whose clock stands still, so two of them can be
// compared row for row.
func fixedStore(t *testing.T) *Store {
	t.Helper()
	return fixedStoreAt(t, testdb.Location(t, "x.db"))
}

// fixedSQLiteStore is fixedStore on a SQLite file whichever engine the
// suite runs on, for what only SQLite has: its writer's settings, its WAL.
func fixedSQLiteStore(t *testing.T) *Store {
	t.Helper()
	return fixedStoreAt(t, testdb.SQLiteFile(t, "x.db"))
}

func fixedStoreAt(t *testing.T, location string) *Store {
	t.Helper()
	fixed := func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }
	s, err := Open(context.Background(), location, Options{PasswordCost: bcrypt.MinCost, Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// streamImport imports tweets as the import command does, in batches of size.
func streamImport(t *testing.T, s *Store, opts ImportOptions, size int, ts ...tweets.Tweet) *ImportSummary {
	t.Helper()
	ctx := context.Background()
	im, err := s.NewImporter(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	im.batchSize = size
	for _, x := range ts {
		if err := im.Add(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := im.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestStreamedBatchesThreadAsOneFile: an import makes threads batch by batch
// as it reads, yet however the tweets fall into batches (replies before their
// parents, conversations cut in two, a reply whose parent never comes, a
// tweet twice) the threads hold the same tweets, asked and answered by the
// same people, as when the whole file is stored first and converted after.
func TestStreamedBatchesThreadAsOneFile(t *testing.T) {
	ctx := context.Background()
	open := func() *Store {
		s := fixedStore(t)
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
		// The brand's post, then replies out of time order: the first in
		// time asks the question, wherever it is in the file.
		tw("90", "", "Brand", "Maintenance tonight from 1am", 22),
		tw("92", "90", "yan", "@Brand will TV work during it?", 24),
		tw("91", "90", "xav", "@Brand is broadband affected?", 23),
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
			sum := streamImport(t, s, opts, size, order...)
			got := threadShapes(t, s)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s in batches of %d:\n%s\nconverted whole:\n%s", name, size, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if sum.Imported != 22 || sum.Duplicates != 1 || sum.Threads != 8 || sum.FilteredTotal() != 3 {
				t.Errorf("%s in batches of %d: %+v", name, size, sum)
			}
		}
	}
}

// checkTuning fails unless the writer's cache, checkpoint interval and WAL
// size limit are an import's (tuned) or those of the rest of the time.
func checkTuning(t *testing.T, s *Store, tuned bool, when string) {
	t.Helper()
	cache, pages, limit, temp := -defaultCacheKiB, defaultCheckpointPages, walSizeLimit, defaultTempStore
	if tuned {
		cache, pages, limit, temp = -importCacheKiB, importCheckpointPages, -1, importTempStore
	}
	if got := writerSetting(t, s, "temp_store"); got != temp {
		t.Errorf("%s: temp_store %d, want %d", when, got, temp)
	}
	if got := writerSetting(t, s, "cache_size"); got != cache {
		t.Errorf("%s: cache_size %d, want %d", when, got, cache)
	}
	if got := writerSetting(t, s, "wal_autocheckpoint"); got != pages {
		t.Errorf("%s: wal_autocheckpoint %d, want %d", when, got, pages)
	}
	if got := writerSetting(t, s, "journal_size_limit"); got != limit {
		t.Errorf("%s: journal_size_limit %d, want %d", when, got, limit)
	}
}

// writerSetting reads a PRAGMA on the writer connection.
func writerSetting(t *testing.T, s *Store, pragma string) int {
	t.Helper()
	var v int
	if err := s.db.W().QueryRow("PRAGMA " + pragma).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestImportTunesTheWriterAndPutsItBack: while an import runs, the writer
// has a bigger page cache and checkpoints less often; afterwards, finished or abandoned, it is as it
// was, and an abandoned import says what it stored.
func TestImportTunesTheWriterAndPutsItBack(t *testing.T) {
	ctx := context.Background()
	s := fixedSQLiteStore(t)
	checkTuning(t, s, false, "before any import")
	for _, finish := range []bool{true, false} {
		im, err := s.NewImporter(ctx, ImportOptions{BrandHandles: []string{"Brand"}})
		if err != nil {
			t.Fatal(err)
		}
		im.batchSize = 50
		base := 100000
		if finish {
			base = 200000
		}
		for i := 0; i < 1000; i++ {
			x := tw(fmt.Sprint(base+i), "", fmt.Sprintf("user%d", i), fmt.Sprintf("@Brand question number %d about the router", i), i%60)
			if err := im.Add(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		// A reply whose parent never comes, still queued when abandoned.
		if err := im.Add(ctx, tw(fmt.Sprint(base+5000), "1", "zed", "@Brand me too", 1)); err != nil {
			t.Fatal(err)
		}
		if err := im.wait(); err != nil {
			t.Fatal(err)
		}
		checkTuning(t, s, true, "during the import")
		var sum *ImportSummary
		if finish {
			if sum, err = im.Finish(ctx); err != nil {
				t.Fatal(err)
			}
		} else {
			sum = im.Abandon()
			if again := im.Abandon(); again != sum {
				t.Error("a second Abandon did something")
			}
		}
		checkTuning(t, s, false, fmt.Sprintf("finished %v, afterwards", finish))
		// Finish stores the last batch (a reply with no parent, a thread of
		// its own); Abandon does not, and says so.
		want := ImportSummary{Read: 1001, Imported: 1001, Threads: 1001}
		if !finish {
			want = ImportSummary{Read: 1001, Imported: 1000, Threads: 1000}
		}
		if sum.Read != want.Read || sum.Imported != want.Imported || sum.Threads != want.Threads || sum.Inbox != 0 {
			t.Errorf("finished %v: %+v, want %+v", finish, *sum, want)
		}
	}
}

// TestOverlappingImportsKeepTheWriterTuned: when two imports run at once,
// the first to end leaves the writer as the second needs it.
func TestOverlappingImportsKeepTheWriterTuned(t *testing.T) {
	ctx := context.Background()
	s := fixedSQLiteStore(t)
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
	checkTuning(t, s, true, "while the second import runs")
	if err := second.Add(ctx, tw("2", "", "bob", "@Brand the bill is wrong again", 2)); err != nil {
		t.Fatal(err)
	}
	sum, err := second.Finish(ctx)
	if err != nil || sum.Threads != 1 {
		t.Fatalf("second import: %+v, %v", sum, err)
	}
	checkTuning(t, s, false, "after both")
}

// shapesIgnoringAnswerOrder is threadShapes with each search row's body
// lines sorted: answers appended by a later batch get later post ids, so the
// index lists them after the others, though the thread shows them in time
// order as always.
func shapesIgnoringAnswerOrder(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for _, l := range threadShapes(t, s) {
		if !strings.HasPrefix(l, "title=") || !strings.Contains(l, " body=") {
			out = append(out, l)
		}
	}
	rows, err := s.db.Primary().Query(`SELECT title, body, joined, facets FROM search_index`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var title, body, joined, facets string
		if err := rows.Scan(&title, &body, &joined, &facets); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(body, "\n")
		slices.Sort(lines)
		out = append(out, fmt.Sprintf("title=%s body=%s joined=%s facets=%s ", title, strings.Join(lines, "|"), joined, facets))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestStreamedImportMatchesWholeFileOnRandomFiles: random files of a few
// conversations (replies to any earlier tweet, to tweets never imported,
// the brand's posts, promotions, tweets twice) in random order, streamed in
// batches of 1 to 4, thread exactly as when stored whole and converted
// after, and the summary agrees with what was stored.
func TestStreamedImportMatchesWholeFileOnRandomFiles(t *testing.T) {
	opts := ImportOptions{BrandHandles: []string{"Brand"}}
	for seed := uint64(0); seed < 80; seed++ {
		// A subtest each, so that its databases are closed (and on
		// PostgreSQL dropped) before the next seed's are made.
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 99))
			var file []tweets.Tweet
			id := 100
			for c := 0; c < 1+r.IntN(4); c++ {
				var ids []string
				for k := 0; k < 1+r.IntN(5); k++ {
					id++
					handle := []string{"Brand", "ann", "bob", "cat"}[r.IntN(4)]
					parent := ""
					if k > 0 {
						parent = ids[r.IntN(len(ids))]
						if r.IntN(8) == 0 {
							parent = fmt.Sprint(9000 + id) // never imported
						}
					}
					text := fmt.Sprintf("@Brand message %d from %s", id, handle)
					if r.IntN(6) == 0 {
						text = fmt.Sprintf("GIVEAWAY! Win a new phone, follow and RT %d", id)
					}
					x := tw(fmt.Sprint(id), parent, handle, text, r.IntN(50))
					file = append(file, x)
					ids = append(ids, x.ID)
					if r.IntN(10) == 0 {
						file = append(file, x)
					}
				}
			}
			r.Shuffle(len(file), func(i, j int) { file[i], file[j] = file[j], file[i] })
			whole := fixedStore(t)
			importOneByOne(t, whole, opts, file...)
			want := strings.Join(shapesIgnoringAnswerOrder(t, whole), "\n")
			for size := 1; size <= 4; size++ {
				s := fixedStore(t)
				sum := streamImport(t, s, opts, size, file...)
				if got := strings.Join(shapesIgnoringAnswerOrder(t, s), "\n"); got != want {
					t.Fatalf("seed %d, batches of %d:\n%s\nstored whole:\n%s", seed, size, got, want)
				}
				var threads, answers, inbox, items, filtered int
				if err := s.db.Primary().QueryRow(`SELECT (SELECT COUNT(*) FROM threads), (SELECT COUNT(*) FROM posts WHERE is_question = 0),
					(SELECT COUNT(*) FROM social_items WHERE status = 'new'), (SELECT COUNT(*) FROM social_items),
					(SELECT COUNT(*) FROM social_items WHERE status = 'filtered')`).Scan(&threads, &answers, &inbox, &items, &filtered); err != nil {
					t.Fatal(err)
				}
				if sum.Threads != threads || sum.Answers != answers || sum.Inbox != inbox || sum.Imported != items ||
					sum.FilteredTotal() != filtered || sum.Imported+sum.Duplicates != len(file) {
					t.Fatalf("seed %d, batches of %d: summary %+v; stored %d threads, %d answers, %d waiting, %d items, %d filtered of %d",
						seed, size, *sum, threads, answers, inbox, items, filtered, len(file))
				}
			}
		})
	}
}

// TestFilteredReplyBeforeItsParentJoinsItsConversation: a filtered reply
// stored before its parent still joins the parent's conversation, so a later
// import's reply to it is appended to the thread, not a thread of its own.
func TestFilteredReplyBeforeItsParentJoinsItsConversation(t *testing.T) {
	s := fixedStore(t)
	opts := ImportOptions{BrandHandles: []string{"Brand"}}
	streamImport(t, s, opts, 1,
		tw("102", "101", "cat", "GIVEAWAY! Win a new phone, follow and RT", 2),
		tw("101", "", "ann", "@Brand my router drops every evening", 1))
	runImport(t, s, opts, tw("103", "102", "dan", "@ann @Brand mine too since Monday", 3))
	got := dumpTable(t, s, `SELECT tweet_id, conversation_id, status FROM social_items ORDER BY tweet_id`)
	want := []string{"tweet_id=101 conversation_id=101 status=converted ", "tweet_id=102 conversation_id=101 status=filtered ",
		"tweet_id=103 conversation_id=101 status=appended "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s", strings.Join(got, "\n"))
	}
}

// failOnPost makes storing any post whose source holds word fail, as a full
// disk or a broken database would.
func failOnPost(t *testing.T, s *Store, word string) {
	t.Helper()
	q := `CREATE TRIGGER fail_post BEFORE INSERT ON posts WHEN NEW.body_md LIKE '%` + word +
		`%' BEGIN SELECT RAISE(ABORT, 'cannot store this post'); END`
	if s.engine == db.Postgres {
		q = `CREATE FUNCTION fail_post() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.body_md LIKE '%` + word + `%' THEN RAISE EXCEPTION 'cannot store this post'; END IF; RETURN NEW; END $$;
			CREATE TRIGGER fail_post BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION fail_post()`
	}
	if _, err := s.db.W().Exec(q); err != nil {
		t.Fatal(err)
	}
}

// stored counts what a database holds, to hold a summary against.
func stored(t *testing.T, s *Store) (items, threads, answers, filtered int) {
	t.Helper()
	if err := s.db.Primary().QueryRow(`SELECT (SELECT COUNT(*) FROM social_items), (SELECT COUNT(*) FROM threads),
		(SELECT COUNT(*) FROM posts WHERE is_question = 0), (SELECT COUNT(*) FROM social_items WHERE status = 'filtered')`).
		Scan(&items, &threads, &answers, &filtered); err != nil {
		t.Fatal(err)
	}
	return
}

// TestFailedImportCountsOnlyWhatWasStored: when a batch cannot be stored its
// transaction is rolled back, and so is what it counted; an import that
// fails, abandoned or in Finish, reports exactly what the batches before
// stored, which stays.
func TestFailedImportCountsOnlyWhatWasStored(t *testing.T) {
	ctx := context.Background()
	file := []tweets.Tweet{
		tw("1", "", "ann", "@Brand my router drops", 1),
		tw("2", "1", "Brand", "@ann sorry about that", 2),
		tw("3", "", "bob", "@Brand the bill is wrong", 3),
		// The second batch: a promotion, a reply whose parent never comes,
		// and a question that cannot be stored.
		tw("4", "", "eve", "GIVEAWAY! Win a new phone, follow and RT", 4),
		tw("5", "99", "cat", "@Brand me too", 5),
		tw("6", "", "dan", "@Brand FAILS my phone", 6),
	}
	for _, finish := range []bool{false, true} {
		s := fixedStore(t)
		failOnPost(t, s, "FAILS")
		im, err := s.NewImporter(ctx, ImportOptions{BrandHandles: []string{"Brand"}})
		if err != nil {
			t.Fatal(err)
		}
		im.batchSize = 3
		for _, x := range file {
			if err := im.Add(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		var sum *ImportSummary
		if finish {
			if sum, err = im.Finish(ctx); err == nil || !strings.Contains(err.Error(), "cannot store this post") {
				t.Fatalf("Finish: %v", err)
			}
		} else {
			im.wait() // the second batch fails
			sum = im.Abandon()
		}
		items, threads, answers, filtered := stored(t, s)
		if sum == nil || sum.Imported != items || sum.Threads != threads || sum.Answers != answers || sum.FilteredTotal() != filtered ||
			items != 3 || threads != 2 || answers != 1 {
			t.Errorf("finish %v: summary %+v; stored %d items, %d threads, %d answers, %d filtered", finish, sum, items, threads, answers, filtered)
		}
	}
}

// TestImportFailingAtTheEndReportsWhatStays: a conversation left for Finish
// (its question is a reply) cannot be stored; Finish fails, and its summary
// is what the batch before stored, the waiting reply included.
func TestImportFailingAtTheEndReportsWhatStays(t *testing.T) {
	s := fixedStore(t)
	failOnPost(t, s, "FAILS")
	ctx := context.Background()
	im, err := s.NewImporter(ctx, ImportOptions{BrandHandles: []string{"Brand"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []tweets.Tweet{
		tw("1", "", "ann", "@Brand my router drops", 1),
		tw("20", "", "Brand", "Maintenance tonight from 1am", 2),
		tw("21", "20", "xav", "@Brand FAILS will TV work during it?", 3),
	} {
		if err := im.Add(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := im.Finish(ctx)
	if err == nil || !strings.Contains(err.Error(), "cannot store this post") {
		t.Fatalf("Finish: %v", err)
	}
	items, threads, answers, filtered := stored(t, s)
	if sum == nil || sum.Imported != items || sum.Threads != threads || sum.Answers != answers || sum.FilteredTotal() != filtered ||
		sum.Inbox != 1 || items != 3 || threads != 1 {
		t.Errorf("summary %+v; stored %d items, %d threads, %d answers, %d filtered", sum, items, threads, answers, filtered)
	}
}

// TestWALShrinksAfterAnImport: while an import runs the WAL may grow to
// 64 MB between checkpoints; once it ends, the WAL is folded into the
// database and its file cut to nothing at once, not left for a later write
// to cut back: on a nearly full disk that write may be the one refused.
func TestWALShrinksAfterAnImport(t *testing.T) {
	ctx := context.Background()
	s := fixedSQLiteStore(t)
	size := func(name string) int64 {
		t.Helper()
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size(s.Path())
	im, err := s.NewImporter(ctx, ImportOptions{BrandHandles: []string{"Brand"}})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat(" the router drops the line every evening and the lights go orange", 8)
	for i := 0; i < 8000; i++ {
		if err := im.Add(ctx, tw(fmt.Sprint(100000+i), "", fmt.Sprintf("user%d", i), fmt.Sprintf("@Brand question %d:%s", i, long), i%600)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := im.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	// Every page the import wrote went through the WAL first.
	wal := size(s.Path() + "-wal")
	if grown := size(s.Path()) + wal - before; grown <= walSizeLimit {
		t.Fatalf("the import wrote %d bytes only: too little to tell", grown)
	}
	if got := wal; got != 0 {
		t.Errorf("WAL %d bytes right after the import, want it truncated", got)
	}
}

// TestImportReleasedUnderACancelledContext: an import given up because its
// caller went away still puts the writer's settings back.
func TestImportReleasedUnderACancelledContext(t *testing.T) {
	s := fixedSQLiteStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	im, err := s.NewImporter(ctx, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkTuning(t, s, true, "during the import")
	cancel()
	im.release(ctx)
	checkTuning(t, s, false, "released under a cancelled context")
}
