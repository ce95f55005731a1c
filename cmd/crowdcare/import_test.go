package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
)

// sharedTweets is the real sample data beside the repository; it is absent
// only outside CI, and then these tests say so and skip.
func sharedTweets(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", "tweets", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data not found at %s: skipping real-sample import test", p)
	}
	return p
}

// rawDB opens the database at location (a SQLite file, read-only, or a
// PostgreSQL URL) without the store, to look at what a command left.
func rawDB(t *testing.T, location string) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite3", "file:"+location+"?mode=ro&_busy_timeout=5000"
	if db.IsPostgresURL(location) {
		driver, dsn = "pgx", location
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func openDB(t *testing.T, path string) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), path, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestImportCustomerSupportCSV(t *testing.T) {
	csv := sharedTweets(t, "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv")
	db := testdb.Location(t, "twcs.db")
	code, out, errOut := runCmd(t, "import", "tweets", "--db", db, "--brand-handle", "sprintcare", csv)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	for _, want := range []string{"twcs-csv, 5000 tweets read", "Imported 5000 new items (5000 read, 0 duplicates", "Threads created:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	s := openDB(t, db)
	ctx := context.Background()
	// Tweet 8 starts a conversation whose replies (6, 5, 4, 3, 1, 2) come
	// earlier in the file: they all join its thread, in time order, with the
	// brand's replies by the brand's ambassador account (the brand handle;
	// other companies' inbound=False accounts answer as plain profiles).
	list, err := s.Threads(ctx, models.ThreadQuery{})
	if err != nil || list.Total < 500 {
		t.Fatalf("threads: %d %v", list.Total, err)
	}
	var th *models.Thread
	for page := 1; th == nil && page <= list.Pages; page++ {
		l, _ := s.Threads(ctx, models.ThreadQuery{Page: page})
		for _, x := range l.Threads {
			if x.Title == "is the worst customer service" {
				th = x
			}
		}
	}
	if th == nil {
		t.Fatal("no thread for tweet 8")
	}
	// The data set's ids are sequence numbers, not tweet ids: no link to X.
	if th.Author.Username != "115712" || th.SourceURL != "" || th.SourceID != "" || !th.FromX {
		t.Fatalf("thread 8: %+v", th)
	}
	posts, _ := s.ThreadPosts(ctx, th, 1, nil)
	if len(posts.Answers) < 6 || posts.Answers[0].Author.Username != "sprintcare" || posts.Answers[0].Author.Role != models.RoleAmbassador {
		t.Fatalf("answers: %d, first by %+v", len(posts.Answers), posts.Answers[0].Author)
	}
	for i := 1; i < len(posts.Answers); i++ {
		if posts.Answers[i].CreatedAt.Before(posts.Answers[i-1].CreatedAt) {
			t.Fatalf("answers out of time order at %d", i)
		}
	}
	if !strings.Contains(posts.Answers[0].BodyMD, "private message") {
		t.Fatalf("first answer: %q", posts.Answers[0].BodyMD)
	}
	// Re-importing changes nothing.
	code, out, _ = runCmd(t, "import", "tweets", "--db", db, csv)
	if code != 0 || !strings.Contains(out, "Imported 0 new items (5000 read, 5000 duplicates") || !strings.Contains(out, "Threads created: 0; answers added: 0") {
		t.Fatalf("re-import: %s", out)
	}
	again, _ := s.Threads(ctx, models.ThreadQuery{})
	if again.Total != list.Total {
		t.Fatalf("threads after re-import: %d, before %d", again.Total, list.Total)
	}
}

func TestImportExcelMangledCSV(t *testing.T) {
	csv := sharedTweets(t, "twcs-kaggle-customer-support/twcs_test_excel_macroman_pritul2.csv")
	db := testdb.Location(t, "excel.db")
	code, out, errOut := runCmd(t, "import", "tweets", "--db", db, csv)
	if code != 0 || !strings.Contains(out, "twcs-csv") || !strings.Contains(out, "Threads created:") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	s := openDB(t, db)
	var mojibake int
	res, err := s.Search(context.Background(), models.SearchQuery{Text: "Message"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if strings.Contains(string(h.Snippet), "‚Ä") {
			mojibake++
		}
	}
	if len(res.Hits) == 0 || mojibake != 0 {
		t.Fatalf("%d hits, %d still show mojibake", len(res.Hits), mojibake)
	}
	// ‘Message’ was saved as ‚ÄòMessage‚Äô; the repaired quote marks are searchable text again
	// (on whichever page of results ranking puts that post).
	found := false
	for page := 1; page <= res.Pages && !found; page++ {
		res, err := s.Search(context.Background(), models.SearchQuery{Text: "Message", Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			found = found || strings.Contains(string(h.Snippet), "‘<mark>Message</mark>’")
		}
	}
	if !found {
		t.Errorf("no hit shows the repaired ‘Message’")
	}
}

func TestImportArchiveAndAPIFiles(t *testing.T) {
	archive := sharedTweets(t, "archive-andreruffert/tweets.js")
	withheld := sharedTweets(t, "api-v2-twarc-csv/withheld.jsonl")
	stream := sharedTweets(t, "api-v2-twarc-csv/streaming_output_with_error.jsonl")
	v1 := sharedTweets(t, "api-v1.1-python-twitter/streaming/lines.json")
	db := testdb.Location(t, "mixed.db")
	code, out, errOut := runCmd(t, "import", "tweets", "--db", db, "--triage", archive, withheld, stream, v1)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	for _, want := range []string{"x-archive, 1986 tweets read", "api-v2, 215 tweets read", "api-v1.1, 72 tweets read",
		"retweet ", "Skipped records: 1", "streaming_output_with_error.jsonl line"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	s := openDB(t, db)
	// Triage: nothing became a thread; everything unfiltered waits in the inbox.
	if l, _ := s.Threads(context.Background(), models.ThreadQuery{}); l.Total != 0 {
		t.Fatalf("triage made %d threads", l.Total)
	}
	admin, err := s.CreateUser(context.Background(), models.NewUser{Username: "boss", Email: "b@example.com", Password: "long enough pw", Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := s.Inbox(context.Background(), admin, models.InboxQuery{})
	if err != nil || inbox.Total == 0 || inbox.Counts["filtered"] < 643 {
		t.Fatalf("inbox: %+v %v", inbox.Counts, err)
	}
	langs := strings.Join(inbox.Languages, ",")
	for _, l := range []string{"en", "de", "ja", "ar"} {
		if !strings.Contains(langs, l) {
			t.Errorf("languages %s lack %s", langs, l)
		}
	}
}

func TestImportRefusesUnknownFormatAndDryRunWritesNothing(t *testing.T) {
	mastodon := sharedTweets(t, "mastodon-rtoot/get_context_default.0.json")
	csv := sharedTweets(t, "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv")
	db := testdb.Location(t, "u.db")
	code, out, _ := runCmd(t, "import", "tweets", "--db", db, mastodon)
	if code != 1 || !strings.Contains(out, "not a known tweet format") || !strings.Contains(out, "nothing imported from it") {
		t.Fatalf("unknown format: %d %s", code, out)
	}
	code, out, _ = runCmd(t, "import", "tweets", "--db", db, "--dry-run", csv)
	if code != 0 || !strings.Contains(out, "Dry run: would import 5000 new items") {
		t.Fatalf("dry run: %d %s", code, out)
	}
	s := openDB(t, db)
	if l, _ := s.Threads(context.Background(), models.ThreadQuery{}); l.Total != 0 {
		t.Fatalf("dry run or unknown file wrote %d threads", l.Total)
	}
}

// TestImportEverySample imports every real sample file in a known format
// into one database: all of them must import, and together again changes nothing.
func TestImportEverySample(t *testing.T) {
	root := sharedTweets(t, ".")
	var files []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		name := info.Name()
		if strings.HasPrefix(filepath.Base(filepath.Dir(p)), "mastodon") || strings.HasPrefix(filepath.Base(filepath.Dir(p)), "bluesky") ||
			strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".tsv") || strings.HasSuffix(name, ".txt") || strings.HasPrefix(name, "LICENSE") {
			return nil
		}
		files = append(files, p)
		return nil
	})
	db := testdb.Location(t, "all.db")
	args := append([]string{"import", "tweets", "--db", db, "--triage"}, files...)
	code, out, errOut := runCmd(t, args...)
	// Archive side files (account.js, manifest.js, profile.js, tweet-headers.js …) are not tweets:
	// they are reported as unknown and nothing else fails.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "not a known tweet format") {
			base := filepath.Base(strings.SplitN(line, ":", 2)[0])
			switch base {
			case "account.js", "manifest.js", "profile.js", "tweet-headers.js", "direct-messages.js", "tweet_index.js",
				"payload_details.js", "user_details.js", "INDEX.tsv":
			default:
				t.Errorf("sample not imported: %s", line)
			}
		}
	}
	if !strings.Contains(out, "Imported ") || code == 0 && strings.Contains(errOut, "crowdcare:") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code2, out2, _ := runCmd(t, args...)
	if code2 != code || !strings.Contains(out2, "Imported 0 new items") {
		t.Fatalf("second import of every sample: %d\n%s", code2, out2)
	}
}

// writeZip builds a ZIP in the test's directory from name/content pairs.
func writeZip(t *testing.T, name string, files ...[2][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range files {
		w, err := zw.Create(string(e[0]))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e[1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(sharedTweets(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The archive ZIP as X hands it out imports, its tweets by the account
// account.js names; a skipped record is reported with the file inside the
// ZIP and the line its record starts on.
func TestImportArchiveZip(t *testing.T) {
	tweetsJS := readShared(t, "archive-andreruffert/tweets.js")
	// Break one record: it starts on line 2 and is the first.
	tweetsJS = bytes.Replace(tweetsJS, []byte(`"created_at" : "Thu Nov 03 08:50:26 +0000 2022"`), []byte(`"created_at" : "someday"`), 1)
	archive := writeZip(t, "twitter-2022-11-05.zip",
		[2][]byte{[]byte("data/tweets.js"), tweetsJS},
		[2][]byte{[]byte("data/account.js"), readShared(t, "archive-andreruffert/account.js")},
		[2][]byte{[]byte("data/deleted-tweets.js"), readShared(t, "archive-andreruffert/deleted-tweets.js")},
		[2][]byte{[]byte("data/direct-messages.js"), readShared(t, "archive-andreruffert/direct-messages.js")},
		[2][]byte{[]byte("data/tweets_media/1588091220244369409-x.jpg"), []byte("\xff\xd8\xff\xe0 not tweets")})
	db := testdb.Location(t, "zip.db")
	code, out, errOut := runCmd(t, "import", "tweets", "--db", db, "--triage", archive)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	for _, want := range []string{
		"twitter-2022-11-05.zip: a ZIP, 1985 tweets read from 2 files in it, 1 record skipped",
		"  data/tweets.js: x-archive, 1985 tweets read, 1 record skipped, by @andreruffert",
		"  data/deleted-tweets.js: x-archive, 0 tweets read, 0 records skipped, by @andreruffert",
		`twitter-2022-11-05.zip:data/tweets.js line 2: unparseable date "someday" (record 1)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	s := openDB(t, db)
	admin, err := s.CreateUser(context.Background(), models.NewUser{Username: "boss", Email: "b@example.com", Password: "long enough pw", Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := s.Inbox(context.Background(), admin, models.InboxQuery{Status: "filtered"})
	if err != nil || inbox.Total == 0 {
		t.Fatalf("inbox: %+v %v", inbox, err)
	}
	for _, c := range inbox.Conversations {
		for _, it := range c.Items {
			if it.Handle != "andreruffert" {
				t.Fatalf("item %s by %q, want the archive's owner", it.TweetID, it.Handle)
			}
		}
	}
	// One file and one tweet are counted in the singular.
	one := writeZip(t, "one.zip", [2][]byte{[]byte("data/tweets.js"),
		[]byte(`window.YTD.tweets.part0 = [ {"tweet": {"id_str": "42", "full_text": "@ExampleCare my router drops every night",` +
			` "created_at": "Thu Nov 03 08:50:26 +0000 2022", "lang": "en"}} ]`)})
	code, out, errOut = runCmd(t, "import", "tweets", "--db", testdb.Location(t, "one.db"), "--triage", one)
	if code != 0 || !strings.Contains(out, "one.zip: a ZIP, 1 tweet read from 1 file in it, 0 records skipped") ||
		!strings.Contains(out, "  data/tweets.js: x-archive, 1 tweet read, 0 records skipped") {
		t.Errorf("a ZIP of one tweet: exit %d:\n%s%s", code, out, errOut)
	}
	// Indonesian, written "in" by X, is listed once, as "id".
	all, err := s.Inbox(context.Background(), admin, models.InboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	langs := "," + strings.Join(all.Languages, ",") + ","
	if strings.Contains(langs, ",in,") || !strings.Contains(langs, ",id,") {
		t.Errorf("languages %s: want id, not in", langs)
	}
}

// A file none of whose records could be read makes the command fail, though
// what else it was given imports.
func TestImportEveryRecordSkippedFails(t *testing.T) {
	// The real CSV's first 50 records, their tweet ids spoilt as a
	// spreadsheet's "1.2E+17" would.
	rd := csv.NewReader(bytes.NewReader(readShared(t, "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv")))
	var bad bytes.Buffer
	w := csv.NewWriter(&bad)
	for i := 0; i <= 50; i++ {
		rec, err := rd.Read()
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			rec[1] = rec[1] + ".5E+17"
		}
		w.Write(rec)
	}
	w.Flush()
	dir := t.TempDir()
	badPath := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(badPath, bad.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	good := sharedTweets(t, "api-v1.1-python-twitter/streaming/lines.json")
	db := testdb.Location(t, "skip.db")
	code, out, errOut := runCmd(t, "import", "tweets", "--db", db, badPath, good)
	if code != 1 || !strings.Contains(out, "bad.csv: twcs-csv, 0 tweets read,") || !strings.Contains(errOut, "1 file of which every record was skipped: "+badPath) ||
		!strings.Contains(out, "(72 read,") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// A file in no known format says what it is and what to do, without its
// bytes.
func TestImportUnknownFormatsSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	head := readShared(t, "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv")[:4000]
	utf16 := []byte{0xff, 0xfe}
	for _, r := range string(head) {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	files := map[string][]byte{
		"excel-unicode.txt": utf16,
		"page.csv":          []byte("<!DOCTYPE html>\n<html><head><title>twcs.csv at main</title></head><body>tweet_id,author_id</body></html>"),
	}
	var args []string
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	args = append(args, writeZip(t, "photos.zip", [2][]byte{[]byte("IMG_0001.jpg"), []byte("\xff\xd8\xff")}))
	code, out, _ := runCmd(t, append([]string{"import", "tweets", "--db", testdb.Location(t, "u.db")}, args...)...)
	for _, want := range []string{
		"excel-unicode.txt: not a known tweet format: UTF-16 text (what Excel saves as “Unicode Text”): save it as UTF-8",
		"page.csv: not a known tweet format: an HTML page, not a CSV or JSON file",
		"photos.zip: not a known tweet format: a ZIP that is not an X archive",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if code != 1 || strings.Contains(out, `\x`) || strings.Contains(out, "tweet_id,author_id") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// An X archive's tweets.js without its account.js names no author: every
// tweet is the archive owner's, so they all land on one placeholder
// profile, never the brand's and never one per tweet, however the archive
// is split across command-line runs (here in two parts, the newer one
// first, with the brand handle given as the owner's own).
func TestImportArchiveWithoutAccountIsOneProfile(t *testing.T) {
	raw := readShared(t, "archive-andreruffert/tweets.js")
	start := bytes.IndexByte(raw, '[')
	var records []json.RawMessage
	if err := json.Unmarshal(raw[start:], &records); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() // no account.js beside the parts
	half := len(records) / 2
	part := func(name string, recs []json.RawMessage) string {
		b, err := json.Marshal(recs)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, append([]byte("window.YTD.tweets.part0 = "), b...), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer, older := part("tweets-part1.js", records[:half]), part("tweets-part2.js", records[half:])
	db := testdb.Location(t, "owner.db")
	for _, f := range []string{newer, older} {
		code, out, errOut := runCmd(t, "import", "tweets", "--db", db, "--brand-handle", "andreruffert", f)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s %s", f, code, out, errOut)
		}
		if strings.Contains(out, " by @") {
			t.Fatalf("an owner was named without account.js:\n%s", out)
		}
	}
	raw2 := rawDB(t, db)
	var profiles []string
	rows, err := raw2.Query(`SELECT username, role, x_handle, x_user_id FROM users WHERE imported = 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, role, handle, xid string
		if err := rows.Scan(&name, &role, &handle, &xid); err != nil {
			t.Fatal(err)
		}
		profiles = append(profiles, fmt.Sprintf("%s/%s/%q/%q", name, role, handle, xid))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(profiles) != 1 || profiles[0] != `unknown-author/member/""/"0"` {
		t.Fatalf("imported profiles: %v, want the one unknown author, a plain member", profiles)
	}
	var posts, authors int
	if err := raw2.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT author_id) FROM posts`).Scan(&posts, &authors); err != nil {
		t.Fatal(err)
	}
	if posts < 1000 || authors != 1 {
		t.Fatalf("%d posts by %d authors", posts, authors)
	}
	s := openDB(t, db)
	ctx := context.Background()
	list, err := s.Threads(ctx, models.ThreadQuery{})
	if err != nil || list.Total < 100 {
		t.Fatalf("threads: %d %v", list.Total, err)
	}
	for page := 1; page <= list.Pages; page++ {
		l, err := s.Threads(ctx, models.ThreadQuery{Page: page})
		if err != nil {
			t.Fatal(err)
		}
		for _, th := range l.Threads {
			if th.Author.Username != "unknown-author" {
				t.Fatalf("thread %q by %s", th.Title, th.Author.Username)
			}
		}
	}
}
