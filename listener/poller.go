// Package listener polls the X API v2 recent-search endpoint for posts that
// mention the brand and hands them to the importer. It never decides what a
// post means: the tweets package reads the pages, the models triage them.
package listener

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/tweets"
)

// Config says what to ask the API for.
type Config struct {
	// BaseURL is the API's address; tests point it at a local fake server.
	BaseURL     string
	BearerToken string
	// Query is the search query, e.g. "@ExampleCare OR #exampleoutage -is:retweet".
	Query    string
	Interval time.Duration
	// MaxPages bounds one poll, so a burst cannot exhaust the monthly quota.
	MaxPages int
	// Brands are the brand's handles, for the importer.
	Brands []string
}

// State keeps the newest id seen, so each poll asks only for newer posts.
type State interface {
	SinceID(ctx context.Context) (string, error)
	SetSinceID(ctx context.Context, id string) error
}

// Poller fetches new posts.
type Poller struct {
	cfg    Config
	client *http.Client
	log    *slog.Logger
	// sleep waits, or returns early when ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// New checks the configuration and makes a poller.
func New(cfg Config, log *slog.Logger) (*Poller, error) {
	if cfg.BearerToken == "" || strings.TrimSpace(cfg.Query) == "" {
		return nil, errors.New("listener: a bearer token and a query are required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.x.com"
	}
	if _, err := url.Parse(cfg.BaseURL); err != nil {
		return nil, fmt.Errorf("listener: base URL: %w", err)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Minute
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 5
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("listener: base URL %q has no host", cfg.BaseURL)
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: sameHost(base)}
	return &Poller{cfg: cfg, client: client, log: log, sleep: sleepCtx, now: time.Now}, nil
}

// sameHost lets the client follow a redirect only on the API's own scheme
// and host: the request carries the bearer token and its answer becomes
// forum content, so neither goes anywhere else.
func sameHost(base *url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != base.Host || req.URL.Scheme != base.Scheme {
			return fmt.Errorf("redirect to %s://%s refused: only %s://%s is the X API", req.URL.Scheme, req.URL.Host, base.Scheme, base.Host)
		}
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		return nil
	}
}

// maxRateWait caps how long one rate limit is waited out. X's windows are
// 15 minutes, so a reset further ahead is a wrong clock or a wrong server:
// listening goes on after this (and says so) rather than stop silently.
const maxRateWait = 15 * time.Minute

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run polls every Interval until ctx ends, handing each poll's posts to handle.
func (p *Poller) Run(ctx context.Context, st State, handle func(context.Context, []tweets.Tweet) error) {
	for {
		n, err := p.PollOnce(ctx, st, handle)
		if err != nil && ctx.Err() == nil {
			p.log.Error("poll X", "err", err)
		} else if n > 0 {
			p.log.Info("polled X", "posts", n)
		}
		if p.sleep(ctx, p.cfg.Interval) != nil {
			return
		}
	}
}

type pageMeta struct {
	Meta struct {
		NewestID  string `json:"newest_id"`
		NextToken string `json:"next_token"`
	} `json:"meta"`
}

// PollOnce fetches everything newer than the stored since_id, following
// next_token for up to MaxPages pages, and stores the newest id only after
// handle accepted the posts, so a failure is retried on the next poll.
func (p *Poller) PollOnce(ctx context.Context, st State, handle func(context.Context, []tweets.Tweet) error) (int, error) {
	since, err := st.SinceID(ctx)
	if err != nil {
		return 0, err
	}
	var all []tweets.Tweet
	newest, next := "", ""
	for page := 0; page < p.cfg.MaxPages; page++ {
		body, err := p.fetch(ctx, since, next)
		if err != nil {
			return 0, err
		}
		var meta pageMeta
		if err := json.Unmarshal(body, &meta); err != nil {
			return 0, fmt.Errorf("listener: page %d: %w", page+1, err)
		}
		if newer(meta.Meta.NewestID, newest) {
			newest = meta.Meta.NewestID
		}
		if _, err := tweets.Read(bytes.NewReader(body), func(t tweets.Tweet) error {
			all = append(all, t)
			if newer(t.ID, newest) {
				newest = t.ID
			}
			return nil
		}); err != nil && !errors.Is(err, tweets.ErrUnknownFormat) {
			return 0, fmt.Errorf("listener: page %d: %w", page+1, err)
		}
		next = meta.Meta.NextToken
		if next == "" {
			break
		}
	}
	if len(all) > 0 {
		if err := handle(ctx, all); err != nil {
			return 0, err
		}
	}
	if newest != "" && newer(newest, since) {
		if err := st.SetSinceID(ctx, newest); err != nil {
			return len(all), err
		}
	}
	return len(all), nil
}

// newer compares tweet ids as the big decimal numbers they are.
func newer(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// fetch GETs one page, waiting out rate limits (429 until x-rate-limit-reset)
// and retrying server errors a few times.
func (p *Poller) fetch(ctx context.Context, since, next string) ([]byte, error) {
	q := url.Values{
		"query":        {p.cfg.Query},
		"max_results":  {"100"},
		"tweet.fields": {"created_at,lang,conversation_id,in_reply_to_user_id,referenced_tweets,entities,author_id,note_tweet"},
		"expansions":   {"author_id,referenced_tweets.id,in_reply_to_user_id"},
		"user.fields":  {"username,name"},
	}
	if since != "" {
		q.Set("since_id", since)
	}
	if next != "" {
		q.Set("next_token", next)
	}
	u := strings.TrimRight(p.cfg.BaseURL, "/") + "/2/tweets/search/recent?" + q.Encode()
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+p.cfg.BearerToken)
		res, err := p.client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("listener: %w", err)
		}
		body, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		switch {
		case res.StatusCode == http.StatusOK:
			return body, nil
		case res.StatusCode == http.StatusTooManyRequests && attempt < 5:
			wait := time.Minute
			if reset, err := strconv.ParseInt(res.Header.Get("x-rate-limit-reset"), 10, 64); err == nil {
				wait = time.Unix(reset, 0).Sub(p.now()) + time.Second
			}
			if wait > maxRateWait {
				p.log.Warn("X rate limit: reset too far ahead, waiting the longest window instead",
					"reset", res.Header.Get("x-rate-limit-reset"), "for", maxRateWait)
				wait = maxRateWait
			}
			wait = max(wait, time.Second)
			p.log.Warn("X rate limit: waiting", "for", wait)
			if err := p.sleep(ctx, wait); err != nil {
				return nil, err
			}
		case res.StatusCode >= 500 && attempt < 3:
			if err := p.sleep(ctx, time.Duration(1<<attempt)*time.Second); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("listener: X answered %s: %s", res.Status, strings.TrimSpace(string(body[:min(len(body), 300)])))
		}
	}
}
