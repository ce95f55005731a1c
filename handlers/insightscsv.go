package handlers

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// showInsightsCSV serves the data behind one chart of the dashboard.
func (h *Handler) showInsightsCSV(c echo.Context) error {
	ctx := c.Request().Context()
	f := newForm()
	q := h.parseInsightsQuery(c, f)
	if len(f.Errors) > 0 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, firstError(f))
	}
	var records [][]string
	switch c.Param("chart") {
	case "responsiveness.csv":
		timings, err := h.store.Responsiveness(ctx, q.filter)
		if err != nil {
			return err
		}
		records = append(records, []string{"source", "asked", "answered", "accepted",
			"first_answer_median_s", "first_answer_p90_s", "accepted_median_s", "accepted_p90_s",
			"answered_within_1h", "answered_within_24h"})
		for _, t := range timings {
			records = append(records, []string{t.Source, strconv.Itoa(t.Asked), strconv.Itoa(t.Answered), strconv.Itoa(t.Accepted),
				secs(t.FirstAnswerMedian), secs(t.FirstAnswerP90), secs(t.AcceptedMedian), secs(t.AcceptedP90),
				strconv.Itoa(t.Within1h), strconv.Itoa(t.Within24)})
		}
		records = append(records, []string{})
		records = append(records, []string{"source", "time_to_first_answer", "questions"})
		for _, t := range timings {
			for _, b := range t.Buckets {
				records = append(records, []string{t.Source, b.Label, strconv.Itoa(b.Count)})
			}
		}
	case "answerers.csv":
		a, err := h.store.WhoAnswers(ctx, q.filter, 100)
		if err != nil {
			return err
		}
		records = append(records, []string{"answered_by", "accepted_answers"},
			[]string{"peers", strconv.Itoa(a.Peers)}, []string{"superusers", strconv.Itoa(a.Superusers)}, []string{"staff", strconv.Itoa(a.Staff)},
			[]string{}, []string{"member", "role", "accepted_answers"})
		for _, t := range a.Top {
			records = append(records, []string{t.Username, string(t.Role), strconv.Itoa(t.Accepted)})
		}
	case "selfservice.csv":
		s, err := h.store.SelfServiceFigures(ctx, q.filter, 100)
		if err != nil {
			return err
		}
		records = append(records, []string{"figure", "count"},
			[]string{"searches", strconv.Itoa(s.Searches)}, []string{"searches_without_results", strconv.Itoa(s.SearchesNone)},
			[]string{"solved_thread_views", strconv.Itoa(s.SolvedViews)}, []string{"kb_article_views", strconv.Itoa(s.ArticleViews)},
			[]string{"kb_votes_helpful", strconv.Itoa(s.VotesHelpful)}, []string{"kb_votes_not_helpful", strconv.Itoa(s.VotesUnhelpful)},
			[]string{"search_sessions", strconv.Itoa(s.SearchSessions)}, []string{"search_sessions_ended_on_an_answer", strconv.Itoa(s.SolvedSessions)},
			[]string{}, []string{"query_without_results", "searches"})
		for _, qc := range s.TopNoResult {
			records = append(records, []string{qc.Query, strconv.Itoa(qc.Count)})
		}
	case "earlywarning.csv":
		w, err := h.store.EarlyWarningFigures(ctx, q.filter)
		if err != nil {
			return err
		}
		records = earlyWarningCSV(w)
	default:
		return echo.ErrNotFound
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="insights-%s-%s-%s"`, q.From, q.To, c.Param("chart")))
	res.Header().Set("Cache-Control", "no-store")
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	for _, r := range records {
		if err := w.Write(csvSafe(r)); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// csvSafe stops a spreadsheet from running a member's name as a formula.
// Numbers (a negative z-score) stay numbers.
func csvSafe(r []string) []string {
	for i, v := range r {
		if v == "" || strings.IndexByte("=+-@\t\r", v[0]) < 0 {
			continue
		}
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			continue
		}
		r[i] = "'" + v
	}
	return r
}
