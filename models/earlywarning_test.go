package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/insights"
	"github.com/crowdcare/crowdcare/models/social"
	"github.com/crowdcare/crowdcare/tweets"
)

// week is how far back the same hours of the previous week are.
const week = insights.Week

// TestEarlyWarningOnAConstructedSeries builds four ordinary weeks and an
// outage now, and checks each series, the spiking terms and the charted hours.
func TestEarlyWarningOnAConstructedSeries(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	t0 := *now // 12:00 UTC: the spike window is 09:00–12:00
	admin := userWithRole(t, s, "admin", RoleAdmin)
	billing, err := s.CreateCategory(ctx, NewCategory{Name: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	ask := func(at time.Time, title, category string) *Thread {
		t.Helper()
		*now = at
		th, err := s.CreateThread(ctx, admin, NewThread{Title: title, CategorySlug: category, Body: "It stopped working this morning, what can I do?"})
		if err != nil {
			t.Fatal(err)
		}
		return th
	}
	// Same hours of previous weeks: general 2, 4, 3, 3 (all at about 10:15); billing 1 a week.
	words := []string{"Printer", "Scanner", "Laptop", "Keyboard", "Monitor", "Charger"}
	for k, n := range []int{2, 4, 3, 3} {
		base := t0.Add(-time.Duration(k+1) * week)
		for i := 0; i < n; i++ {
			ask(base.Add(-105*time.Minute+time.Duration(i)*time.Minute), words[i]+" question from an earlier week", "general")
		}
		ask(base.Add(-2*time.Hour), "Invoice shows the wrong amount", billing.Slug)
	}
	// Outside every window: 40 hours ago, the chart's eighth hour, charted but not counted.
	ask(t0.Add(-40*time.Hour), "Modem lights blinking orange", "general")
	// Now: twelve outage reports, four in each of the last three hours, and two billing questions.
	cities := []string{"Leeds", "York", "Hull", "Bath", "Derby", "Wells", "Ripon", "Truro", "Ely", "Exeter", "Durham", "Salford"}
	var outage []*Thread
	for i, c := range cities {
		outage = append(outage, ask(t0.Add(-3*time.Hour+time.Duration(i/4)*time.Hour+time.Duration(i%4+1)*time.Minute), "Outage in "+c, "general"))
	}
	ask(t0.Add(-30*time.Minute), "Invoice arrived twice this month", billing.Slug)
	ask(t0.Add(-20*time.Minute), "Direct debit failed for no reason", billing.Slug)

	// Mentions: six customers now, one a week ago; and a rule listening for "outage".
	if _, err := s.CreateSocialRule(ctx, admin, NewSocialRule{Name: "Outages", Keywords: "outage, down"}); err != nil {
		t.Fatal(err)
	}
	*now = t0
	var mentions []tweets.Tweet
	tw := func(id int, at time.Time, handle, text string) {
		mentions = append(mentions, tweets.Tweet{ID: fmt.Sprint(9000 + id), AuthorHandle: handle, Text: text, CreatedAt: at, Lang: "en"})
	}
	tw(0, t0.Add(-week-time.Hour), "olduser", "@brand billing question about my last invoice")
	for i := 0; i < 6; i++ {
		tw(i+1, t0.Add(-time.Duration(i+1)*20*time.Minute), fmt.Sprintf("cust%d", i), fmt.Sprintf("@brand is there an outage? nothing loads in %s", cities[i]))
	}
	tw(7, t0.Add(-10*time.Minute), "brand", "@cust0 we are looking into the outage") // the brand's own reply: not a mention
	runImport(t, s, ImportOptions{BrandHandles: []string{"brand"}, Triage: true, Actor: admin, Source: "cli"}, mentions...)

	*now = t0
	w, err := s.EarlyWarningFigures(ctx, InsightsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// All questions: 14 now; weeks 3, 5, 4, 4: mean 4, SD sqrt(0.5), spread 2: z = 5.
	q := w.Questions
	if q.Recent != 14 || fmt.Sprint(q.Baseline) != "[3 5 4 4]" || q.Mean != 4 || math.Abs(q.Z-5) > 1e-9 || !q.Spiking {
		t.Errorf("questions: %+v", q.Spike)
	}
	// The chart: 48 clock hours ending with the current one; 09, 10, 11 h hold four outages each,
	// plus billing at 11:30 and 11:40; the old weeks' questions sit at 10:15–10:18 and 10:00.
	if len(q.Hourly) != ChartHours || q.Hourly[44] != 4 || q.Hourly[45] != 4 || q.Hourly[46] != 6 || q.Hourly[47] != 0 || q.Hourly[7] != 1 {
		t.Errorf("hourly: %v", q.Hourly)
	}
	if q.Usual[45] != 4 || q.Usual[44] != 0 { // (3+5+4+4)/4 at 10:00
		t.Errorf("usual: %v", q.Usual)
	}
	byLabel := map[string]Series{}
	for _, c := range w.Categories {
		byLabel[c.Label] = c
	}
	if g := byLabel["General"]; g.Recent != 12 || fmt.Sprint(g.Baseline) != "[2 4 3 3]" || math.Abs(g.Z-9/math.Sqrt(3)) > 1e-9 || !g.Spiking {
		t.Errorf("general: %+v", g.Spike)
	}
	if b := byLabel["Billing"]; b.Recent != 2 || fmt.Sprint(b.Baseline) != "[1 1 1 1]" || b.Z != 1 || b.Spiking {
		t.Errorf("billing: %+v", b.Spike)
	}
	if w.Categories[0].Label != "General" {
		t.Errorf("spiking category first: %v", w.Categories[0].Label)
	}
	// Mentions: 6 now, 1 a week ago: mean 0.25, spread 1: z = 5.75.
	if m := w.Mentions; m.Recent != 6 || fmt.Sprint(m.Baseline) != "[1 0 0 0]" || math.Abs(m.Z-5.75) > 1e-9 || !m.Spiking {
		t.Errorf("mentions: %+v", m.Spike)
	}
	// Keywords: "outage" in 12 titles and 6 mentions; "down" nowhere.
	if len(w.Keywords) != 2 || w.Keywords[0].Label != "outage" || w.Keywords[0].Recent != 18 || !w.Keywords[0].Spiking ||
		w.Keywords[1].Label != "down" || w.Keywords[1].Recent != 0 || w.Keywords[1].Spiking {
		t.Errorf("keywords: %+v", w.Keywords)
	}
	// Charted per hour: four titles an hour from 09:00, and the mentions at 10:00, 10:20, 10:40, 11:00, 11:20, 11:40.
	if h := w.Keywords[0].Hourly; h[43] != 0 || h[44] != 4 || h[45] != 7 || h[46] != 7 || h[47] != 0 {
		t.Errorf("outage per hour: %v", h)
	}
	if g := byLabel["General"].Hourly; g[44] != 4 || g[45] != 4 || g[46] != 4 || g[7] != 1 {
		t.Errorf("general per hour: %v", g)
	}
	// Terms: "outage" 18 against nothing; no city reaches 3.
	if len(w.Terms) == 0 || w.Terms[0].Term != "outage" || w.Terms[0].Recent != 18 || w.Terms[0].Z != 18 {
		t.Fatalf("terms: %+v", w.Terms)
	}
	for _, term := range w.Terms {
		if term.Term == "invoice" || term.Term == "leeds" {
			t.Errorf("%q should not spike: %+v", term.Term, term)
		}
	}
	if len(w.Terms[0].Threads) != 5 || len(w.Terms[0].Mentions) != 5 || w.Terms[0].Threads[0].CategorySlug != "general" {
		t.Errorf("behind the term: %+v", w.Terms[0])
	}
	// Each links to its thread, and to the post on X (the early warning's
	// mention links, as the inbox's: TestTweetLinks).
	for _, th := range w.Terms[0].Threads {
		if th.URL() != ThreadURL(th.ID, th.Slug) || th.Slug == "" {
			t.Errorf("thread %d links to %q", th.ID, th.URL())
		}
	}
	for _, m := range w.Terms[0].Mentions {
		if want := "https://x.com/" + m.Handle + "/status/" + m.TweetID; m.URL() != want || m.URL() != social.TweetURL(m.Handle, m.TweetID, m.Format) {
			t.Errorf("mention @%s %s (%s) links to %q, want %q", m.Handle, m.TweetID, m.Format, m.URL(), want)
		}
	}
	if len(w.Spikes()) != 4 { // questions, mentions, general, outage
		t.Errorf("spikes: %d", len(w.Spikes()))
	}

	// Scoped to billing: no spike there.
	wb, err := s.EarlyWarningFigures(ctx, InsightsFilter{CategoryID: billing.ID})
	if err != nil {
		t.Fatal(err)
	}
	if wb.Questions.Recent != 2 || wb.Questions.Spiking || len(wb.Terms) != 0 || wb.Mentions.Recent != 0 {
		t.Errorf("billing only: %+v %+v", wb.Questions.Spike, wb.Terms)
	}

	// An incident from the spike: a banner for general, pointing at the first outage thread.
	if _, err := s.OpenIncident(ctx, admin, NewIncident{CategoryID: billing.ID, ThreadID: 0, Message: " "}); err == nil {
		t.Error("an empty incident was accepted")
	} else {
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["message"] == "" || ve.Fields["thread"] == "" {
			t.Errorf("validation: %v", err)
		}
	}
	general, err := s.CategoryBySlug(ctx, "general")
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.OpenIncident(ctx, admin, NewIncident{CategoryID: general.ID, ThreadID: outage[0].ID, Message: "We know about the outage.", Term: "outage"})
	if err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenIncidents(ctx, general.ID, admin)
	if err != nil || len(open) != 1 || open[0].ThreadID != outage[0].ID || open[0].Message != "We know about the outage." || open[0].OpenedBy != "admin" {
		t.Fatalf("open incidents: %+v %v", open, err)
	}
	if open[0].ThreadURL() != outage[0].URL() {
		t.Errorf("the banner links to %q, want %q", open[0].ThreadURL(), outage[0].URL())
	}
	if other, _ := s.OpenIncidents(ctx, billing.ID, admin); len(other) != 0 {
		t.Errorf("billing shows general's incident")
	}
	if err := s.CloseIncident(ctx, admin, id); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseIncident(ctx, admin, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("closing twice: %v", err)
	}
	if open, _ := s.OpenIncidents(ctx, 0, admin); len(open) != 0 {
		t.Errorf("still open: %+v", open)
	}
}

// wordDetector names a text's language by the first of its words found in
// it, in order: a fake that is deterministic and safe for concurrent calls.
type wordDetector [][2]string

func (f wordDetector) Detect(text string) string {
	for _, wl := range f {
		if social.ContainsWord(text, wl[0]) {
			return wl[1]
		}
	}
	return ""
}

func TestThreadLanguagesFilterTheFigures(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	asker := mustUser(t, s, "asker")
	mustThread(t, s, asker, "Router drops every evening")
	de := mustThread(t, s, asker, "Router verliert jeden Abend die Verbindung")
	// German first: both questions' text (mustThread's) is English.
	det := wordDetector{{"verliert", "de"}, {"evening", "en"}}
	if n, err := s.DetectThreadLanguages(ctx, det, 10); err != nil || n != 2 {
		t.Fatalf("detected %d: %v", n, err)
	}
	if n, err := s.DetectThreadLanguages(ctx, det, 10); err != nil || n != 0 {
		t.Fatalf("detected again %d: %v", n, err)
	}
	langs, err := s.ThreadLanguages(ctx)
	if err != nil || fmt.Sprint(langs) != "[de en]" {
		t.Fatalf("languages: %v %v", langs, err)
	}
	f := InsightsFilter{From: now.Add(-time.Hour), To: now.Add(time.Hour), Lang: "de"}
	timings, err := s.Responsiveness(ctx, f)
	if err != nil || timings[0].Asked != 1 {
		t.Errorf("German questions asked: %+v %v", timings, err)
	}
	open, total, err := s.Unanswered(ctx, 0, "de", 10)
	if err != nil || total != 1 || open[0].ID != de.ID || open[0].URL() != de.URL() {
		t.Errorf("German queue: %+v %d %v", open, total, err)
	}
	if _, total, _ := s.Unanswered(ctx, 0, "", 10); total != 2 {
		t.Errorf("all languages: %d", total)
	}
}

// TestPrivateIncidentsStayPrivate: an incident in a private category shows
// its banner only to those who may read the category.
func TestPrivateIncidentsStayPrivate(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	admin, _, member, th := reviewPrivate(t, s)
	priv, err := s.CategoryBySlug(ctx, "partners")
	if err != nil {
		t.Fatal(err)
	}
	general, err := s.CategoryBySlug(ctx, "general")
	if err != nil {
		t.Fatal(err)
	}
	// A public banner may not point at the private thread.
	if _, err := s.OpenIncident(ctx, admin, NewIncident{CategoryID: general.ID, ThreadID: th.ID, Message: "Portal down."}); err == nil {
		t.Fatal("a public banner names a private thread")
	}
	if _, err := s.OpenIncident(ctx, admin, NewIncident{CategoryID: priv.ID, ThreadID: th.ID, Message: "Portal down."}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  string
		user *User
		want int
	}{{"visitor", nil, 0}, {"member", member, 0}, {"admin", admin, 1}} {
		if got, err := s.OpenIncidents(ctx, 0, c.user); err != nil || len(got) != c.want {
			t.Errorf("%s sees %d incidents, want %d (%v)", c.who, len(got), c.want, err)
		}
	}
}

// TestImportedThreadsTakeTheTweetsLanguage: a thread from a tweet whose
// source named its language has it at once; X's "und" leaves it to detection.
func TestImportedThreadsTakeTheTweetsLanguage(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "admin", RoleAdmin)
	sum := runImport(t, s, ImportOptions{BrandHandles: []string{"brand"}, Actor: admin, Source: "cli"},
		tweets.Tweet{ID: "200", AuthorHandle: "kunde", Text: "@brand mein Router startet jede Nacht neu, was kann ich tun?", Lang: "de", CreatedAt: now.Add(-time.Hour)},
		tweets.Tweet{ID: "201", AuthorHandle: "someone", Text: "@brand 🙃🙃🙃 ??? !!!", Lang: "und", CreatedAt: now.Add(-time.Hour)})
	if sum.Threads != 2 {
		t.Fatalf("import: %+v", sum)
	}
	langs, err := s.ThreadLanguages(ctx)
	if err != nil || fmt.Sprint(langs) != "[de]" {
		t.Errorf("languages after the import: %v %v", langs, err)
	}
	// Only the "und" one is left for detection.
	n, err := s.DetectThreadLanguages(ctx, wordDetector{}, 10)
	if err != nil || n != 1 {
		t.Errorf("left to detect: %d %v", n, err)
	}
}

// Regression: a banner whose canonical thread later moved to a private
// category does not name it to those who cannot read it.
func TestIncidentThreadMovedToAPrivateCategory(t *testing.T) {
	s, _ := clockStore(t)
	ctx := context.Background()
	admin, _, member, _ := reviewPrivate(t, s)
	th := mustThread(t, s, admin, "Secret partner outage details")
	general, err := s.CategoryBySlug(ctx, "general")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenIncident(ctx, admin, NewIncident{CategoryID: general.ID, ThreadID: th.ID, Message: "Known outage."}); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveThread(ctx, admin, th.ID, "partners", "partners only"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.OpenIncidents(ctx, 0, nil); err != nil || len(got) != 0 {
		t.Errorf("a visitor sees %d banners naming a private thread (%v)", len(got), err)
	}
	if got, _ := s.OpenIncidents(ctx, 0, admin); len(got) != 1 {
		t.Errorf("staff see %d banners, want 1", len(got))
	}
	if _, err := s.OpenIncident(ctx, member, NewIncident{CategoryID: general.ID, ThreadID: th.ID, Message: "x"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a member opened an incident: %v", err)
	}
}

// TestEarlyWarningExactOnSeveralSpikes pins the whole early warning, every
// series, term and hour, on a dataset with several spikes, quiet series,
// texts outside every window and items on the windows' edges.
func TestEarlyWarningExactOnSeveralSpikes(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	t0 := *now // 12:00 UTC; the windows are [09:00:01, 12:00:01) of each week, times being whole seconds
	admin := userWithRole(t, s, "admin", RoleAdmin)
	for _, name := range []string{"Billing", "Mobile"} {
		if _, err := s.CreateCategory(ctx, NewCategory{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(at time.Time, title, category string) {
		t.Helper()
		*now = at
		if _, err := s.CreateThread(ctx, admin, NewThread{Title: title, CategorySlug: category, Body: "It stopped working, what can I do?"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []NewSocialRule{
		{Name: "Outages", Keywords: "outage, down"},
		{Name: "Roaming", Keywords: "roaming", CategorySlug: "mobile"},
		{Name: "Modems", Keywords: "modem"},
	} {
		if _, err := s.CreateSocialRule(ctx, admin, r); err != nil {
			t.Fatal(err)
		}
	}
	var mentions []tweets.Tweet
	tw := func(at time.Time, handle, text string) {
		mentions = append(mentions, tweets.Tweet{ID: fmt.Sprint(7000 + len(mentions)), AuthorHandle: handle, Text: text, CreatedAt: at, Lang: "en"})
	}

	// Earlier weeks: billing and fibre questions in the windows; modem
	// questions and roaming mentions charted but outside the windows.
	for k := 1; k <= SpikeWeeks; k++ {
		end := t0.Add(-time.Duration(k) * week)
		for i := 0; i < k; i++ {
			ask(end.Add(-time.Duration(30+i)*time.Minute), "Invoice total looks wrong", "billing")
		}
		ask(end.Add(-2*time.Hour), "Fibre install delayed", "general")
		ask(end.Add(-2*time.Hour+time.Minute), "Fibre speed slow", "general")
		ask(end.Add(-20*time.Hour), "Modem keeps rebooting", "general")
		tw(end.Add(-90*time.Minute), fmt.Sprintf("old%d", k), "@brand my invoice doubled this month")
		tw(end.Add(-10*time.Hour), fmt.Sprintf("far%d", k), "@brand roaming charges abroad again")
	}
	// The windows' edges a week ago: 09:00:00 is out, 09:00:01 and 12:00:00 in.
	wk := t0.Add(-week)
	ask(wk.Add(-3*time.Hour), "Outage edge before", "general")
	ask(wk.Add(-3*time.Hour+time.Second), "Outage edge first", "general")
	ask(wk, "Outage edge last", "general")

	// Now: an outage in general, roaming in mobile, billing as usual, fibre
	// as usual, and modem questions five hours ago (charted, not counted);
	// more terms spike than the dashboard lists.
	for i := 0; i < 9; i++ {
		ask(t0.Add(-170*time.Minute+time.Duration(i)*17*time.Minute), fmt.Sprintf("Outage in area %c near station", 'A'+i), "general")
	}
	for i := 0; i < 6; i++ {
		ask(t0.Add(-100*time.Minute+time.Duration(i)*9*time.Minute), "Roaming not working abroad", "mobile")
	}
	ask(t0.Add(-40*time.Minute), "Invoice total looks wrong", "billing")
	ask(t0.Add(-41*time.Minute), "Invoice missing a discount", "billing")
	ask(t0.Add(-2*time.Hour), "Fibre install delayed", "general")
	ask(t0.Add(-2*time.Hour+time.Minute), "Fibre speed slow", "general")
	for i := 0; i < 4; i++ {
		ask(t0.Add(-5*time.Hour+time.Duration(i)*time.Minute), "Modem keeps rebooting", "general")
	}
	ask(t0.Add(-3*time.Hour), "Modem edge before", "general")
	ask(t0, "Modem edge last", "general")

	for i := 0; i < 7; i++ {
		tw(t0.Add(-time.Duration(i+1)*19*time.Minute), fmt.Sprintf("now%d", i), "@brand outage again, is the network down?")
	}
	for i := 0; i < 4; i++ {
		tw(t0.Add(-time.Duration(i+1)*23*time.Minute), fmt.Sprintf("trav%d", i), "@brand roaming dead in Spain since Tuesday morning")
	}
	tw(t0.Add(-6*time.Hour), "early", "@brand modem outage earlier")
	tw(t0.Add(-5*time.Minute), "brand", "@now0 we are on the outage") // the brand's own: not a mention
	*now = t0
	runImport(t, s, ImportOptions{BrandHandles: []string{"brand"}, Triage: true, Actor: admin, Source: "cli"}, mentions...)
	*now = t0

	for _, c := range []struct {
		category string
		want     string
	}{{"", earlyWarningAll}, {"mobile", earlyWarningMobile}} {
		var f InsightsFilter
		if c.category != "" {
			cat, err := s.CategoryBySlug(ctx, c.category)
			if err != nil {
				t.Fatal(err)
			}
			f.CategoryID = cat.ID
		}
		w, err := s.EarlyWarningFigures(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if got := ewDigest(w); got != c.want {
			t.Errorf("early warning for %q:\n%s\nwant:\n%s", c.category, got, c.want)
		}
	}
}

// nonzeroSlots lists the slots of xs that are not zero, as "slot:value".
func nonzeroSlots[T int | float64](xs []T) string {
	var out []string
	for i, x := range xs {
		if x != 0 {
			out = append(out, fmt.Sprintf("%d:%v", i, x))
		}
	}
	return strings.Join(out, " ")
}

// ewDigest writes out an early warning in full, one line per series or term.
func ewDigest(w EarlyWarning) string {
	var b strings.Builder
	series := func(s Series) {
		fmt.Fprintf(&b, "%s %q %q: %d %v mean %.4f sd %.4f z %.4f %v hourly [%s] usual [%s]\n", s.Kind, s.Label, s.Key,
			s.Recent, s.Baseline, s.Mean, s.SD, s.Z, s.Spiking, nonzeroSlots(s.Hourly), nonzeroSlots(s.Usual))
	}
	fmt.Fprintf(&b, "now %s chart %s\n", w.Now.UTC().Format(time.RFC3339), w.ChartStart.UTC().Format(time.RFC3339))
	series(w.Questions)
	series(w.Mentions)
	for _, s := range w.Categories {
		series(s)
	}
	for _, s := range w.Keywords {
		series(s)
	}
	for _, term := range w.Terms {
		fmt.Fprintf(&b, "term %q: %d %v z %.4f %v", term.Term, term.Recent, term.Baseline, term.Z, term.Spiking)
		for _, th := range term.Threads {
			fmt.Fprintf(&b, " [%s %s %s]", th.Title, th.CategorySlug, th.URL())
		}
		for _, m := range term.Mentions {
			fmt.Fprintf(&b, " <%s %s>", m.Handle, m.TweetID)
		}
		b.WriteString("\n")
	}
	return b.String()
}

const earlyWarningAll = `now 2026-11-01T12:00:01Z chart 2026-10-30T13:00:00Z
questions "All new questions" "": 20 [5 4 5 6] mean 5.0000 sd 0.7071 z 6.7082 true hourly [42:4 44:4 45:11 46:5 47:1] usual [27:1 44:0.5 45:2 46:2.5 47:0.25]
mentions "Imported mentions" "": 11 [1 1 1 1] mean 1.0000 sd 0.0000 z 10.0000 true hourly [41:1 44:1 45:5 46:5] usual [37:1 45:1]
category "General" "general": 12 [4 2 2 2] mean 2.5000 sd 0.8660 z 6.0083 true hourly [42:4 44:4 45:6 46:2 47:1] usual [27:1 44:0.5 45:2 47:0.25]
category "Mobile" "mobile": 6 [0 0 0 0] mean 0.0000 sd 0.0000 z 6.0000 true hourly [45:5 46:1] usual []
category "Billing" "billing": 2 [1 2 3 4] mean 2.5000 sd 1.1180 z -0.3162 false hourly [46:2] usual [46:2.5]
keyword "outage" "outage": 16 [2 0 0 0] mean 0.5000 sd 0.8660 z 15.5000 true hourly [41:1 44:4 45:7 46:5] usual []
keyword "roaming" "roaming": 10 [0 0 0 0] mean 0.0000 sd 0.0000 z 10.0000 true hourly [45:7 46:3] usual []
keyword "down" "down": 7 [0 0 0 0] mean 0.0000 sd 0.0000 z 7.0000 true hourly [44:1 45:3 46:3] usual []
keyword "modem" "modem": 1 [0 0 0 0] mean 0.0000 sd 0.0000 z 1.0000 false hourly [41:1 42:4 44:1 47:1] usual []
term "outage": 16 [2 0 0 0] z 15.5000 true [Outage in area I near station general /t/34/outage-in-area-i-near-station] [Outage in area H near station general /t/33/outage-in-area-h-near-station] [Outage in area G near station general /t/32/outage-in-area-g-near-station] [Outage in area F near station general /t/31/outage-in-area-f-near-station] [Outage in area E near station general /t/30/outage-in-area-e-near-station] <now0 7008> <now1 7009> <now2 7010> <now3 7011> <now4 7012>
term "roaming": 10 [0 0 0 0] z 10.0000 true [Roaming not working abroad mobile /t/40/roaming-not-working-abroad] [Roaming not working abroad mobile /t/39/roaming-not-working-abroad] [Roaming not working abroad mobile /t/38/roaming-not-working-abroad] [Roaming not working abroad mobile /t/37/roaming-not-working-abroad] [Roaming not working abroad mobile /t/36/roaming-not-working-abroad] <trav0 7015> <trav1 7016> <trav2 7017> <trav3 7018>
term "area": 9 [0 0 0 0] z 9.0000 true [Outage in area I near station general /t/34/outage-in-area-i-near-station] [Outage in area H near station general /t/33/outage-in-area-h-near-station] [Outage in area G near station general /t/32/outage-in-area-g-near-station] [Outage in area F near station general /t/31/outage-in-area-f-near-station] [Outage in area E near station general /t/30/outage-in-area-e-near-station]
term "near": 9 [0 0 0 0] z 9.0000 true [Outage in area I near station general /t/34/outage-in-area-i-near-station] [Outage in area H near station general /t/33/outage-in-area-h-near-station] [Outage in area G near station general /t/32/outage-in-area-g-near-station] [Outage in area F near station general /t/31/outage-in-area-f-near-station] [Outage in area E near station general /t/30/outage-in-area-e-near-station]
term "station": 9 [0 0 0 0] z 9.0000 true [Outage in area I near station general /t/34/outage-in-area-i-near-station] [Outage in area H near station general /t/33/outage-in-area-h-near-station] [Outage in area G near station general /t/32/outage-in-area-g-near-station] [Outage in area F near station general /t/31/outage-in-area-f-near-station] [Outage in area E near station general /t/30/outage-in-area-e-near-station]
term "network": 7 [0 0 0 0] z 7.0000 true <now0 7008> <now1 7009> <now2 7010> <now3 7011> <now4 7012>
term "abroad": 6 [0 0 0 0] z 6.0000 true [Roaming not working abroad mobile /t/40/roaming-not-working-abroad] [Roaming not working abroad mobile /t/39/roaming-not-working-abroad] [Roaming not working abroad mobile /t/38/roaming-not-working-abroad] [Roaming not working abroad mobile /t/37/roaming-not-working-abroad] [Roaming not working abroad mobile /t/36/roaming-not-working-abroad]
term "working": 6 [0 0 0 0] z 6.0000 true [Roaming not working abroad mobile /t/40/roaming-not-working-abroad] [Roaming not working abroad mobile /t/39/roaming-not-working-abroad] [Roaming not working abroad mobile /t/38/roaming-not-working-abroad] [Roaming not working abroad mobile /t/37/roaming-not-working-abroad] [Roaming not working abroad mobile /t/36/roaming-not-working-abroad]
term "dead": 4 [0 0 0 0] z 4.0000 true <trav0 7015> <trav1 7016> <trav2 7017> <trav3 7018>
term "morning": 4 [0 0 0 0] z 4.0000 true <trav0 7015> <trav1 7016> <trav2 7017> <trav3 7018>
`

const earlyWarningMobile = `now 2026-11-01T12:00:01Z chart 2026-10-30T13:00:00Z
questions "All new questions" "": 6 [0 0 0 0] mean 0.0000 sd 0.0000 z 6.0000 true hourly [45:5 46:1] usual []
mentions "Imported mentions" "": 4 [0 0 0 0] mean 0.0000 sd 0.0000 z 4.0000 false hourly [45:2 46:2] usual [37:1]
category "Mobile" "mobile": 6 [0 0 0 0] mean 0.0000 sd 0.0000 z 6.0000 true hourly [45:5 46:1] usual []
keyword "roaming" "roaming": 10 [0 0 0 0] mean 0.0000 sd 0.0000 z 10.0000 true hourly [45:7 46:3] usual []
term "roaming": 10 [0 0 0 0] z 10.0000 true [Roaming not working abroad mobile /t/40/roaming-not-working-abroad] [Roaming not working abroad mobile /t/39/roaming-not-working-abroad] [Roaming not working abroad mobile /t/38/roaming-not-working-abroad] [Roaming not working abroad mobile /t/37/roaming-not-working-abroad] [Roaming not working abroad mobile /t/36/roaming-not-working-abroad] <trav0 7015> <trav1 7016> <trav2 7017> <trav3 7018>
term "abroad": 6 [0 0 0 0] z 6.0000 true [Roaming not working abroad mobile /t/40/roaming-not-working-abroad] [Roaming not working abroad mobile /t/39/roaming-not-working-abroad] [Roaming not working abroad mobile /t/38/roaming-not-working-abroad] [Roaming not working abroad mobile /t/37/roaming-not-working-abroad] [Roaming not working abroad mobile /t/36/roaming-not-working-abroad]
term "working": 6 [0 0 0 0] z 6.0000 true [Roaming not working abroad mobile /t/40/roaming-not-working-abroad] [Roaming not working abroad mobile /t/39/roaming-not-working-abroad] [Roaming not working abroad mobile /t/38/roaming-not-working-abroad] [Roaming not working abroad mobile /t/37/roaming-not-working-abroad] [Roaming not working abroad mobile /t/36/roaming-not-working-abroad]
term "dead": 4 [0 0 0 0] z 4.0000 true <trav0 7015> <trav1 7016> <trav2 7017> <trav3 7018>
term "morning": 4 [0 0 0 0] z 4.0000 true <trav0 7015> <trav1 7016> <trav2 7017> <trav3 7018>
term "spain": 4 [0 0 0 0] z 4.0000 true <trav0 7015> <trav1 7016> <trav2 7017> <trav3 7018>
term "tuesday": 4 [0 0 0 0] z 4.0000 true <trav0 7015> <trav1 7016> <trav2 7017> <trav3 7018>
`

// TestMentionSeriesWindowEdges: a mention on the first second of a spike
// window counts in it and one a second earlier only in its hour, now and in
// an earlier week; the brand's own post counts nowhere.
func TestMentionSeriesWindowEdges(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	t0 := *now // 12:00:00; the window is [09:00:01, 12:00:01), whole seconds
	admin := userWithRole(t, s, "admin", RoleAdmin)
	var ts []tweets.Tweet
	tw := func(at time.Time, handle string) {
		ts = append(ts, tweets.Tweet{ID: fmt.Sprint(8000 + len(ts)), AuthorHandle: handle, Text: "@brand no signal here", CreatedAt: at, Lang: "en"})
	}
	for _, k := range []int{0, 2} {
		end := t0.Add(-time.Duration(k) * week)
		tw(end.Add(-3*time.Hour), "before")         // 09:00:00: hour 44, no window
		tw(end.Add(-3*time.Hour+time.Second), "a")  // 09:00:01: hour 44, the window
		tw(end.Add(-time.Second), "b")              // 11:59:59: hour 46, the window
		tw(end, "c")                                // 12:00:00: hour 47, the window
		tw(end.Add(-47*time.Hour), "d")             // 13:00 two days before: hour 0, no window
		tw(end.Add(-47*time.Hour-time.Second), "e") // before the chart
		tw(end.Add(-time.Minute), "brand")          // the brand's own
	}
	runImport(t, s, ImportOptions{BrandHandles: []string{"brand"}, Triage: true, Actor: admin, Source: "cli"}, ts...)
	*now = t0
	w, err := s.EarlyWarningFigures(ctx, InsightsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	m := w.Mentions
	if m.Recent != 3 || fmt.Sprint(m.Baseline) != "[0 3 0 0]" {
		t.Errorf("mention windows: %d %v", m.Recent, m.Baseline)
	}
	if got := fmt.Sprint(m.Hourly[0], m.Hourly[44], m.Hourly[45], m.Hourly[46], m.Hourly[47]); got != "1 2 0 1 1" {
		t.Errorf("mentions per hour 0, 44–47: %s (%v)", got, m.Hourly)
	}
	if got := fmt.Sprint(m.Usual[0], m.Usual[44], m.Usual[46], m.Usual[47]); got != "0.25 0.5 0.25 0.25" {
		t.Errorf("usual per hour 0, 44, 46, 47: %s (%v)", got, m.Usual)
	}
	total := 0
	for _, n := range m.Hourly {
		total += n
	}
	if total != 5 {
		t.Errorf("%d mentions charted, want 5: %v", total, m.Hourly)
	}
}
