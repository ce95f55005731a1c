package handlers

import (
	"net/url"
	"strings"
	"testing"
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

	// Filters that leave nothing say where the results are.
	res = visitor.get("/search?solved=1&q=printer")
	mustContain(t, res.Body, "No results", `<a href="/search?q=printer">1 result in all questions</a>, open ones included`)
}
