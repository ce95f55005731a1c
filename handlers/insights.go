package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/models"
)

// insightsQuery is the dashboard's period and scope as read from the URL.
type insightsQuery struct {
	Days     int // 7, 30 or 90; 0 for a custom range
	From, To string
	Category string
	Lang     string
	filter   models.InsightsFilter
}

// Params is the query string that reproduces this view, for CSV links.
func (q insightsQuery) Params() string {
	v := url.Values{}
	if q.Days != 0 {
		v.Set("days", strconv.Itoa(q.Days))
	} else {
		v.Set("from", q.From)
		v.Set("to", q.To)
	}
	if q.Category != "" {
		v.Set("category", q.Category)
	}
	if q.Lang != "" {
		v.Set("lang", q.Lang)
	}
	return v.Encode()
}

// CSVURL is the download of one chart's data for this view.
func (q insightsQuery) CSVURL(name string) string { return "/insights/" + name + "?" + q.Params() }

// WithDays is this view over another preset period.
func (q insightsQuery) WithDays(d int) string {
	q.Days = d
	return "/insights?" + q.Params()
}

const dateLayout = "2006-01-02"

// maxInsightsRange keeps a custom range to what the dashboard can answer quickly.
const maxInsightsRange = 366 * 24 * time.Hour

// parseInsightsQuery reads days, from, to and category. A bad value leaves
// the field's message in f and falls back to the last 30 days, so the page
// still shows figures next to the message.
func (h *Handler) parseInsightsQuery(c echo.Context, f form) insightsQuery {
	now := h.store.Now()
	q := insightsQuery{Days: 30, From: c.QueryParam("from"), To: c.QueryParam("to"), Category: c.QueryParam("category"), Lang: c.QueryParam("lang")}
	f.Values["from"], f.Values["to"] = q.From, q.To
	switch c.QueryParam("days") {
	case "7":
		q.Days = 7
	case "90":
		q.Days = 90
	case "", "30":
	default:
		f.Errors["days"] = "Choose 7, 30 or 90 days, or a custom range."
	}
	if q.From != "" || q.To != "" {
		from, errFrom := time.ParseInLocation(dateLayout, q.From, time.UTC)
		to, errTo := time.ParseInLocation(dateLayout, q.To, time.UTC)
		switch {
		case errFrom != nil:
			f.Errors["from"] = "Give the first day as YYYY-MM-DD."
		case errTo != nil:
			f.Errors["to"] = "Give the last day as YYYY-MM-DD."
		case to.Before(from):
			f.Errors["to"] = "The last day comes before the first."
		case to.Sub(from) > maxInsightsRange:
			f.Errors["to"] = "Keep a custom range to a year at most."
		default:
			q.Days = 0
			q.filter.From, q.filter.To = from, to.Add(24*time.Hour) // the last day counts in full
		}
	}
	if q.Days != 0 {
		// Times are stored in whole seconds: include the current one.
		end := now.Truncate(time.Second).Add(time.Second)
		q.filter.From, q.filter.To = end.Add(-time.Duration(q.Days)*24*time.Hour), end
		q.From, q.To = q.filter.From.UTC().Format(dateLayout), now.UTC().Format(dateLayout)
	}
	if q.Category != "" {
		cat, err := h.store.CategoryBySlug(c.Request().Context(), q.Category)
		if err != nil {
			f.Errors["category"] = "There is no such category."
			q.Category = ""
		} else {
			q.filter.CategoryID = cat.ID
		}
	}
	if q.Lang != "" && !models.IsLangCode(q.Lang) {
		f.Errors["lang"] = "Choose a language from the list."
		q.Lang = ""
	}
	q.filter.Lang = q.Lang
	return q
}

type insightsPage struct {
	page
	Period     insightsQuery
	Timings    []models.Timing
	Answerers  models.Answerers
	Self       models.SelfService
	Open       []models.OpenQuestion
	OpenTotal  int
	Categories []models.Category
	Languages  []string
	Form       form
	Charts     []barChart
	Warning    models.EarlyWarning
	Volumes    []volumeChart
	Watch      []warningRow // categories, then keywords
	Incidents  []models.Incident
	CanOpen    bool // may open and close incidents
}

// DateValue is what the from or to box shows: what was typed when the range
// was refused, so nothing typed is lost, else the period in use.
func (p insightsPage) DateValue(name string) string {
	if p.Form.Errors["from"] != "" || p.Form.Errors["to"] != "" {
		return p.Form.Values[name]
	}
	if name == "from" {
		return p.Period.From
	}
	return p.Period.To
}

func (h *Handler) showInsights(c echo.Context) error {
	ctx := c.Request().Context()
	f := newForm()
	q := h.parseInsightsQuery(c, f)
	p := insightsPage{page: h.page(c, "Insights"), Period: q, Form: f}
	p.NoIndex = true
	var err error
	if p.Timings, err = h.store.Responsiveness(ctx, q.filter); err != nil {
		return err
	}
	if p.Answerers, err = h.store.WhoAnswers(ctx, q.filter, 10); err != nil {
		return err
	}
	if p.Self, err = h.store.SelfServiceFigures(ctx, q.filter, 10); err != nil {
		return err
	}
	if p.Open, p.OpenTotal, err = h.store.Unanswered(ctx, q.filter.CategoryID, q.filter.Lang, 20); err != nil {
		return err
	}
	if p.Categories, err = h.store.CategoryChoices(ctx, currentUser(c)); err != nil {
		return err
	}
	if p.Languages, err = h.store.ThreadLanguages(ctx); err != nil {
		return err
	}
	if p.Warning, err = h.store.EarlyWarningFigures(ctx, q.filter); err != nil {
		return err
	}
	p.Volumes = []volumeChart{
		newVolumeChart("volume-questions", "New questions per hour", p.Warning.Questions, p.Warning),
		newVolumeChart("volume-mentions", "Imported mentions per hour", p.Warning.Mentions, p.Warning),
	}
	p.Watch = warningRows(append(append([]models.Series(nil), p.Warning.Categories...), p.Warning.Keywords...))
	if p.Incidents, err = h.store.OpenIncidents(ctx, 0, p.User); err != nil {
		return err
	}
	p.CanOpen = p.User.Role.Can(models.PermIncidents)
	for _, t := range p.Timings {
		p.Charts = append(p.Charts, answerChart(t))
	}
	p.Charts = append(p.Charts, answererChart(p.Answerers), searchChart(p.Self))
	code := http.StatusOK
	if len(f.Errors) > 0 {
		code = http.StatusUnprocessableEntity
	}
	return h.render(c, code, "insights", p)
}

func firstError(f form) string {
	for _, k := range []string{"days", "from", "to", "category", "lang"} {
		if m := f.Errors[k]; m != "" {
			return m
		}
	}
	return "Bad request."
}

func secs(d time.Duration) string     { return strconv.FormatInt(int64(d/time.Second), 10) }
func percent(part, whole int) float64 { return 100 * float64(part) / float64(max(whole, 1)) }

// barChart is a horizontal bar chart drawn as SVG by the template; the same
// rows are shown as a table for screen readers and without images.
type barChart struct {
	ID, Title, Summary, CSV string
	Bars                    []bar
}

type bar struct {
	Label string
	Count int
	Share float64 // percent of the chart's total, for the bar's length
	Y     int     // the bar's top in the SVG
}

// Height is the SVG's height for its bars.
func (b barChart) Height() int { return len(b.Bars)*28 + 4 }

func newChart(id, title, csvName string, labels []string, counts []int) barChart {
	total := 0
	for _, n := range counts {
		total += n
	}
	ch := barChart{ID: id, Title: title, CSV: csvName}
	for i, l := range labels {
		ch.Bars = append(ch.Bars, bar{Label: l, Count: counts[i], Share: percent(counts[i], total), Y: i*28 + 2})
	}
	return ch
}

func answerChart(t models.Timing) barChart {
	var labels []string
	var counts []int
	for _, b := range t.Buckets {
		labels, counts = append(labels, b.Label), append(counts, b.Count)
	}
	name := "Questions asked on the web"
	if t.Source == models.SourceTweet {
		name = "Tweets imported as threads"
	}
	ch := newChart("chart-"+t.Source, name+": time to first answer", "responsiveness.csv", labels, counts)
	ch.Summary = fmt.Sprintf("%d asked; %.0f%% answered within 1 hour, %.0f%% within 24 hours.", t.Asked, 100*t.Share1h(), 100*t.Share24h())
	return ch
}

func answererChart(a models.Answerers) barChart {
	ch := newChart("chart-answerers", "Who wrote the accepted answers", "answerers.csv",
		[]string{"Peers", "Superusers", "Staff"}, []int{a.Peers, a.Superusers, a.Staff})
	ch.Summary = fmt.Sprintf("%d accepted answers; %.0f%% written by the community (peers and superusers).",
		a.Total(), 100*(a.PeerShare()+a.SuperuserShare()))
	return ch
}

const eventsKey = "insight-events"

// count records self-service events and remembers them on the request, so
// the page cache can count them again each time it serves the page.
func (h *Handler) count(c echo.Context, evs ...models.Event) {
	if !isHead(c) { // a monitor's HEAD is no visit
		h.store.CountVisit(visitorKey(c), evs...)
	}
	c.Set(eventsKey, append(countedEvents(c), evs...))
}

// visitorKey tells one visitor's requests apart for search sessions. The
// store hashes it with a salt that changes daily and never keeps it.
func visitorKey(c echo.Context) string {
	return c.RealIP() + "\x00" + c.Request().UserAgent()
}

func countedEvents(c echo.Context) []models.Event {
	evs, _ := c.Get(eventsKey).([]models.Event)
	return evs
}

func searchChart(s models.SelfService) barChart {
	ch := newChart("chart-searches", "Searches", "selfservice.csv",
		[]string{"Found something", "Found nothing"}, []int{s.Searches - s.SearchesNone, s.SearchesNone})
	ch.Summary = fmt.Sprintf("%d searches; %.0f%% found nothing.", s.Searches, 100*s.NoResultShare())
	return ch
}
