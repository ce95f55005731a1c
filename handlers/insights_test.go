package handlers

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/language"
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
	// Three browsers search for the same thing; the third gets the cached page.
	for i, ua := range []string{"browser-1", "browser-2", "browser-3"} {
		visitor := a.client()
		visitor.ua = ua
		res := visitor.get("/search?q=Voicemail+PIN")
		if res.Code != http.StatusOK {
			t.Fatalf("search: %d", res.Code)
		}
		if i == 2 && res.Header.Get("X-Cache") != "hit" {
			t.Fatalf("the third search was not served from the cache")
		}
		if i == 0 {
			// The same search again in one session (a reload, here from the cache) counts once.
			if res := visitor.get("/search?q=Voicemail+PIN"); res.Header.Get("X-Cache") != "hit" {
				t.Fatalf("the repeat was not served from the cache")
			}
			visitor.get("/search?q=router")
			visitor.get("/search?q=router&page=2") // a further page of the same search is not another search
		}
	}
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

// TestSearchSessions follows four browsers: one searches and ends on the
// solved thread, one does the same and then asks anyway, one searches and
// gives up, one reads the solved thread without searching.
func TestSearchSessions(t *testing.T) {
	a := newApp(t)
	asker, peer := a.client(), a.client()
	asker.register("asker")
	peer.register("peer")
	solved, _ := solve(t, a, asker, peer, "Voicemail PIN reset never arrives", "Dial 121 and choose option 4 to reset it by phone.")
	browser := func(ua string) *client {
		c := a.client()
		c.ua = ua
		return c
	}
	found := browser("found")
	found.get("/search?q=voicemail+pin")
	found.get(solved)

	askedAnyway := browser("asked-anyway")
	askedAnyway.get("/search?q=voicemail")
	askedAnyway.get(solved)
	askedAnyway.register("askedanyway")
	askedAnyway.ask("Voicemail PIN still not working for me")

	gaveUp := browser("gave-up")
	gaveUp.get("/search?q=pin+reset+sms")
	gaveUp.get(solved)
	gaveUp.get("/search?q=nothing+matches+this+zzzq") // searched again after the answer: not ended on it

	reader := browser("reader")
	reader.get(solved)

	// Sessions end after 30 minutes without a page.
	a.advance(31 * time.Minute)
	if err := a.store.FlushEvents(context.Background()); err != nil {
		t.Fatal(err)
	}
	amb := a.roleClient("ambie", models.RoleAmbassador)
	res := amb.get("/insights?days=7")
	mustContain(t, res.Body, "Search sessions that ended on a solved thread or article, with no question asked</th><td>1 of 3 (33%)</td>")
	csv := amb.get("/insights/selfservice.csv?days=7")
	mustContain(t, csv.Body, "search_sessions,3\n", "search_sessions_ended_on_an_answer,1\n")
}

func TestEarlyWarningSpikeToIncidentBanner(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	// The term's example is its latest question (by the second it was
	// asked; the first asked among those of the same second): the six may
	// fall in two seconds.
	var first, firstTitle string
	var latest time.Time
	for _, city := range []string{"Leeds", "York", "Hull", "Bath", "Derby", "Wells"} {
		path := asker.ask("Outage in " + city + " since this morning")
		th, err := a.store.Thread(context.Background(), threadID(path))
		if err != nil {
			t.Fatal(err)
		}
		if first == "" || th.CreatedAt.After(latest) {
			first, firstTitle, latest = path, th.Title, th.CreatedAt
		}
	}
	amb := a.roleClient("ambie", models.RoleAmbassador)
	res := amb.get("/insights")
	if res.Code != http.StatusOK {
		t.Fatalf("insights: %d", res.Code)
	}
	// Six questions now and none in the same hours of earlier weeks: z = 6, a spike; "outage" is in all six.
	mustContain(t, res.Body, `<h2 id="early-warning">Early warning</h2>`, "<strong>Spike now:</strong> All new questions (6 in the last 3 hours, usually 0.0)",
		`<svg role="img" aria-labelledby="volume-questions-t"`, "New questions per hour: 6 in the last 3 hours against 0.0 usually (z = 6.0): a spike.",
		"<strong>“outage”</strong>: 6 in the last 3 hours", `href="/insights/incidents/new?term=outage&amp;category=general&amp;thread=`+itoa(threadID(first))+`"`,
		`href="/insights/earlywarning.csv?days=30"`, "None: no banner is showing.")
	csv := amb.get("/insights/earlywarning.csv")
	mustContain(t, csv.Body, "series,name,last_hours,week_1,week_2,week_3,week_4,mean,sd,z,spike\n", "questions,All new questions,6,0,0,0,0,0.00,0.00,6.00,true\n",
		"term,outage,6,0,0,0,0,0.00,0.00,6.00,true\n", "hour_start_utc,questions,questions_usual,mentions,mentions_usual\n",
		"hour_start_utc,series,name,count\n", ",category,General,")
	mustContain(t, res.Body, `<svg class="spark" role="img" viewBox="0 0 96 16" width="96" height="16"><title>6 in the last 48 hours, at most `,
		`<a href="/insights/incidents/new?category=general">Open an incident</a>`)

	form := amb.get("/insights/incidents/new?term=outage&category=general&thread=" + itoa(threadID(first)))
	mustContain(t, form.Body, `value="`+itoa(threadID(first))+`"`, `<option value="general" selected>`, "We know about a problem with “outage”")
	// A bad thread and an empty text: shown again with what was typed.
	bad := amb.post("/insights/incidents", url.Values{"category": {"general"}, "thread": {"/t/999999"}, "message": {""}, "term": {"outage"}})
	if bad.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad incident: %d", bad.Code)
	}
	mustContain(t, bad.Body, `value="/t/999999"`, "Say in a sentence what is wrong", "Give the canonical thread")
	ok := amb.post("/insights/incidents", url.Values{"category": {"general"}, "thread": {a.srv.URL + first}, "message": {"Broadband is down in the north <b>since 8:00</b>."}, "term": {"outage"}})
	if ok.Code != http.StatusSeeOther || ok.Location != "/insights#incidents" {
		t.Fatalf("open incident: %d %s", ok.Code, ok.Body)
	}
	banner := `<p><strong>Known problem in General:</strong> Broadband is down in the north &lt;b&gt;since 8:00&lt;/b&gt;. <a href="` + first + `">` + firstTitle + `</a></p>`
	visitor := a.client()
	mustContain(t, visitor.get("/c/general").Body, banner)
	mustContain(t, visitor.get("/").Body, banner)
	mustContain(t, asker.get("/ask").Body, banner)
	list := amb.get("/insights")
	mustContain(t, list.Body, "Broadband is down in the north", `action="/insights/incidents/1/close"`)

	// Members cannot open or close one.
	if res := asker.post("/insights/incidents/1/close", nil); res.Code != http.StatusForbidden {
		t.Errorf("member closed an incident: %d", res.Code)
	}
	if res := amb.post("/insights/incidents/1/close", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("close: %d", res.Code)
	}
	mustNotContain(t, visitor.get("/c/general").Body, "Known problem")
	if res := amb.post("/insights/incidents/1/close", nil); res.Code != http.StatusNotFound {
		t.Errorf("closing twice: %d", res.Code)
	}
}

func TestInsightsLanguageFilter(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	asker.ask("Router drops every evening after the update")
	asker.ask("Router verliert jeden Abend die Verbindung")
	if _, err := a.store.DetectThreadLanguages(context.Background(), language.New(), 10); err != nil {
		t.Fatal(err)
	}
	amb := a.roleClient("ambie", models.RoleAmbassador)
	res := amb.get("/insights?days=7&lang=de")
	if res.Code != http.StatusOK {
		t.Fatalf("insights: %d", res.Code)
	}
	mustContain(t, res.Body, `<option value="de" selected>German</option>`, `<option value="en">English</option>`, "in German.",
		"1 asked;", "Router verliert jeden Abend", `href="/insights/responsiveness.csv?days=7&amp;lang=de"`)
	mustNotContain(t, res.Body, "Router drops every evening")
	bad := amb.get("/insights?lang=<script>")
	if bad.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad language: %d", bad.Code)
	}
	mustContain(t, bad.Body, "Choose a language from the list.")
	mustNotContain(t, bad.Body, "<script>")
}

// TestInsightsCSVHeadersAreInTheReadme: every table of every CSV download
// is described in README.md with its columns in order, so the two cannot drift.
func TestInsightsCSVHeadersAreInTheReadme(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(readme)), " ")
	a := newApp(t)
	amb := a.roleClient("ambie", models.RoleAmbassador)
	for _, name := range []string{"responsiveness.csv", "answerers.csv", "selfservice.csv", "earlywarning.csv"} {
		res := amb.get("/insights/" + name)
		if res.Code != http.StatusOK {
			t.Fatalf("%s: %d", name, res.Code)
		}
		rd := csv.NewReader(strings.NewReader(res.Body)) // skips the empty lines between tables
		rd.FieldsPerRecord = -1
		records, err := rd.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		headers := 0
		for i, r := range records {
			if i > 0 && !strings.Contains(res.Body, "\n\n"+strings.Join(r, ",")+"\n") {
				continue // not the first row after an empty line: not a header
			}
			headers++
			if want := "`" + strings.Join(r, "`, `") + "`"; !strings.Contains(doc, want) {
				t.Errorf("README.md does not list %s's columns %s", name, want)
			}
		}
		if headers < 2 {
			t.Errorf("%s: %d tables, want 2 or more:\n%s", name, headers, res.Body)
		}
	}
}
