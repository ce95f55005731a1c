package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/language"
)

func TestSearchPageSaysWhatItLeftOutAndWhereResultsAre(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	solve(t, a, asker, peer, "Router drops the line every evening", "Change the channel to 6 in the router settings.")
	asker.ask("Printer does nothing when I press print")
	visitor := a.client()

	// Word forms meet, and the stemmed word is marked.
	res := visitor.get("/search?q=" + url.QueryEscape("dropping line"))
	mustContain(t, res.Body, "1 result", "<mark>drops</mark>", "Knowledge base</span>")

	// A common word is left out and said so; a word found nowhere is named.
	res = visitor.get("/search?q=" + url.QueryEscape("xyzzy nothing"))
	mustContain(t, res.Body, "No results", "Nothing you may see contains “xyzzy”", "Common words were left out: “nothing”")
	if strings.Contains(res.Body, `class="search-hit"`) {
		t.Error("unrelated posts listed for a common word")
	}
	res = visitor.get("/search?q=" + url.QueryEscape("printer xyzzy"))
	mustContain(t, res.Body, "1 result", "No result contains all of your words (nothing has “xyzzy”)")

	// A misspelt query: a suggestion one click away, the query kept.
	res = visitor.get("/search?q=" + url.QueryEscape("pinter"))
	mustContain(t, res.Body, `Did you mean <a href="/search?q=printer">printer</a>?`, "No results", `value="pinter"`)

	// Filters that leave nothing say where the results are.
	res = visitor.get("/search?solved=1&q=printer")
	mustContain(t, res.Body, "No results", `<a href="/search?q=printer">1 result in all questions</a>, open ones included`)
}

func TestAdminEditsSynonymsAndTheNextSearchUsesThem(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	asker.ask("Plotter prints stripes across every page")
	visitor := a.client()
	if res := visitor.get("/search?q=printer"); strings.Contains(res.Body, `class="search-hit"`) {
		t.Fatal("no synonym yet, but printer found the plotter")
	}

	admin := a.adminClient("root")
	page := admin.get("/admin/search")
	mustContain(t, page.Body, "Synonym groups", "wifi, wi-fi, wireless, wlan", `name="synonyms"`)
	// Refused without the CSRF token, and for members.
	if res := admin.post("/admin/search", url.Values{"synonyms": {"printer, plotter"}, "_csrf": {"nope"}}); res.Code != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", res.Code)
	}
	member := a.client()
	member.register("member")
	if res := member.post("/admin/search", url.Values{"synonyms": {"printer, plotter"}}); res.Code != http.StatusForbidden {
		t.Fatalf("member: %d", res.Code)
	}
	// A list too long is shown again with what was typed.
	long := strings.Repeat("a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v\n", 2) + "printer, plotter"
	res := admin.post("/admin/search", url.Values{"synonyms": {long}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("too long: %d", res.Code)
	}
	mustContain(t, res.Body, "At most 20 words or phrases in a group", "printer, plotter</textarea>")

	res = admin.post("/admin/search", url.Values{"synonyms": {"printer, plotter\r\nlonely line\n"}})
	if res.Code != http.StatusSeeOther || res.Location != "/admin/search" {
		t.Fatalf("save: %d %s", res.Code, res.Location)
	}
	mustContain(t, admin.get("/admin/search").Body, "printer, plotter\n</textarea>", "Synonyms saved")
	// Audited like the site settings.
	mustContain(t, admin.get("/mod/log").Body, "Changed the search synonyms")
	// The next search uses them, with no restart and no re-index.
	res = visitor.get("/search?q=printer")
	mustContain(t, res.Body, "1 result", "<mark>Plotter</mark>")
	// The default list again.
	if res := admin.post("/admin/search", url.Values{"restore": {"1"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("restore: %d", res.Code)
	}
	mustContain(t, admin.get("/admin/search").Body, "router, hub, modem")
	if res := visitor.get("/search?q=printer"); strings.Contains(res.Body, `class="search-hit"`) {
		t.Fatal("restored defaults still find the plotter")
	}
}

func TestSearchPageSaysResultsAreInAnotherLanguage(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	asker.askIn("general", "Router verliert jeden Abend die Verbindungen", "Seit dem Update verliert der Router jeden Abend die Verbindung zum Internet.")
	if _, err := a.store.DetectThreadLanguages(context.Background(), language.New(), 10); err != nil {
		t.Fatal(err)
	}
	// Stemmed in German once detected: the singular finds the plural.
	res := a.client().get("/search?q=" + url.QueryEscape("Verbindung"))
	mustContain(t, res.Body, "1 result", "Some results are in German.", `<span class="badge lang">German</span>`, `lang="de"`)
}
