package models

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/tweets"
)

// threadsAsTweets describes a database by tweet ids: every visible thread's
// question, the context quoted in it and its answers in the order the thread
// shows them, with the figures insights read; then what waits in the inbox.
func threadsAsTweets(t *testing.T, s *Store) []string {
	t.Helper()
	out := dumpTable(t, s, `SELECT
		(SELECT i.tweet_id FROM social_items i WHERE i.post_id = t.question_id AND i.status = 'converted') AS question,
		`+listOf(s, "i.tweet_id", `FROM social_items i
			WHERE i.post_id = t.question_id AND i.status = 'appended'`, "i.created_at, i.tweet_id")+` AS context,
		`+listOf(s, "i.tweet_id", `FROM posts p JOIN social_items i ON i.post_id = p.id
			WHERE p.thread_id = t.id AND p.is_question = 0 AND p.deleted_at IS NULL AND p.hidden_at IS NULL`, "p.created_at, p.id")+` AS answers,
		t.title, t.created_at, t.first_answer_at, t.last_activity_at, t.answer_count, u.username AS author
		FROM threads t JOIN users u ON u.id = t.author_id
		WHERE t.deleted_at IS NULL AND t.hidden_at IS NULL AND t.question_id IS NOT NULL`)
	slices.Sort(out)
	return append(out, dumpTable(t, s, `SELECT `+listOf(s, "tweet_id", `FROM social_items WHERE status = 'new'`, "tweet_id")+` AS waiting`)...)
}

// diffLines shows the first lines two descriptions disagree on.
func diffLines(got, want []string) string {
	var b strings.Builder
	shown := 0
	for _, l := range want {
		if !slices.Contains(got, l) && shown < 8 {
			b.WriteString("  missing: " + l + "\n")
			shown++
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) && shown < 16 {
			b.WriteString("  extra:   " + l + "\n")
			shown++
		}
	}
	return b.String()
}

// countRows runs a COUNT query.
func countRows(t *testing.T, s *Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.Primary().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSplitImportThreadsAsOneImport: a file imported in two parts, in
// either order and in batches of any size, ends in exactly the threads one
// import of the whole file makes: replies stored before their parents join
// the parent's thread when it arrives, and brand replies waiting in the inbox
// become its answers.
func TestSplitImportThreadsAsOneImport(t *testing.T) {
	cases := []struct {
		name, file string
		opts       ImportOptions
		threads    int // at least, in the whole import
	}{
		{"support CSV", "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv", ImportOptions{BrandHandles: []string{"AppleSupport"}}, 900},
		{"archive, newest first", "archive-andreruffert/tweets.js", ImportOptions{}, 800},
		{"API v2 pages", "api-v2-twarc-csv/withheld.jsonl", ImportOptions{}, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			all := sampleTweets(t, c.file)
			whole := fixedStore(t)
			streamImport(t, whole, c.opts, importBatch, all...)
			want := threadsAsTweets(t, whole)
			if len(want) < c.threads {
				t.Fatalf("the whole import made only %d threads", len(want)-1)
			}
			half := len(all) / 2
			orders := map[string][][]tweets.Tweet{"in order": {all[:half], all[half:]}, "second part first": {all[half:], all[:half]}}
			for name, parts := range orders {
				for _, size := range []int{importBatch, 300} {
					s := fixedStore(t)
					for _, p := range parts {
						streamImport(t, s, c.opts, size, p...)
					}
					if got := threadsAsTweets(t, s); strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Errorf("%s, batches of %d: %d threads, whole file %d:\n%s", name, size, len(got)-1, len(want)-1, diffLines(got, want))
					}
				}
			}
		})
	}
}

// TestWaitingBrandRepliesJoinTheirQuestion: a brand reply whose question is
// not imported waits in the inbox; when the question comes in a later
// import, the reply is its answer, and a reply converted on its own before
// the question arrived hands its thread to the question.
func TestWaitingBrandRepliesJoinTheirQuestion(t *testing.T) {
	s := fixedStore(t)
	ctx := context.Background()
	opts := ImportOptions{BrandHandles: []string{"Brand"}}
	sum := runImport(t, s, opts, tw("11", "10", "Brand", "@ann Sorry! Please restart the router.", 5),
		tw("21", "20", "bob", "@cat @Brand same problem here since Monday", 6),
		tw("22", "20", "dan", "@cat @Brand and here, every morning", 7))
	if n := countRows(t, s, `SELECT COUNT(*) FROM social_items WHERE status = 'new'`); n != 1 || sum.Threads != 2 {
		t.Fatalf("waiting: %d, want the brand's reply; %+v", n, sum)
	}
	sum = runImport(t, s, opts, tw("10", "", "ann", "@Brand my router drops every evening", 1),
		tw("20", "", "cat", "@Brand the app crashes on start", 2))
	got := threadsAsTweets(t, s)
	if len(got) != 3 || !strings.Contains(got[0], "question=10 context=<nil> answers=11 ") ||
		!strings.Contains(got[1], "question=20 context=<nil> answers=21,22 ") || got[2] != "waiting=<nil> " {
		t.Fatalf("threads:\n%s", strings.Join(got, "\n"))
	}
	if sum.Threads != 1 || sum.Merged != 1 || sum.Answers != 3 {
		t.Errorf("summary: %+v", sum)
	}
	// bob's and dan's threads, made by the first import, are cat's now:
	// one of them asks cat's question, the other is closed as its
	// duplicate, out of the lists.
	var merged, dup int64
	if err := s.db.Primary().QueryRow(`SELECT t.id, COALESCE(t.duplicate_of, 0) FROM threads t WHERE t.question_id IS NULL`).Scan(&merged, &dup); err != nil {
		t.Fatal(err)
	}
	th, err := s.Thread(ctx, dup)
	if err != nil || th.SourceID != "20" || th.AnswerCount != 2 {
		t.Fatalf("the merged thread %d points to %d: %+v %v", merged, dup, th, err)
	}
	if to, err := s.MergedInto(ctx, merged); err != nil || to != th.ID {
		t.Fatalf("merged thread %d: into %d, %v", merged, to, err)
	}
	if _, err := s.MergedInto(ctx, th.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a thread not merged: %v", err)
	}
	if list, _ := s.Threads(ctx, ThreadQuery{}); list.Total != 2 {
		t.Fatalf("listed threads: %d", list.Total)
	}
}

// TestLiveListeningJoinsEarlierReplies: live listening sends everything to
// the inbox; a reply polled before its parent shows in the parent's
// conversation once the parent is polled, and making a thread of it asks
// the parent's question.
func TestLiveListeningJoinsEarlierReplies(t *testing.T) {
	s := fixedStore(t)
	ctx := context.Background()
	mod := userWithRole(t, s, "moe", RoleAdmin)
	poll := ImportOptions{BrandHandles: []string{"Brand"}, Triage: true, Source: "poll"}
	reply := tw("31", "30", "dan", "@eve @Brand mine too, since the update", 4)
	runImport(t, s, poll, reply)
	runImport(t, s, poll, tw("30", "", "eve", "@Brand the app logs me out after the update", 3))
	page, err := s.Inbox(ctx, mod, InboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Conversations) != 1 || len(page.Conversations[0].Items) != 2 {
		t.Fatalf("inbox: %+v", page.Conversations)
	}
	if _, err := s.ConvertSocial(ctx, mod, []string{"31"}, "general", ""); err != nil {
		t.Fatal(err)
	}
	if got := threadsAsTweets(t, s); len(got) != 2 || !strings.Contains(got[0], "question=30 context=<nil> answers=31 ") {
		t.Fatalf("threads:\n%s", strings.Join(got, "\n"))
	}
}

// TestBrandTweetBeforeTheQuestionIsContext: when a conversation's root is
// missing, the brand's tweet the customer answered is quoted in the
// question, not listed as an answer older than it; the figures insights
// read are never negative, on a real file too.
func TestBrandTweetBeforeTheQuestionIsContext(t *testing.T) {
	ctx := context.Background()
	opts := ImportOptions{BrandHandles: []string{"Brand"}}
	conv := []tweets.Tweet{
		tw("41", "40", "Brand", "@fay Sorry to hear that! Is the light on the box red?", 1), // 40 is in no file
		tw("42", "41", "fay", "@Brand yes, red since this morning", 2),
		tw("43", "42", "Brand", "@fay Thanks, an engineer will call you.", 3),
	}
	for name, parts := range map[string][][]tweets.Tweet{"one import": {conv}, "the brand's tweet first": {conv[:1], conv[1:]},
		"newest first": {{conv[2]}, {conv[1]}, {conv[0]}}} {
		s := fixedStore(t)
		for _, p := range parts {
			runImport(t, s, opts, p...)
		}
		got := threadsAsTweets(t, s)
		if len(got) != 2 || !strings.Contains(got[0], "question=42 context=41 answers=43 ") {
			t.Errorf("%s:\n%s", name, strings.Join(got, "\n"))
			continue
		}
		list, err := s.Threads(ctx, ThreadQuery{})
		if err != nil || list.Total != 1 {
			t.Fatalf("%s: %v %+v", name, err, list)
		}
		posts, err := s.ThreadPosts(ctx, list.Threads[0], 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		body := string(posts.Question.BodyHTML)
		if !strings.Contains(body, "<blockquote>") || !strings.Contains(body, "In reply to @Brand:") ||
			!strings.Contains(body, "Is the light on the box red?") || !strings.Contains(body, "yes, red since this morning") ||
			strings.Index(body, "In reply to") > strings.Index(body, "yes, red") || len(posts.Answers) != 1 {
			t.Errorf("%s: question %q, %d answers", name, body, len(posts.Answers))
		}
	}

	// A real file: no answer is older than its question, no thread was
	// answered before it was asked.
	s := fixedStore(t)
	streamImport(t, s, ImportOptions{BrandHandles: []string{"AppleSupport"}}, importBatch,
		sampleTweets(t, "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv")...)
	if n := countRows(t, s, `SELECT COUNT(*) FROM posts p JOIN threads t ON t.id = p.thread_id
		WHERE p.is_question = 0 AND p.created_at < t.created_at`); n != 0 {
		t.Errorf("%d answers older than their question", n)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM threads WHERE first_answer_at < created_at`); n != 0 {
		t.Errorf("%d threads answered before they were asked", n)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM social_items WHERE status = 'appended' AND post_id IN (SELECT question_id FROM threads)`); n == 0 {
		t.Errorf("no brand tweet was quoted as context in the real file")
	}
	timings, err := s.Responsiveness(ctx, InsightsFilter{From: time.Unix(0, 0), To: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range timings {
		if tm.FirstAnswerMedian < 0 || tm.FirstAnswerP90 < 0 || tm.Asked < tm.Answered {
			t.Errorf("timing: %+v", tm)
		}
	}
}

// TestAuthorsWithoutHandlesStayApart: posts whose source names an author
// only by X user id get one profile per id, which takes the handle when a
// later import brings it; posts naming nobody share one "unknown" profile
// that no handle can reach.
func TestAuthorsWithoutHandlesStayApart(t *testing.T) {
	s := fixedStore(t)
	ctx := context.Background()
	byID := func(id, author, text string, minute int) tweets.Tweet {
		x := tw(id, "", "", text, minute)
		x.AuthorID = author
		return x
	}
	runImport(t, s, ImportOptions{},
		byID("1", "111", "@Brand my bill doubled this month", 1),
		byID("2", "222", "@Brand no signal in Leeds since noon", 2),
		byID("3", "111", "@Brand and the app will not let me pay either", 3),
		tw("4", "", "", "@Brand a post whose file says nothing of its author", 4),
		tw("5", "", "unknown", "@Brand I am the real @unknown", 5))
	authors := func() map[string]string {
		out := map[string]string{}
		for _, l := range dumpTable(t, s, `SELECT i.tweet_id, u.username, u.x_handle, u.x_user_id FROM social_items i
			JOIN posts p ON p.id = i.post_id JOIN users u ON u.id = p.author_id ORDER BY i.tweet_id`) {
			f := strings.Fields(l)
			out[strings.TrimPrefix(f[0], "tweet_id=")] = strings.Join(f[1:], " ")
		}
		return out
	}
	got := authors()
	if got["1"] != got["3"] || got["1"] == got["2"] || got["4"] == got["5"] || got["4"] == got["1"] ||
		!strings.HasPrefix(got["1"], "username=x-user-111 ") || !strings.HasPrefix(got["5"], "username=unknown ") {
		t.Fatalf("authors: %v", got)
	}
	users := countRows(t, s, `SELECT COUNT(*) FROM users`)
	// A later file names user 111: the same profile takes the handle, and
	// a post naming only the handle finds it too.
	named := byID("6", "111", "@Brand still waiting for the refund", 6)
	named.AuthorHandle = "Alice_B"
	runImport(t, s, ImportOptions{}, named, tw("7", "", "alice_b", "@Brand hello again", 7))
	got = authors()
	if got["6"] != got["1"] || got["7"] != got["1"] || got["1"] != "username=Alice_B x_handle=Alice_B x_user_id=111" {
		t.Fatalf("after the handle came: %v", got)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM users`); n != users {
		t.Fatalf("%d profiles, was %d", n, users)
	}
	u, err := s.UserByUsername(ctx, "x-user-222")
	if err != nil || u.XUserID != "222" || u.XHandle != "" || !u.Imported {
		t.Fatalf("profile by id: %+v %v", u, err)
	}

	// Real API v2 pages without includes.users: one profile per author id.
	raw, err := os.ReadFile(filepath.Join(sampleDir, "api-v2-twarc-csv/withheld.jsonl"))
	if err != nil {
		t.Skip(err)
	}
	var stripped bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var page map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		delete(page, "includes")
		b, _ := json.Marshal(page)
		stripped.Write(append(b, '\n'))
	}
	var posts []tweets.Tweet
	if _, err := tweets.Read(&stripped, func(x tweets.Tweet) error { posts = append(posts, x); return nil }); err != nil {
		t.Fatal(err)
	}
	api := fixedStore(t)
	runImport(t, api, ImportOptions{}, posts...)
	ids := countRows(t, api, `SELECT COUNT(DISTINCT i.author_id) FROM social_items i WHERE i.post_id IS NOT NULL`)
	profiles := countRows(t, api, `SELECT COUNT(DISTINCT p.author_id) FROM social_items i JOIN posts p ON p.id = i.post_id`)
	pairs := countRows(t, api, `SELECT COUNT(*) FROM (SELECT DISTINCT i.author_id, p.author_id FROM social_items i JOIN posts p ON p.id = i.post_id) AS pairs`)
	if ids < 20 || profiles != ids || pairs != ids {
		t.Fatalf("%d author ids, %d profiles, %d pairs", ids, profiles, pairs)
	}
}

// TestArchiveOwnerIsOneProfile: an archive's tweets, however they are
// split into files and imports, are one person's.
func TestArchiveOwnerIsOneProfile(t *testing.T) {
	all := sampleTweets(t, "archive-andreruffert/tweets.js")
	s := fixedStore(t)
	half := len(all) / 2
	runImport(t, s, ImportOptions{}, all[half:]...)
	runImport(t, s, ImportOptions{}, all[:half]...)
	if n := countRows(t, s, `SELECT COUNT(DISTINCT author_id) FROM posts`); n != 1 {
		t.Fatalf("%d authors", n)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM users WHERE imported = 1 AND x_user_id = '112769581' AND x_handle = 'andreruffert'`); n != 1 {
		t.Fatalf("owner profiles: %d", n)
	}
}

// TestRepeatedTextIsSpamByAuthorAcrossImports: "the same text three
// times" counts one author's posts (by X user id), stored ones included,
// and picks the same posts in any order: the third and later in time.
// Different people saying the same thing are not spam.
func TestRepeatedTextIsSpamByAuthorAcrossImports(t *testing.T) {
	byID := func(id, author, text string, minute int) tweets.Tweet {
		x := tw(id, "", "", text, minute)
		x.AuthorID = author
		return x
	}
	same := "Check my profile for cheap phones"
	copies := []tweets.Tweet{byID("51", "900", same, 1), byID("52", "900", same, 2), byID("53", "900", same, 3), byID("54", "900", same, 4)}
	others := []tweets.Tweet{byID("61", "901", "@Brand thank you!", 5), byID("62", "902", "@Brand thank you!", 6),
		byID("63", "903", "@Brand thank you!", 7), tw("64", "", "", "@Brand thank you!", 8), tw("65", "", "", "@Brand thank you!", 9),
		tw("66", "", "", "@Brand thank you!", 10)}
	orders := map[string][][]tweets.Tweet{
		"in time order":        {copies, others},
		"newest first":         {{copies[3], copies[2], copies[1], copies[0]}, others},
		"split, newest first":  {{copies[3]}, {copies[2]}, {copies[0], copies[1]}, others},
		"split, one at a time": {{copies[2]}, {copies[0]}, {copies[3]}, {copies[1]}, others},
	}
	for name, parts := range orders {
		s := fixedStore(t)
		for _, p := range parts {
			runImport(t, s, ImportOptions{}, p...)
		}
		spam := dumpTable(t, s, `SELECT tweet_id FROM social_items WHERE filter_reason = 'spam score' ORDER BY tweet_id`)
		if strings.Join(spam, "|") != "tweet_id=53 |tweet_id=54 " {
			t.Errorf("%s: spam %v", name, spam)
		}
		if got := threadsAsTweets(t, s); len(got) != 9 {
			t.Errorf("%s: %d visible threads, want 8:\n%s", name, len(got)-1, strings.Join(got, "\n"))
		}
	}
}

// TestOnlyTheBrandHandlesAreOfficial: the support CSV marks every company's
// replies inbound=False; they answer, but only the import's brand handles
// become the brand's official (ambassador) account, and the public directory
// lists verified employees, not imported profiles.
func TestOnlyTheBrandHandlesAreOfficial(t *testing.T) {
	s := fixedStore(t)
	ctx := context.Background()
	all := sampleTweets(t, "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv")
	// First imported without a brand handle: AppleSupport is a plain
	// profile until an import names it the brand's.
	runImport(t, s, ImportOptions{}, all[:1000]...)
	runImport(t, s, ImportOptions{BrandHandles: []string{"AppleSupport"}}, all[1000:]...)
	got := dumpTable(t, s, `SELECT username FROM users WHERE imported = 1 AND role = 'ambassador' ORDER BY username`)
	if strings.Join(got, "|") != "username=AppleSupport " {
		t.Fatalf("official imported accounts: %v", got)
	}
	amazon, err := s.UserByUsername(ctx, "AmazonHelp")
	if err != nil || amazon.Role != RoleMember || !amazon.Imported {
		t.Fatalf("AmazonHelp: %+v %v", amazon, err)
	}
	// Other companies' replies still answer: no company asks a question.
	if n := countRows(t, s, `SELECT COUNT(*) FROM threads t JOIN social_items i ON i.post_id = t.question_id AND i.status = 'converted'
		WHERE i.is_brand = 1`); n != 0 {
		t.Fatalf("%d threads asked by a company", n)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM posts p JOIN users u ON u.id = p.author_id WHERE u.username = 'AmazonHelp' AND p.is_question = 0`); n < 50 {
		t.Fatalf("AmazonHelp answered %d times", n)
	}
	emp := userWithRole(t, s, "amy", RoleAmbassador)
	list, err := s.VerifiedAmbassadors(ctx)
	if err != nil || len(list) != 1 || list[0].ID != emp.ID {
		t.Fatalf("directory: %+v %v", list, err)
	}
}
