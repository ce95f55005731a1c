package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/bench"
	"github.com/crowdcare/crowdcare/internal/demo"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/insights"
)

func corpus(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("corpus")
	threads := fs.Int("threads", 100000, "threads to generate")
	posts := fs.Int("posts", 1000000, "posts (questions and answers) to generate")
	seed := fs.Uint64("seed", 1, "random seed, for a repeatable corpus")
	return withStore(ctx, fs, db, args, func(store *models.Store, _ []string) error {
		start := time.Now()
		err := bench.GenerateCorpus(ctx, store, bench.CorpusOptions{Threads: *threads, Posts: *posts, Seed: *seed, Sample: demo.CorpusSample(),
			Progress: func(done int) {
				if done%10000 == 0 || done == *threads {
					fmt.Fprintf(stdout, "%d/%d threads (%s)\n", done, *threads, time.Since(start).Round(time.Second))
				}
			}})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Generated %d threads and %d posts in %s.\n", *threads, *posts, time.Since(start).Round(time.Second))
		return nil
	})
}

// benchQueries are typed by people: single words, several words, phrases.
func benchQueries() map[string][]string {
	return map[string][]string{
		"single-word": {"router", "refund", "battery", "password", "buffering", "firmware", "engineer", "channel", "invoice", "sim"},
		"multi-word": {"router keeps dropping", "bill higher than expected", "laptop battery drains", "wifi slow evening",
			"reset hub settings", "tv box buffering", "sim not activating", "direct debit date", "speed test wired", "bios update failed"},
		"phrase": {`"factory reset"`, `"direct debit"`, `"speed test"`, `"power cut"`, `"band steering"`, `"admin page"`,
			`"every evening"`, `"new router"`, `"customer service"`, `"last month"`},
	}
}

func benchSearch(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("bench search")
	n := fs.Int("n", 500, "searches per kind of query")
	relevance := fs.Bool("relevance", true, "also measure the ranking on the relevance set")
	return withStore(ctx, fs, db, args, func(store *models.Store, _ []string) error {
		r := rand.New(rand.NewPCG(7, 7))
		fmt.Fprintf(stdout, "%-12s %8s %8s %8s %8s %10s\n", "kind", "n", "p50", "p90", "p99", "avg hits")
		for _, kind := range []string{"single-word", "multi-word", "phrase"} {
			qs := benchQueries()[kind]
			var times []time.Duration
			hits := 0
			for i := 0; i < *n; i++ {
				q := models.SearchQuery{Text: qs[r.IntN(len(qs))], SolvedOnly: i%4 == 0}
				t0 := time.Now()
				res, err := store.Search(ctx, q)
				if err != nil {
					return err
				}
				times = append(times, time.Since(t0))
				hits += res.Total
			}
			pct := func(p int) time.Duration { return insights.Percentile(times, p).Round(10 * time.Microsecond) }
			fmt.Fprintf(stdout, "%-12s %8d %8s %8s %8s %10d\n", kind, len(times), pct(50), pct(90), pct(99), hits/len(times))
		}
		if !*relevance {
			return nil
		}
		return benchRelevance(ctx, *db, stdout)
	})
}

// benchRelevance measures the ranking on the relevance set (the demo
// content and the fixture threads) in a temporary database on the engine
// of location (the --db measured): a SQLite file, or a database of its own
// on the same PostgreSQL server.
func benchRelevance(ctx context.Context, location string, stdout io.Writer) (err error) {
	dir, err := os.MkdirTemp("", "crowdcare-relevance-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	server := ""
	if db.IsPostgresURL(location) {
		server = location
	}
	scratch, err := newBenchDatabase(ctx, server, dir, "relevance")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, scratch.drop()) }()
	store, err := models.Open(ctx, scratch.location, models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := demo.Seed(ctx, store); err != nil {
		return err
	}
	if err := bench.SeedRelevanceFixtures(ctx, store); err != nil {
		return err
	}
	r, err := bench.MeasureRelevance(ctx, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nrelevance: %d queries, recall@1 %.3f, recall@3 %.3f, MRR %.3f, %d with a question twice in the first five\n",
		r.Queries, r.Recall1, r.Recall3, r.MRR, r.Duplicates)
	for _, m := range r.Misses {
		fmt.Fprintf(stdout, "  rank %d: %q (want %q)\n", m.Rank, m.Query, m.Want)
	}
	return nil
}
