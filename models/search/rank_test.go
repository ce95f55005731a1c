package search_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// ask creates a thread with an optional accepted answer.
func ask(t *testing.T, s *models.Store, asker, helper *models.User, title, body, answer string) *models.Thread {
	t.Helper()
	ctx := context.Background()
	th, err := s.CreateThread(ctx, asker, models.NewThread{Title: title, CategorySlug: "general", Body: body})
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

func hitTitles(res *models.SearchResults) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Title)
	}
	return out
}

func TestSearchMatchesWordFormsExactFirst(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	drops := ask(t, s, alice, bob, "Hub drops the line every evening", "The light goes orange at 8pm.", "")
	dropped := ask(t, s, alice, bob, "Laptop dropped on the floor, screen cracked", "It fell off the desk.", "")
	ask(t, s, alice, bob, "Printer jams on thick paper", "Cardboard gets stuck halfway.", "")
	for q, first := range map[string]*models.Thread{"dropping": drops, "drops": drops, "dropped": dropped, "DROPPED": dropped} {
		res, err := s.Search(ctx, models.SearchQuery{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		got := hitTitles(res)
		// Every form meets every other; the word as typed ranks first.
		if len(got) != 2 || (q != "dropping" && got[0] != first.Title) {
			t.Errorf("%q: %v", q, got)
		}
		if !strings.Contains(string(res.Hits[0].TitleHTML)+string(res.Hits[1].TitleHTML), "<mark>drop") {
			t.Errorf("%q: stemmed word not highlighted: %s / %s", q, res.Hits[0].TitleHTML, res.Hits[1].TitleHTML)
		}
	}
	// Phrases stay exact, and so do prefixes.
	if got := searchTitles(t, s, models.SearchQuery{Text: `"dropped on"`}); len(got) != 1 {
		t.Errorf("phrase: %v", got)
	}
	if got := searchTitles(t, s, models.SearchQuery{Text: `"dropping on"`}); len(got) != 0 {
		t.Errorf("stemmed phrase: %v", got)
	}
	if got := searchTitles(t, s, models.SearchQuery{Text: `dropp*`}); len(got) != 1 {
		t.Errorf("prefix: %v", got)
	}
	// Edits change the stems in the same transaction.
	p, err := s.Post(ctx, dropped.QuestionID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EditPost(ctx, alice, p.ID, models.PostEdit{Title: "Laptop screen cracked", Body: "It fell off the desk."}); err != nil {
		t.Fatal(err)
	}
	if got := searchTitles(t, s, models.SearchQuery{Text: "dropping"}); len(got) != 1 {
		t.Errorf("after edit: %v", got)
	}
}

func TestSearchStemsInTheThreadsLanguage(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice := mustUser(t, s, "alice")
	if _, err := s.CreateThread(ctx, alice, models.NewThread{Title: "WLAN Verbindungen brechen ständig ab", CategorySlug: "general",
		Body: "Seit dem Update verliert der Router die Verbindungen."}); err != nil {
		t.Fatal(err)
	}
	// English stems until the language is known: "Verbindung" does not meet "Verbindungen".
	if got := searchTitles(t, s, models.SearchQuery{Text: "Verbindung"}); len(got) != 0 {
		t.Fatalf("before detection: %v", got)
	}
	if n, err := s.DetectThreadLanguages(ctx, wordDetector{{"Verbindungen", "de"}}, 10); err != nil || n != 1 {
		t.Fatalf("detect: %d %v", n, err)
	}
	for _, q := range []string{"Verbindung", "verbindungen", "brechen ab"} {
		if got := searchTitles(t, s, models.SearchQuery{Text: q}); len(got) != 1 {
			t.Errorf("%q after detection: %v", q, got)
		}
	}
	// Results in another language say so.
	res, err := s.Search(ctx, models.SearchQuery{Text: "Verbindung"})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Lang != "de" || !slices.Equal(res.Languages, []string{"de"}) {
		t.Fatalf("language: %+v %v", res, err)
	}
}

func TestSearchRanksTheUnion(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	// "keeps" is a common word in a support forum.
	for _, title := range []string{"Printer keeps jamming on thick paper", "Laptop fan keeps spinning at full speed",
		"Remote keeps losing its pairing", "Bill keeps going up every month", "App keeps asking me to sign in"} {
		ask(t, s, alice, bob, title, "It keeps happening and I have tried restarting it.", "")
	}
	// A strong, solved question that lacks one of the words...
	strong := ask(t, s, alice, bob, "Hub 3 drops Wi-Fi every evening around 8pm",
		"Every evening the Wi-Fi drops for a few minutes, wired is fine.",
		"Change the 2.4 GHz channel to 1, 6 or 11 and turn off band steering; the drops stop.")
	// ...and a weak post that has every word literally, in passing.
	weak := ask(t, s, alice, bob, "Garden furniture for the patio",
		"My neighbour keeps dropping hints about the wifi password, anyway what chairs do you like?", "")
	res, err := s.Search(ctx, models.SearchQuery{Text: "wifi keeps dropping"})
	if err != nil {
		t.Fatal(err)
	}
	got := hitTitles(res)
	if len(got) < 2 || got[0] != strong.Title || got[1] != weak.Title || res.Broadened {
		t.Fatalf("union: %v (total %d, broadened %v)", got, res.Total, res.Broadened)
	}
	// With every word only in the weak post, the strong question still
	// shows: partial matches are ranked, not dropped.
	res, err = s.Search(ctx, models.SearchQuery{Text: "wifi keeps dropping anyway"})
	if err != nil || !slices.Contains(hitTitles(res), strong.Title) {
		t.Fatalf("partial match dropped: %v %v", hitTitles(res), err)
	}
}

func TestSearchSynonymsByDefault(t *testing.T) {
	s := newTestStore(t)
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	ask(t, s, alice, bob, "Wi-Fi slow upstairs", "One bar in the back bedroom upstairs.", "Move the hub off the floor and up high.")
	ask(t, s, alice, bob, "Invoice shows a roaming charge twice", "Two identical lines for a day in Spain.", "")
	for q, want := range map[string]string{"wireless slow": "Wi-Fi slow upstairs", "wlan": "Wi-Fi slow upstairs",
		"router upstairs": "Wi-Fi slow upstairs", "bill roaming": "Invoice shows a roaming charge twice",
		"billed twice": "Invoice shows a roaming charge twice"} {
		got := searchTitles(t, s, models.SearchQuery{Text: q})
		if len(got) == 0 || !strings.HasSuffix(got[0], ":"+want) {
			t.Errorf("%q: %v", q, got)
		}
	}
	// A phrase of the list typed as words finds its synonyms too.
	ask(t, s, alice, bob, "Login fails with error 403 on the portal", "The portal refuses every attempt since Monday.", "")
	if got := searchTitles(t, s, models.SearchQuery{Text: "log in"}); len(got) == 0 || got[0] != "t:Login fails with error 403 on the portal" {
		t.Errorf("log in: %v", got)
	}
	// Exact words still rank above their synonyms.
	ask(t, s, alice, bob, "Wireless keyboard lags", "Keys appear on screen a second late.", "Replace the batteries in the keyboard.")
	if got := searchTitles(t, s, models.SearchQuery{Text: "wireless"}); len(got) != 2 || got[0] != "kb:Wireless keyboard lags" {
		t.Errorf("exact first: %v", got)
	}
}

func TestSearchSaysWhatItIgnoredAndWhereResultsAre(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	for _, title := range []string{"Nothing happens when I press power", "Router shows nothing on the display",
		"Nothing loads after the update", "TV shows nothing but a black screen", "Nothing in my inbox since Monday",
		"Printer does nothing at all"} {
		ask(t, s, alice, bob, title, "It just sits there doing nothing at all, for minutes.", "")
	}
	// "nothing" is a common word: left out, and said so; "xyzzy" is nowhere.
	res, err := s.Search(ctx, models.SearchQuery{Text: "xyzzy nothing"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 0 || !slices.Equal(res.Ignored, []string{"nothing"}) || !slices.Equal(res.Missing, []string{"xyzzy"}) {
		t.Fatalf("xyzzy nothing: %v ignored %v missing %v", hitTitles(res), res.Ignored, res.Missing)
	}
	// A query of common words alone still searches them.
	if res, err := s.Search(ctx, models.SearchQuery{Text: "nothing"}); err != nil || res.Total != 6 || len(res.Ignored) != 0 {
		t.Fatalf("nothing: %d %v %v", res.Total, res.Ignored, err)
	}
	// Part of the query found: the rest is named.
	res, err = s.Search(ctx, models.SearchQuery{Text: "printer xyzzy"})
	if err != nil || len(res.Hits) != 1 || !res.Broadened || !slices.Equal(res.Missing, []string{"xyzzy"}) {
		t.Fatalf("printer xyzzy: %v broadened %v missing %v %v", hitTitles(res), res.Broadened, res.Missing, err)
	}
	// Nothing solved matches, but open questions do: say how many.
	res, err = s.Search(ctx, models.SearchQuery{Text: "printer", SolvedOnly: true})
	if err != nil || len(res.Hits) != 0 || res.Elsewhere != 1 || len(res.Missing) != 1 {
		t.Fatalf("solved only: %+v %v", res, err)
	}
	// Hidden content is never counted anywhere: a private match is "missing".
	priv, err := s.CreateCategory(ctx, models.NewCategory{Name: "Staff room"})
	if err != nil {
		t.Fatal(err)
	}
	root := userWithRole(t, s, "root", models.RoleAdmin)
	if err := s.SetCategoryGroup(ctx, root, priv.Slug, "staff"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateThread(ctx, root, models.NewThread{Title: "Zorbulator calibration", CategorySlug: priv.Slug, Body: "Internal only, do not share outside."}); err != nil {
		t.Fatal(err)
	}
	res, err = s.Search(ctx, models.SearchQuery{Text: "zorbulator printer"})
	if err != nil || len(res.Hits) != 1 || !slices.Equal(res.Missing, []string{"zorbulator"}) {
		t.Fatalf("private word: %v missing %v %v", hitTitles(res), res.Missing, err)
	}
	res, err = s.Search(ctx, models.SearchQuery{Text: "zorbulator", Category: "general"})
	if err != nil || res.Elsewhere != 0 {
		t.Fatalf("private word elsewhere: %d %v", res.Elsewhere, err)
	}
}

func TestSearchDidYouMean(t *testing.T) {
	path := testdb.Location(t, "s.db")
	s, err := models.Open(context.Background(), path, models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	ask(t, s, alice, bob, "Wireless printer shows offline after router replacement", "The HP printer says offline on both laptops.",
		"Join the new network from the printer's own wireless setup wizard.")
	ask(t, s, alice, bob, "Netflix app asks me to sign in every day", "Every time the box starts, Netflix logs me out.", "")
	for q, want := range map[string]string{
		"wirless printer ofline":   "wireless printer offline",
		"netflx keeps signing out": "netflix keeps signing out",
		"Printr":                   "printer",
		"wireless printer":         "", // found: nothing to suggest
		`"wirless printer"`:        "", // phrases are left as typed
		"zzqxw":                    "", // nothing close
	} {
		res, err := s.Search(ctx, models.SearchQuery{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if res.Suggestion != want {
			t.Errorf("%q: suggested %q, want %q", q, res.Suggestion, want)
		}
	}
	// The typed query is still what was searched.
	if res, _ := s.Search(ctx, models.SearchQuery{Text: "wirless ofline"}); len(res.Hits) != 0 || res.Suggestion != "wireless offline" {
		t.Errorf("query replaced: %v %q", hitTitles(res), res.Suggestion)
	}
	// A word only a private question has is never suggested.
	root := userWithRole(t, s, "root", models.RoleAdmin)
	priv, err := s.CreateCategory(ctx, models.NewCategory{Name: "Staff room"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCategoryGroup(ctx, root, priv.Slug, "staff"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateThread(ctx, root, models.NewThread{Title: "Zorbulator calibration steps", CategorySlug: priv.Slug,
		Body: "Internal only, do not share outside."}); err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Search(ctx, models.SearchQuery{Text: "zorbulatr"}); res.Suggestion != "" {
		t.Errorf("private word suggested: %q", res.Suggestion)
	}
	if res, _ := s.Search(ctx, models.SearchQuery{Text: "zorbulatr", Viewer: root}); res.Suggestion != "zorbulator" {
		t.Errorf("staff: %q", res.Suggestion)
	}
	// Titles stored before the word list existed are read once at start.
	if _, err := s.DB().W().Exec(`DELETE FROM search_words; INSERT INTO settings (key, value) VALUES ('search.words', '1')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = models.Open(ctx, path, models.Options{PasswordCost: bcrypt.MinCost}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, _ := s.Search(ctx, models.SearchQuery{Text: "netflx"}); res.Suggestion != "netflix" {
		t.Errorf("after start: %q", res.Suggestion)
	}
}

func TestSearchOddSynonymListsNeverFail(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	ask(t, s, alice, bob, "Router shows NEAR( error after the update", "The Wi-Fi light blinks and the log says NEAR(.", "")
	root := userWithRole(t, s, "root", models.RoleAdmin)
	if err := s.SetSearchSynonyms(ctx, alice, "router, hub"); err != models.ErrForbidden {
		t.Fatalf("member: %v", err)
	}
	list := "a\"b, NEAR(, *, router\n wi-fi , -x, \x00, 日本語, ルーター\nOR, AND, NOT\n\"\", ''\nrouter, router\nerror, fault, \"quoted\""
	if err := s.SetSearchSynonyms(ctx, root, list); err != nil {
		t.Fatal(err)
	}
	saved, err := s.SearchSynonyms(ctx)
	if err != nil || strings.Contains(saved, "\x00") || strings.Contains(saved, "router, router") {
		t.Fatalf("saved %q %v", saved, err)
	}
	for _, q := range []string{"router", "NEAR(", "fault", "wi-fi", "日本語", "OR", "a\"b", "quoted", "-x router", "* router"} {
		if _, err := s.Search(ctx, models.SearchQuery{Text: q}); err != nil {
			t.Errorf("%q: %v", q, err)
		}
		if _, err := s.Similar(ctx, q, nil); err != nil {
			t.Errorf("similar %q: %v", q, err)
		}
	}
	if got := searchTitles(t, s, models.SearchQuery{Text: "fault"}); len(got) != 1 {
		t.Errorf("fault finds the error post: %v", got)
	}
}
