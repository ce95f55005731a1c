package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/crowdcare/crowdcare/internal/lease"
	"github.com/crowdcare/crowdcare/language"
	"github.com/crowdcare/crowdcare/listener"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// listenFlags adds live listening to serve. The bearer token is read from
// the environment only, like the SMTP password.
func listenFlags(fs *flag.FlagSet) func() listener.Config {
	query := fs.String("x-query", os.Getenv("CROWDCARE_X_QUERY"), `X recent-search query for live listening, e.g. "@ExampleCare -is:retweet" ($CROWDCARE_X_QUERY; the token only in $CROWDCARE_X_BEARER_TOKEN)`)
	interval := fs.Duration("x-interval", 5*time.Minute, "how often to poll X")
	base := fs.String("x-base-url", env("CROWDCARE_X_BASE_URL", "https://api.x.com"), "X API address ($CROWDCARE_X_BASE_URL)")
	brands := fs.String("x-brand-handles", os.Getenv("CROWDCARE_X_BRAND_HANDLES"), "the brand's handles, comma-separated ($CROWDCARE_X_BRAND_HANDLES)")
	return func() listener.Config {
		return listener.Config{BaseURL: *base, BearerToken: os.Getenv("CROWDCARE_X_BEARER_TOKEN"), Query: *query,
			Interval: *interval, MaxPages: 5, Brands: []string{*brands}}
	}
}

// sinceState keeps the poller's newest id in the settings table.
type sinceState struct{ store *models.Store }

func (s sinceState) SinceID(ctx context.Context) (string, error) {
	v, err := s.store.Setting(ctx, "x_since_id")
	if errors.Is(err, models.ErrNotFound) {
		return "", nil
	}
	return string(v), err
}

func (s sinceState) SetSinceID(ctx context.Context, id string) error {
	return s.store.SetSetting(ctx, "x_since_id", []byte(id))
}

// startListening runs the poller when a query and token are configured:
// live listening always feeds the triage inbox.
func startListening(ctx context.Context, jobs *lease.Group, cfg listener.Config, store *models.Store, log *slog.Logger) error {
	if cfg.Query == "" && cfg.BearerToken == "" {
		return nil
	}
	brands, err := models.BrandHandles(cfg.Brands)
	if err != nil {
		return fmt.Errorf("--x-brand-handles: %w", err)
	}
	cfg.Brands = brands
	p, err := listener.New(cfg, log)
	if err != nil {
		return err
	}
	handle := func(ctx context.Context, ts []tweets.Tweet) error {
		im, err := store.NewImporter(ctx, models.ImportOptions{Triage: true, Source: "poll", BrandHandles: cfg.Brands})
		if err != nil {
			return err
		}
		for _, t := range ts {
			if err := im.Add(ctx, t); err != nil {
				im.Abandon() // the polled tweets come again next time
				return err
			}
		}
		_, err = im.Finish(ctx)
		return err
	}
	// One server polls (the lease): two would import the same page twice.
	jobs.Go(ctx, leaseXPoller, func(ctx context.Context) { p.Run(ctx, sinceState{store}, handle) })
	log.Info("listening on X (on the server holding the x-poller lease)", "query", cfg.Query, "every", cfg.Interval)
	return nil
}

// detectLanguagesLoop names the languages of imported posts and questions in the
// background, so imports and live listening never wait for it.
func detectLanguagesLoop(ctx context.Context, store *models.Store, log *slog.Logger) {
	det := language.New()
	for {
		n, err := store.DetectLanguages(ctx, det, 2000)
		if err == nil {
			var m int
			m, err = store.DetectThreadLanguages(ctx, det, 2000)
			n += m
		}
		if err != nil && ctx.Err() == nil {
			log.Error("detect languages", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Second):
		}
	}
}
