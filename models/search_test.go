package models

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func searchTitles(t *testing.T, s *Store, q SearchQuery) []string {
	t.Helper()
	res, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %q: %v", q.Text, err)
	}
	var out []string
	for _, h := range res.Hits {
		kind := "t:"
		if h.IsArticle {
			kind = "kb:"
		}
		out = append(out, kind+h.Title)
	}
	return out
}

// ask creates a thread with an optional accepted answer.
func ask(t *testing.T, s *Store, asker, helper *User, title, body, answer string) *Thread {
	t.Helper()
	ctx := context.Background()
	th, err := s.CreateThread(ctx, asker, NewThread{Title: title, CategorySlug: "general", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if answer != "" {
		a, err := s.CreateAnswer(ctx, helper, th.ID, answer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Accept(ctx, asker, a.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	return th
}

func TestSearchFindsNewContentAndFollowsEditsAndDeletes(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	th := mustThread(t, s, alice, "Hub 3 loses Wi-Fi every evening")
	if got := searchTitles(t, s, SearchQuery{Text: "evening"}); len(got) != 1 || got[0] != "t:Hub 3 loses Wi-Fi every evening" {
		t.Fatalf("new thread: %v", got)
	}
	// Words in answers find the thread too.
	ans, err := s.CreateAnswer(ctx, bob, th.ID, "Switch the 5 GHz channel to 36 and disable band steering.")
	if err != nil {
		t.Fatal(err)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "steering"}); len(got) != 1 {
		t.Fatalf("answer words: %v", got)
	}
	// Edits are reflected at once.
	if err := s.EditPost(ctx, bob, ans.ID, PostEdit{Body: "Move the router away from the microwave oven."}); err != nil {
		t.Fatal(err)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "steering"}); len(got) != 0 {
		t.Fatalf("old words still found: %v", got)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "microwave"}); len(got) != 1 {
		t.Fatalf("edited words not found: %v", got)
	}
	// A deleted answer and a deleted question are never found.
	if err := s.DeletePost(ctx, bob, ans.ID); err != nil {
		t.Fatal(err)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "microwave"}); len(got) != 0 {
		t.Fatalf("deleted answer found: %v", got)
	}
	if err := s.DeletePost(ctx, alice, th.QuestionID); err != nil {
		t.Fatal(err)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "evening"}); len(got) != 0 {
		t.Fatalf("deleted thread found: %v", got)
	}
}

func TestSearchOddAndHostileQueriesNeverFail(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	for _, title := range []string{"Über-schnelles Internet bricht ab", "ルーターが再起動を繰り返す問題", "الراوتر لا يعمل بعد التحديث",
		"Router shows error \"NEAR(\" in logs"} {
		if _, err := s.CreateThread(ctx, alice, NewThread{Title: title, CategorySlug: "general",
			Body: "Details of the problem: " + title}); err != nil {
			t.Fatal(err)
		}
	}
	queries := []string{`"`, `""`, `"unbalanced`, `*`, `-`, `--`, `- -x`, `OR`, `AND`, `NOT`, `a OR`, `NEAR(`, `NEAR(a b`,
		`(`, `)`, `((a)`, `{title}:x`, `title:x`, `^x`, `x:`, `'; DROP TABLE posts; --`, `🙂`, `🙂 router`, `\`, "\x00", "\xff\xfe",
		strings.Repeat("router ", 300), strings.Repeat("x", 2000), `col:umn`, `"a" "b" NOT`, `-router`, `router*`, `*router`}
	for _, q := range queries {
		res, err := s.Search(ctx, SearchQuery{Text: q})
		if err != nil {
			t.Errorf("query %q: %v", q, err)
			continue
		}
		if res == nil {
			t.Errorf("query %q: nil results", q)
		}
	}
	for q, want := range map[string]string{
		"uber":        "Über-schnelles Internet bricht ab", // diacritics folded
		"Über":        "Über-schnelles Internet bricht ab",
		"再起動":         "ルーターが再起動を繰り返す問題", // a word inside unspaced Japanese
		"ルーター":        "ルーターが再起動を繰り返す問題",
		"الراوتر":     "الراوتر لا يعمل بعد التحديث",
		`"NEAR("`:     `Router shows error "NEAR(" in logs`,
		"intern*":     "Über-schnelles Internet bricht ab",
		`"bricht ab"`: "Über-schnelles Internet bricht ab",
	} {
		got := searchTitles(t, s, SearchQuery{Text: q})
		if len(got) != 1 || got[0] != "t:"+want {
			t.Errorf("query %q: got %v, want %q", q, got, want)
		}
	}
	// Exclusion, and a phrase that is not there.
	if got := searchTitles(t, s, SearchQuery{Text: "problem -internet"}); len(got) != 3 {
		t.Errorf("exclusion: %v", got)
	}
	if got := searchTitles(t, s, SearchQuery{Text: `"ab bricht"`}); len(got) != 0 {
		t.Errorf("phrase order: %v", got)
	}
}

func TestSearchHighlightsSafely(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	if _, err := s.CreateThread(ctx, alice, NewThread{Title: "Script tag <script>alert(1)</script> in signature",
		CategorySlug: "general", Body: "My forum signature shows <script>alert(1)</script> literally as text."}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Search(ctx, SearchQuery{Text: "signature"})
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("%v %v", res, err)
	}
	h := res.Hits[0]
	for _, out := range []string{string(h.TitleHTML), string(h.Snippet)} {
		if strings.Contains(out, "<script") || !strings.Contains(out, "<mark>signature</mark>") {
			t.Errorf("unsafe or unmarked: %s", out)
		}
	}
	if !strings.Contains(string(h.TitleHTML), "&lt;script&gt;") {
		t.Errorf("title not escaped: %s", h.TitleHTML)
	}
}

func TestSearchRanksTitleAndSolvedFirstAndFilters(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	cat, err := s.CreateCategory(ctx, NewCategory{Name: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(title, body, category, tags string) *Thread {
		th, err := s.CreateThread(ctx, alice, NewThread{Title: title, CategorySlug: category, Body: body, Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
		return th
	}
	mk("Something else entirely here", "The modem light blinks orange after a storm.", "general", "")
	inTitle := mk("Modem blinks orange", "Since yesterday it does this all day long.", "general", "modem")
	open := mk("Question about invoices one", "Invoice shows a roaming charge twice.", cat.Slug, "")
	solved := mk("Question about invoices two", "Invoice shows a roaming charge twice.", cat.Slug, "")

	got := searchTitles(t, s, SearchQuery{Text: "modem orange"})
	if len(got) != 2 || got[0] != "t:"+inTitle.Title {
		t.Fatalf("title should outrank body: %v", got)
	}
	a, err := s.CreateAnswer(ctx, bob, solved.ID, "Ask billing for a refund of the duplicate roaming charge.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, bob, open.ID, "Ask billing for a refund of the duplicate roaming charge."); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, alice, a.ID, false); err != nil {
		t.Fatal(err)
	}
	got = searchTitles(t, s, SearchQuery{Text: "duplicate roaming"})
	// The solved question (one hit: its KB article) comes before the equally relevant open thread.
	if len(got) != 2 || got[0] != "kb:"+solved.Title || got[1] != "t:"+open.Title {
		t.Fatalf("solved first: %v", got)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "roaming", SolvedOnly: true}); len(got) != 1 {
		t.Errorf("solved=1: %v", got)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "orange", Category: cat.Slug}); len(got) != 0 {
		t.Errorf("category filter: %v", got)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "orange", Tag: "modem"}); len(got) != 1 {
		t.Errorf("tag filter: %v", got)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "orange", Category: "no-such"}); len(got) != 0 {
		t.Errorf("unknown category: %v", got)
	}
	// No hit has every word: hits with any word are offered instead.
	res, err := s.Search(ctx, SearchQuery{Text: "orange zebra"})
	if err != nil || !res.Broadened || len(res.Hits) != 2 {
		t.Errorf("broadened: %+v %v", res, err)
	}
	sim, err := s.Similar(ctx, "Why is my invoice showing roaming", nil)
	if err != nil || len(sim) != 1 || !sim[0].IsArticle {
		t.Fatalf("similar: %v %v", sim, err)
	}
}

func TestReindexRebuildsTheSameResults(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	mustThread(t, s, alice, "Hub 3 loses Wi-Fi every evening")
	before := searchTitles(t, s, SearchQuery{Text: "evening"})
	n, err := s.Reindex(ctx)
	if err != nil || n != 1 {
		t.Fatalf("reindex: %d %v", n, err)
	}
	if after := searchTitles(t, s, SearchQuery{Text: "evening"}); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("before %v after %v", before, after)
	}
}

func TestHyphenatedWordsMatchEitherSpelling(t *testing.T) {
	s := newTestStore(t)
	alice := mustUser(t, s, "alice")
	mustThread(t, s, alice, "Wi-Fi drops when the e-mail app syncs")
	for _, q := range []string{"wifi", "Wi-Fi", "wi-fi drops", "email", "e-mail", "WIFI email"} {
		if got := searchTitles(t, s, SearchQuery{Text: q}); len(got) != 1 {
			t.Errorf("query %q: %v", q, got)
		}
	}
}

func TestSolvedQuestionIsOneHitEverywhere(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	for i := range 25 {
		th, err := s.CreateThread(ctx, alice, NewThread{Title: fmt.Sprintf("Voicemail greeting problem number %d", i),
			CategorySlug: "general", Body: "My voicemail greeting plays the old recording."})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAnswer(ctx, bob, th.ID, "Record the voicemail greeting again from the menu, option 3.")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Accept(ctx, alice, a.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[int64]bool{}
	for page, want := range map[int]int{1: 20, 2: 5} {
		res, err := s.Search(ctx, SearchQuery{Text: "voicemail greeting", Page: page})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 25 || res.Pages != 2 || len(res.Hits) != want || res.Broadened {
			t.Fatalf("page %d: total %d, pages %d, hits %d", page, res.Total, res.Pages, len(res.Hits))
		}
		for _, h := range res.Hits {
			if seen[h.ThreadID] || !h.IsArticle || !strings.HasPrefix(h.URL, "/kb/") {
				t.Fatalf("hit %+v twice or not its article", h)
			}
			seen[h.ThreadID] = true
		}
	}
	// Page 2 of a search whose best results have every word says no more
	// than page 1, even when its own results lack one.
	carol := mustUser(t, s, "carol")
	for i := range 16 {
		ask(t, s, carol, bob, fmt.Sprintf("Greeting card printing question %d", i), "How do I print a greeting card on thick paper?", "")
	}
	for page := 1; page <= 3; page++ { // page 3: one greeting card
		if res, err := s.Search(ctx, SearchQuery{Text: "voicemail greeting", Page: page}); err != nil || res.Broadened {
			t.Fatalf("page %d broadened: %v", page, err)
		}
	}
	sim, err := s.Similar(ctx, "voicemail greeting wrong", nil)
	if err != nil || len(sim) != 5 {
		t.Fatalf("similar: %v %v", sim, err)
	}
	ids := map[int64]bool{}
	for _, h := range sim {
		ids[h.ThreadID] = true
	}
	if len(ids) != 5 {
		t.Fatalf("similar lists a question twice: %+v", sim)
	}
}
