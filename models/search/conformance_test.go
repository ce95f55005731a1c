package search_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/internal/bench"
	"github.com/crowdcare/crowdcare/internal/bench/relevance"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/search"
)

// TestSearchConformance is one suite of search behaviours that every search
// back-end must show: it runs on the engine the test pass runs on (FTS5 on
// SQLite, the tsvector index on PostgreSQL, see Backend), with the same
// fixture and the same expectations. The relevance set's support threads
// (internal/bench/relevance) are the fixture, beside a few threads made for one
// behaviour each.
func TestSearchConformance(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	for _, c := range []string{"billing-account", "broadband-wifi", "laptops-pcs", "mobile", "tv-streaming"} {
		if _, err := s.CreateCategory(ctx, models.NewCategory{Slug: c, Name: c}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bench.SeedRelevanceFixtures(ctx, s); err != nil {
		t.Fatal(err)
	}
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	mod := userWithRole(t, s, "mod", models.RoleModerator)
	admin, partner, outsider, private := reviewPrivate(t, s)
	post := func(title, body string) *models.Thread {
		t.Helper()
		th, err := s.CreateThread(ctx, alice, models.NewThread{Title: title, CategorySlug: "general", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return th
	}
	post("Über-schnelles Internet bricht ab", "Die Verbindung fällt jeden Abend aus.")
	post("Café hotspot refuses the naïve login", "The captive portal at the café never loads.")
	post("ルーターが再起動を繰り返す問題", "ルーターが毎晩再起動します。設定を初期化しても直りません。")
	post("我的路由器每天晚上都断线", "我的路由器每天晚上都会断线，重启以后也一样，请问怎么办？")
	post("Script <b>tags</b> & quotes \" in a marmoset title", "The marmoset page shows <script>alert(1)</script> as text.")
	inAnswer := post("Printer prints blank pages", "Nothing comes out but white paper.")
	if _, err := s.CreateAnswer(ctx, bob, inAnswer.ID, "Try the capybara cleaning cycle from the printer menu."); err != nil {
		t.Fatal(err)
	}
	// Gone or hidden: their words must never be found.
	hiddenAnswer := post("Modem hums loudly", "It hums all night long, even when idle.")
	a, err := s.CreateAnswer(ctx, bob, hiddenAnswer.ID, "Buy an axolotl-grade fan for the modem.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.HidePost(ctx, mod, a.ID, "spam"); err != nil {
		t.Fatal(err)
	}
	hiddenQuestion := post("Wombat firmware bricked my hub", "The wombat update failed halfway.")
	if err := s.HidePost(ctx, mod, hiddenQuestion.QuestionID, "spam"); err != nil {
		t.Fatal(err)
	}
	deletedAnswer := post("Fan noise from the tower", "The fan is loud when the tower starts.")
	a, err = s.CreateAnswer(ctx, bob, deletedAnswer.ID, "Replace the narwhal bracket.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePost(ctx, bob, a.ID); err != nil {
		t.Fatal(err)
	}
	deletedQuestion := post("Quokka remote stopped pairing", "The quokka remote blinks red.")
	if err := s.DeletePost(ctx, alice, deletedQuestion.QuestionID); err != nil {
		t.Fatal(err)
	}
	// Equally relevant, one solved: the solved one (its article) first.
	open := post("Pelican dongle disconnects (one)", "The pelican dongle disconnects after an hour.")
	solved := post("Pelican dongle disconnects (two)", "The pelican dongle disconnects after an hour.")
	for _, th := range []*models.Thread{open, solved} {
		a, err := s.CreateAnswer(ctx, bob, th.ID, "Update the pelican driver from the support site.")
		if err != nil {
			t.Fatal(err)
		}
		if th == solved {
			if _, err := s.Accept(ctx, alice, a.ID, false); err != nil {
				t.Fatal(err)
			}
		}
	}

	// A long thread: more words than a tsvector numbers (16,383).
	long := post("Tablet battery report is very long", "The battery report lists every charge cycle since new.")
	for i := range 4 {
		text := strings.Repeat(fmt.Sprintf("cycle %d charged to full then drained overnight again. ", i), 700)
		if i == 3 {
			text += "At the very end the zebrafish sticker fell off."
		}
		if _, err := s.CreateAnswer(ctx, bob, long.ID, text); err != nil {
			t.Fatal(err)
		}
	}

	titles := func(t *testing.T, q models.SearchQuery) []string {
		t.Helper()
		return searchTitles(t, s, q)
	}
	only := func(t *testing.T, q models.SearchQuery, want string) {
		t.Helper()
		if got := titles(t, q); len(got) != 1 || strings.TrimPrefix(strings.TrimPrefix(got[0], "kb:"), "t:") != want {
			t.Errorf("%+v: got %q, want only %q", q, got, want)
		}
	}
	none := func(t *testing.T, q models.SearchQuery) {
		t.Helper()
		if got := titles(t, q); len(got) != 0 {
			t.Errorf("%+v: got %q, want nothing", q, got)
		}
	}

	t.Run("relevance order", func(t *testing.T) {
		// The relevance queries whose question is a fixture thread (the
		// others' are in the demo content, not seeded here).
		fixture := map[string]bool{}
		threads, err := relevance.Threads()
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range threads {
			fixture[rt.Title] = true
		}
		queries, err := relevance.Queries()
		if err != nil {
			t.Fatal(err)
		}
		var n, first, top3 int
		for _, q := range queries {
			if !fixture[q.Want] {
				continue
			}
			got := titles(t, models.SearchQuery{Text: q.Query})
			rank := slices.IndexFunc(got, func(h string) bool {
				return strings.TrimPrefix(strings.TrimPrefix(h, "kb:"), "t:") == q.Want
			}) + 1
			n++
			if rank == 1 {
				first++
			}
			if rank >= 1 && rank <= 3 {
				top3++
			} else {
				t.Logf("%s: rank %d for %q (want %q), got %q", testdb.Engine(), rank, q.Query, q.Want, got[:min(3, len(got))])
			}
		}
		r1, r3 := float64(first)/float64(n), float64(top3)/float64(n)
		t.Logf("%s: %d queries, recall@1 %.3f, recall@3 %.3f", testdb.Engine(), n, r1, r3)
		if n < 100 || r1 < conformanceRecall1 || r3 < conformanceRecall3 {
			t.Errorf("%d queries, recall@1 %.3f (min %.2f), recall@3 %.3f (min %.2f)", n, r1, conformanceRecall1, r3, conformanceRecall3)
		}
	})

	t.Run("filters", func(t *testing.T) {
		q := models.SearchQuery{Text: "pelican dongle"}
		if got := titles(t, q); len(got) != 2 {
			t.Fatalf("unfiltered: %q", got)
		}
		q.SolvedOnly = true
		only(t, q, solved.Title)
		only(t, models.SearchQuery{Text: "wholesale", Viewer: partner, Category: private.Category.Slug}, private.Title)
		none(t, models.SearchQuery{Text: "pelican", Category: "mobile"})
		none(t, models.SearchQuery{Text: "pelican", Category: "no-such-category"})
		none(t, models.SearchQuery{Text: "pelican", Tag: "no-such-tag"})
		// A tag of the fixture: every hit has it.
		tagged, err := s.Search(ctx, models.SearchQuery{Text: "router", Tag: "wifi"})
		if err != nil || len(tagged.Hits) == 0 {
			t.Fatalf("tag filter: %v %v", tagged, err)
		}
		for _, h := range tagged.Hits {
			th, err := s.Thread(ctx, h.ThreadID)
			if err != nil || !slices.Contains(th.Tags, "wifi") {
				t.Errorf("hit %q lacks the tag: %v", h.Title, err)
			}
		}
		// What the filters hid is counted.
		res, err := s.Search(ctx, models.SearchQuery{Text: "pelican", Category: "mobile"})
		if err != nil || res.Elsewhere != 2 {
			t.Errorf("elsewhere: %+v %v", res, err)
		}
	})

	t.Run("private categories", func(t *testing.T) {
		none(t, models.SearchQuery{Text: "wholesale"})
		none(t, models.SearchQuery{Text: "wholesale", Viewer: outsider})
		only(t, models.SearchQuery{Text: "wholesale", Viewer: partner}, private.Title)
		only(t, models.SearchQuery{Text: "wholesale", Viewer: admin}, private.Title)
	})

	t.Run("accents", func(t *testing.T) {
		for _, q := range []string{"uber", "Über", "ÜBER", "uber-schnelles", "fallt", "fällt"} {
			only(t, models.SearchQuery{Text: q}, "Über-schnelles Internet bricht ab")
		}
		for _, q := range []string{"cafe", "café", "CAFÉ", "naive", "naïve", `"naive login"`} {
			only(t, models.SearchQuery{Text: q}, "Café hotspot refuses the naïve login")
		}
	})

	t.Run("CJK", func(t *testing.T) {
		for _, q := range []string{"再起動", "ルーター", "ルーター 再起動", `"再起動"`} {
			only(t, models.SearchQuery{Text: q}, "ルーターが再起動を繰り返す問題")
		}
		for _, q := range []string{"路由器", "断线", "晚上都断线", "路由器 断线"} {
			only(t, models.SearchQuery{Text: q}, "我的路由器每天晚上都断线")
		}
		none(t, models.SearchQuery{Text: "断路"})
	})

	t.Run("prefix, phrase and exclusion", func(t *testing.T) {
		only(t, models.SearchQuery{Text: "marmos*"}, `Script <b>tags</b> & quotes " in a marmoset title`)
		only(t, models.SearchQuery{Text: `"captive portal"`}, "Café hotspot refuses the naïve login")
		none(t, models.SearchQuery{Text: `"portal captive"`})
		only(t, models.SearchQuery{Text: "pelican -two"}, open.Title)
		only(t, models.SearchQuery{Text: `pelican -"one"`}, solved.Title)
		none(t, models.SearchQuery{Text: "pelican -pel*"})
	})

	t.Run("highlighting", func(t *testing.T) {
		res, err := s.Search(ctx, models.SearchQuery{Text: "marmoset script"})
		if err != nil || len(res.Hits) != 1 {
			t.Fatalf("%v %v", res, err)
		}
		h := res.Hits[0]
		if got := string(h.TitleHTML); got != `<mark>Script</mark> &lt;b&gt;tags&lt;/b&gt; &amp; quotes &#34; in a <mark>marmoset</mark> title` {
			t.Errorf("title: %s", got)
		}
		if got := string(h.Snippet); strings.Contains(got, "<script") || !strings.Contains(got, "The <mark>marmoset</mark> page") {
			t.Errorf("snippet: %s", got)
		}
		// Words found only in another answer: the snippet is from there.
		res, err = s.Search(ctx, models.SearchQuery{Text: "capybara"})
		if err != nil || len(res.Hits) != 1 || !strings.Contains(string(res.Hits[0].Snippet), "<mark>capybara</mark>") {
			t.Errorf("answer snippet: %+v %v", res, err)
		}
		// Other forms of a word are marked as found.
		res, err = s.Search(ctx, models.SearchQuery{Text: "pelican disconnecting"})
		if err != nil || len(res.Hits) < 2 || string(res.Hits[0].TitleHTML) != "<mark>Pelican</mark> dongle <mark>disconnects</mark> (two)" {
			t.Errorf("stem marks: %+v %v", res, err)
		}
	})

	t.Run("hostile input", func(t *testing.T) {
		for _, q := range []string{`"`, `""`, `"unbalanced`, `*`, `-`, `--`, `- -x`, `OR`, `AND`, `NOT`, `a OR`, `NEAR(`,
			`(`, `)`, `((a)`, `{title}:x`, `title:x`, `facets:zsolved`, `facets : zc1`, `^x`, `x:`, `'; DROP TABLE posts; --`,
			`a & b | !c <-> d:*`, `'quoted'`, `\`, `\'`, "\x00", "\xff\xfe", "\u0301", "a\u0301*", "ー*", `x* -""`,
			`🙂 router`, strings.Repeat("router ", 300), strings.Repeat("x", 3000), `#zsolved`, `zsolved`, `-router`, `*router`} {
			for _, sq := range []models.SearchQuery{{Text: q}, {Text: q, Category: "general", Tag: "wifi", SolvedOnly: true, Viewer: outsider}} {
				if _, err := s.Search(ctx, sq); err != nil {
					t.Errorf("search %q: %v", q, err)
				}
			}
			if _, err := s.Similar(ctx, q, nil); err != nil {
				t.Errorf("similar %q: %v", q, err)
			}
		}
	})

	t.Run("deleted and hidden", func(t *testing.T) {
		for _, q := range []string{"axolotl", "axolotl*", "wombat", `"wombat update"`, "narwhal", "quokka", "quok*"} {
			none(t, models.SearchQuery{Text: q})
			none(t, models.SearchQuery{Text: q, Viewer: admin})
		}
		// Words found elsewhere find the others, never these.
		for _, q := range []string{"wombat firmware", "quokka remote", "fan narwhal", "modem axolotl"} {
			res, err := s.Search(ctx, models.SearchQuery{Text: q, Viewer: admin})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				if h.ThreadID == hiddenQuestion.ID || h.ThreadID == deletedQuestion.ID {
					t.Errorf("%q found %q", q, h.Title)
				}
			}
		}
		// The rest of a thread with a hidden answer is still found.
		only(t, models.SearchQuery{Text: "hums"}, hiddenAnswer.Title)
		sim, err := s.Similar(ctx, "wombat firmware bricked", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range sim {
			if h.ThreadID == hiddenQuestion.ID {
				t.Errorf("similar found the hidden question")
			}
		}
	})

	t.Run("long threads", func(t *testing.T) {
		only(t, models.SearchQuery{Text: "zebrafish"}, long.Title)
		if got := titles(t, models.SearchQuery{Text: "zebrafish tablet"}); len(got) == 0 || got[0] != "t:"+long.Title {
			t.Errorf("zebrafish tablet: %q", got)
		}
		only(t, models.SearchQuery{Text: "zebra*"}, long.Title)
	})

	t.Run("rows written in bulk", func(t *testing.T) {
		// As imports write them: many rows a statement, through the
		// back-end's columns and values.
		th := post("Bulk written question about lemurs", "The lemur app shows a blank screen.")
		th2 := post("Bulk written question about tapirs", "The tapir app crashes at start.")
		idx := s.Backend()
		var rows []any
		for _, bt := range []*models.Thread{th, th2} {
			d := search.Doc{Title: bt.Title, Body: "The " + bt.Title[len(bt.Title)-6:] + " app shows a blank screen.", Answers: "Clear the mongoose cache of " + bt.Title + "."}
			rows = append(rows, idx.Values(search.Row{RowID: search.ThreadRowID(bt.ID), Cols: search.Columns(d, nil),
				Facets: search.FacetCategory(bt.Category.ID) + " " + search.FacetOpen})...)
		}
		cols := len(idx.Columns())
		tuple := "(" + db.Placeholders(cols) + ")"
		err := s.DB().InTx(ctx, func(tx *sql.Tx) error {
			for _, bt := range []*models.Thread{th, th2} {
				if err := idx.Remove(ctx, tx, search.ThreadRowID(bt.ID)); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO search_index (`+strings.Join(idx.Columns(), ", ")+`) VALUES `+tuple+", "+tuple, rows...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := titles(t, models.SearchQuery{Text: "mongoose"}); len(got) != 2 {
			t.Errorf("mongoose: %q", got)
		}
		only(t, models.SearchQuery{Text: "lemur", Category: "general"}, th.Title)
		only(t, models.SearchQuery{Text: "tapirs"}, th2.Title)
	})

	t.Run("solved and KB boost", func(t *testing.T) {
		got := titles(t, models.SearchQuery{Text: "pelican dongle disconnects"})
		if want := []string{"kb:" + solved.Title, "t:" + open.Title}; len(got) < 2 || !slices.Equal(got[:2], want) {
			t.Errorf("got %q, want %q", got, want)
		}
		sim, err := s.Similar(ctx, "pelican dongle keeps disconnecting", nil)
		if err != nil || len(sim) == 0 || !sim[0].IsArticle || sim[0].ThreadID != solved.ID {
			t.Errorf("similar: %+v %v", sim, err)
		}
	})

	t.Run("reindex keeps results", func(t *testing.T) {
		queries := []string{"router keeps dropping", "pelican", "uber", "再起動", `"captive portal"`, "marmos*", "wombat"}
		before := make([]string, len(queries))
		for i, q := range queries {
			before[i] = fmt.Sprint(titles(t, models.SearchQuery{Text: q}))
		}
		if _, err := s.Reindex(ctx); err != nil {
			t.Fatal(err)
		}
		for i, q := range queries {
			if after := fmt.Sprint(titles(t, models.SearchQuery{Text: q})); after != before[i] {
				t.Errorf("%q: before %s, after %s", q, before[i], after)
			}
		}
	})
}

// The conformance suite's relevance floor, the same on every engine.
const (
	conformanceRecall1 = 0.90
	conformanceRecall3 = 0.99
)
