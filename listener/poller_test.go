package listener

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/tweets"
)

type memState struct {
	mu    sync.Mutex
	since string
}

func (m *memState) SinceID(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.since, nil
}
func (m *memState) SetSinceID(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.since = id
	return nil
}

func page(ids []string, next string) string {
	data := ""
	for i, id := range ids {
		if i > 0 {
			data += ","
		}
		data += fmt.Sprintf(`{"id":"%s","text":"@ExampleCare no internet since 8am, post %s","author_id":"42","created_at":"2026-11-20T08:0%d:00.000Z","conversation_id":"%s","lang":"en"}`, id, id, i, id)
	}
	meta := fmt.Sprintf(`"result_count":%d`, len(ids))
	if len(ids) > 0 {
		meta += fmt.Sprintf(`,"newest_id":"%s","oldest_id":"%s"`, ids[0], ids[len(ids)-1])
	}
	if next != "" {
		meta += `,"next_token":"` + next + `"`
	}
	return `{"data":[` + data + `],"includes":{"users":[{"id":"42","username":"jo_k","name":"Jo"}]},"meta":{` + meta + `}}`
}

func TestPollerPagesResumesAndBacksOff(t *testing.T) {
	var mu sync.Mutex
	var requests []string
	limited := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, `{"title":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		requests = append(requests, r.URL.RawQuery)
		q := r.URL.Query()
		switch {
		case q.Get("since_id") == "" && q.Get("next_token") == "":
			fmt.Fprint(w, page([]string{"1861000000000000003", "1861000000000000002"}, "tok2"))
		case q.Get("next_token") == "tok2" && limited:
			limited = false
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(time.Date(2026, 11, 20, 9, 0, 30, 0, time.UTC).Unix(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
		case q.Get("next_token") == "tok2":
			fmt.Fprint(w, page([]string{"1861000000000000001"}, ""))
		case q.Get("since_id") == "1861000000000000003":
			fmt.Fprint(w, page([]string{"1861000000000000009"}, ""))
		default:
			t.Errorf("unexpected request %s", r.URL.RawQuery)
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	p, err := New(Config{BaseURL: srv.URL, BearerToken: "secret", Query: "@ExampleCare -is:retweet"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var waited []time.Duration
	p.sleep = func(_ context.Context, d time.Duration) error { waited = append(waited, d); return nil }
	p.now = func() time.Time { return time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) }
	st := &memState{}
	var got []tweets.Tweet
	handle := func(_ context.Context, ts []tweets.Tweet) error { got = append(got, ts...); return nil }

	n, err := p.PollOnce(context.Background(), st, handle)
	if err != nil || n != 3 {
		t.Fatalf("first poll: %d %v", n, err)
	}
	if got[0].AuthorHandle != "jo_k" || got[0].ID != "1861000000000000003" {
		t.Fatalf("tweets: %+v", got[0])
	}
	// The 429 was waited out until x-rate-limit-reset (30 s, plus a second of margin).
	if len(waited) != 1 || waited[0] != 31*time.Second {
		t.Fatalf("waits: %v", waited)
	}
	if st.since != "1861000000000000003" {
		t.Fatalf("since_id after first poll: %q", st.since)
	}
	// The next poll resumes after the newest id.
	got = nil
	n, err = p.PollOnce(context.Background(), st, handle)
	if err != nil || n != 1 || got[0].ID != "1861000000000000009" || st.since != "1861000000000000009" {
		t.Fatalf("second poll: %d %v %+v %q", n, err, got, st.since)
	}
	// A failing handler keeps since_id, so the posts come again next time.
	st.since = "1861000000000000003"
	if _, err := p.PollOnce(context.Background(), st, func(context.Context, []tweets.Tweet) error { return fmt.Errorf("disk full") }); err == nil {
		t.Fatal("handler error swallowed")
	}
	if st.since != "1861000000000000003" {
		t.Fatalf("since_id moved past unhandled posts: %q", st.since)
	}
}

func TestPollerRefusesBadAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"title":"Unauthorized"}`, http.StatusUnauthorized)
	}))
	defer srv.Close()
	p, _ := New(Config{BaseURL: srv.URL, BearerToken: "wrong", Query: "x"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := p.PollOnce(context.Background(), &memState{}, func(context.Context, []tweets.Tweet) error { return nil }); err == nil {
		t.Fatal("401 not reported")
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Fatal("empty config accepted")
	}
	if !newer("1861000000000000010", "999") || newer("5", "10") {
		t.Fatal("id comparison")
	}
}

// A reset years ahead is waited out for one window at most, and the poll
// goes on: listening never stops silently behind a wrong header.
func TestPollerCapsRateLimitWait(t *testing.T) {
	limited := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if limited {
			limited = false
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, page([]string{"1861000000000000001"}, ""))
	}))
	defer srv.Close()
	p, err := New(Config{BaseURL: srv.URL, BearerToken: "secret", Query: "x"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var waited []time.Duration
	p.sleep = func(_ context.Context, d time.Duration) error { waited = append(waited, d); return nil }
	p.now = func() time.Time { return time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) }
	n, err := p.PollOnce(context.Background(), &memState{}, func(context.Context, []tweets.Tweet) error { return nil })
	if err != nil || n != 1 {
		t.Fatalf("poll: %d %v", n, err)
	}
	if len(waited) != 1 || waited[0] != maxRateWait {
		t.Fatalf("waits: %v, want one of %v", waited, maxRateWait)
	}
}

// A redirect to another host is not followed: the bearer token and the
// answer stay with the API's own address.
func TestPollerRefusesRedirectElsewhere(t *testing.T) {
	var otherHits int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits++
		fmt.Fprint(w, page([]string{"1861000000000000001"}, ""))
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			fmt.Fprint(w, page([]string{"1861000000000000002"}, ""))
			return
		}
		if r.URL.Query().Get("since_id") == "1" {
			http.Redirect(w, r, "/moved", http.StatusFound) // same host: followed
			return
		}
		http.Redirect(w, r, other.URL+"/2/tweets/search/recent", http.StatusFound)
	}))
	defer api.Close()
	p, err := New(Config{BaseURL: api.URL, BearerToken: "secret", Query: "x"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	p.sleep = func(context.Context, time.Duration) error { return nil }
	noop := func(context.Context, []tweets.Tweet) error { return nil }
	if _, err := p.PollOnce(context.Background(), &memState{}, noop); err == nil || !strings.Contains(err.Error(), "redirect to") {
		t.Fatalf("redirect to another host: err = %v", err)
	}
	if otherHits != 0 {
		t.Fatalf("the other host was asked %d times", otherHits)
	}
	if n, err := p.PollOnce(context.Background(), &memState{since: "1"}, noop); err != nil || n != 1 {
		t.Fatalf("redirect on the same host: %d %v", n, err)
	}
}
