package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

func TestInsightsDashboardAndCSV(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	answered := asker.ask("Router reboots itself at night")
	asker.ask("Voicemail PIN reset does not arrive")
	peer := a.client()
	peer.register("peer")
	peer.answer(answered, "Turn off automatic firmware updates in the admin page.")
	amb := a.roleClient("ambie", models.RoleAmbassador)

	res := amb.get("/insights?days=7")
	if res.Code != http.StatusOK {
		t.Fatalf("insights: %d %s", res.Code, res.Body)
	}
	mustContain(t, res.Body, "<h2>Responsiveness</h2>", `<svg role="img"`, "Questions asked on the web: time to first answer",
		"2 asked; 50% answered within 1 hour, 50% within 24 hours.", // one of two answered, seconds after asking
		"1 open question without an answer", "Voicemail PIN reset does not arrive",
		`href="/insights/responsiveness.csv?days=7"`, `href="/insights/answerers.csv?days=7"`, `aria-current="true">7 days`)
	mustNotContain(t, res.Body, `<li><a href="/t/`+strings.Split(answered, "/")[2]+`/`)

	csv := amb.get("/insights/responsiveness.csv?days=7")
	if csv.Code != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", csv.Code, csv.Header)
	}
	lines := strings.Split(csv.Body, "\n")
	if !strings.HasPrefix(lines[0], "source,asked,answered,accepted,") || !strings.HasPrefix(lines[1], "web,2,1,0,") ||
		!strings.HasPrefix(lines[2], "tweet,0,0,0,") || !strings.Contains(csv.Body, "web,no answer yet,1") {
		t.Errorf("csv body:\n%s", csv.Body)
	}
	if res := amb.get("/insights/other.csv"); res.Code != http.StatusNotFound {
		t.Errorf("unknown chart: %d", res.Code)
	}

	// A bad range is explained, keeps what was typed, and still shows figures.
	bad := amb.get("/insights?from=2026-13-01&to=2026-11-01&category=nope")
	if bad.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad range: %d", bad.Code)
	}
	mustContain(t, bad.Body, "Give the first day as YYYY-MM-DD.", `value="2026-13-01"`, "There is no such category.", "<h2>Responsiveness</h2>")
	if res := amb.get("/insights/responsiveness.csv?from=2026-11-02&to=2026-11-01"); res.Code != http.StatusUnprocessableEntity {
		t.Errorf("csv with a backwards range: %d", res.Code)
	}
	// A custom range counts its last day in full.
	custom := amb.get("/insights?from=2020-01-01&to=2020-01-31")
	mustContain(t, custom.Body, "Questions asked from 2020-01-01 to 2020-01-31", "0 asked;")

	// Members and visitors never see it.
	if res := asker.get("/insights"); res.Code != http.StatusForbidden {
		t.Errorf("member: %d", res.Code)
	}
	if res := a.client().get("/insights/responsiveness.csv"); res.Code == http.StatusOK {
		t.Errorf("visitor got the CSV")
	}
}

func TestSearchesAreCountedEvenFromThePageCache(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	asker.ask("Router reboots itself at night")
	visitor := a.client()
	for i := 0; i < 2; i++ {
		if res := visitor.get("/search?q=Voicemail+PIN"); res.Code != http.StatusOK {
			t.Fatalf("search: %d", res.Code)
		}
	}
	if res := visitor.get("/search?q=Voicemail+PIN"); res.Header.Get("X-Cache") != "hit" {
		t.Fatalf("the third search was not served from the cache")
	}
	visitor.get("/search?q=router")
	visitor.get("/search?q=router&page=2") // a further page of the same search is not another search
	if err := a.store.FlushEvents(context.Background()); err != nil {
		t.Fatal(err)
	}
	amb := a.roleClient("ambie", models.RoleAmbassador)
	res := amb.get("/insights?days=7")
	mustContain(t, res.Body, "<h2>Self-service</h2>", "<th scope=\"row\">Searches</th><td>4</td>",
		"<td>3 (75%)</td>", `<a href="/search?q=voicemail%20pin">voicemail pin</a></td><td>3</td>`, "4 searches; 75% found nothing.")
	csv := amb.get("/insights/selfservice.csv?days=7")
	mustContain(t, csv.Body, "searches,4\n", "searches_without_results,3\n", "voicemail pin,3\n")
}
