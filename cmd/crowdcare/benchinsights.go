package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"time"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/internal/bench"
	"github.com/crowdcare/crowdcare/internal/demo"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/insights"
)

// benchInsights times the whole /insights page, through the real router and
// templates, as an ambassador, for each preset period and a year's range.
func benchInsights(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("bench insights")
	n := fs.Int("n", 50, "page loads per period")
	mentions := fs.Int("mentions", 0, "posts from X over the last five weeks to add first (once), for the early warning")
	return withStore(ctx, fs, db, args, func(store *models.Store, _ []string) error {
		have, err := bench.GenerateMentions(ctx, store, *mentions, 1, demo.CorpusSample())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d corpus mentions from X in the database.\n", have)
		const user, pass = "insights-bench", "insights bench password"
		if _, err := store.UserByUsername(ctx, user); errors.Is(err, models.ErrNotFound) {
			if _, err := store.CreateUser(ctx, models.NewUser{Username: user, Email: user + "@bench.invalid", Password: pass,
				Role: models.RoleAmbassador}); err != nil {
				return err
			}
		}
		e, err := handlers.New(ctx, handlers.Config{BaseURL: "http://bench.invalid"}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			return err
		}
		srv := httptest.NewServer(e)
		defer srv.Close()
		jar, _ := cookiejar.New(nil)
		if err := loginAs(srv.URL, jar, user, pass); err != nil {
			return err
		}
		client := &http.Client{Jar: jar}
		year := store.Now().AddDate(-1, 0, 1).UTC().Format("2006-01-02")
		fmt.Fprintf(stdout, "%-22s %6s %9s %9s %9s %9s\n", "period", "n", "p50", "p90", "p99", "bytes")
		for _, p := range []struct{ name, query string }{{"7 days", "days=7"}, {"30 days", "days=30"}, {"90 days", "days=90"},
			{"365 days (custom)", "from=" + year + "&to=" + store.Now().UTC().Format("2006-01-02")}} {
			var times []time.Duration
			size := 0
			for i := 0; i < *n; i++ {
				t0 := time.Now()
				res, err := client.Get(srv.URL + "/insights?" + p.query)
				if err != nil {
					return err
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil {
					return err
				}
				if res.StatusCode != http.StatusOK {
					return fmt.Errorf("%s: %s", p.name, res.Status)
				}
				times = append(times, time.Since(t0))
				size = len(b)
			}
			pct := func(q int) time.Duration { return insights.Percentile(times, q).Round(10 * time.Microsecond) }
			fmt.Fprintf(stdout, "%-22s %6d %9s %9s %9s %9d\n", p.name, len(times), pct(50), pct(90), pct(99), size)
		}
		return nil
	})
}
