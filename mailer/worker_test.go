package mailer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/mailer/smtptest"
)

// fakeSource is an in-memory Source.
type fakeSource struct {
	mu      sync.Mutex
	items   []Pending
	marked  []int64
	markErr error
}

func (s *fakeSource) PendingEmails(_ context.Context, limit int) ([]Pending, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pending
	for _, p := range s.items {
		if !slices.Contains(s.marked, p.ID) && len(out) < limit {
			out = append(out, p)
		}
	}
	return out, nil
}

func (s *fakeSource) MarkEmailed(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.markErr != nil {
		return s.markErr
	}
	s.marked = append(s.marked, id)
	return nil
}

func (s *fakeSource) markedIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.marked))
}

const baseURL = "https://community.example.com"

func unsubURL(userID int64) string {
	return fmt.Sprintf("%s/unsubscribe?u=%d&t=tok%d", baseURL, userID, userID)
}

func threePending() *fakeSource {
	return &fakeSource{items: []Pending{
		{ID: 1, UserID: 10, To: "alice@example.com", Username: "alice", Text: "bob replied to your post „Hilfe beim Umzug“", Link: "/p/12"},
		{ID: 2, UserID: 20, To: "bob@reject.example", Username: "bob", Text: "carol mentioned you", Link: "/p/13#r4"},
		{ID: 3, UserID: 30, To: "carol@example.com", Username: "carol", Text: "new reply", Link: "/p/14"},
	}}
}

func TestSendPendingOnce(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Rejecting("bob@reject.example"))
	m := newMailer(t, testConfig(srv), discardLog())
	src := threePending()
	ctx := context.Background()

	sent, err := m.SendPendingOnce(ctx, src, "Crowdcare", baseURL, unsubURL)
	if err != nil || sent != 2 {
		t.Fatalf("SendPendingOnce = %d, %v; want 2, nil", sent, err)
	}
	if got := src.markedIDs(); !slices.Equal(got, []int64{1, 3}) {
		t.Fatalf("marked %v, want [1 3] (the rejected one must stay pending)", got)
	}

	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("server received %d messages, want 2", len(msgs))
	}
	for i, p := range []Pending{src.items[0], src.items[2]} {
		r := msgs[i]
		if len(r.To) != 1 || r.To[0] != p.To {
			t.Errorf("message %d went to %v, want %s", i, r.To, p.To)
		}
		pm, err := mail.ReadMessage(strings.NewReader(r.Data))
		if err != nil {
			t.Fatalf("ReadMessage: %v", err)
		}
		unsub := unsubURL(p.UserID)
		if got := pm.Header.Get("List-Unsubscribe"); got != "<"+unsub+">" {
			t.Errorf("List-Unsubscribe = %q, want <%s>", got, unsub)
		}
		if got := pm.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post = %q", got)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject"))
		if want := "[Crowdcare] " + p.Text; subject != want {
			t.Errorf("Subject = %q, want %q", subject, want)
		}
		b, err := io.ReadAll(quotedprintable.NewReader(pm.Body))
		if err != nil {
			t.Fatal(err)
		}
		body := string(b)
		for _, want := range []string{"Hello " + p.Username, p.Text, baseURL + p.Link, "You receive these emails because", "Unsubscribe: " + unsub} {
			if !strings.Contains(body, want) {
				t.Errorf("body lacks %q:\n%s", want, body)
			}
		}
	}

	// Next tick: the rejected one is retried and still not marked.
	sent, err = m.SendPendingOnce(ctx, src, "Crowdcare", baseURL, unsubURL)
	if err != nil || sent != 0 || len(srv.Messages()) != 2 {
		t.Fatalf("retry tick = %d, %v, %d messages; want 0, nil, 2", sent, err, len(srv.Messages()))
	}
	// Once the server accepts it, it goes out and is marked.
	srv.SetReject("bob@reject.example", false)
	sent, err = m.SendPendingOnce(ctx, src, "Crowdcare", baseURL, unsubURL)
	if err != nil || sent != 1 {
		t.Fatalf("tick after fix = %d, %v; want 1, nil", sent, err)
	}
	if got := src.markedIDs(); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("marked %v, want [1 2 3]", got)
	}
}

func TestSendPendingOnceBatchSize(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, testConfig(srv), discardLog())
	src := &fakeSource{}
	for i := range 60 {
		src.items = append(src.items, Pending{ID: int64(i + 1), UserID: 1, To: "a@example.com", Username: "a", Text: "t", Link: "/"})
	}
	sent, err := m.SendPendingOnce(context.Background(), src, "C", baseURL, unsubURL)
	if err != nil || sent != 50 {
		t.Fatalf("SendPendingOnce = %d, %v; want 50, nil", sent, err)
	}
}

func TestSendPendingOnceStopsWhenServerUnreachable(t *testing.T) {
	m := newMailer(t, Config{Host: "127.0.0.1", Port: 1, From: "a@example.com", TLS: "none"}, discardLog())
	dials := 0
	m.dial = func(context.Context, string, string) (net.Conn, error) {
		dials++
		return nil, errors.New("connection refused")
	}
	src := threePending()
	sent, err := m.SendPendingOnce(context.Background(), src, "Crowdcare", baseURL, unsubURL)
	if err == nil || sent != 0 {
		t.Fatalf("SendPendingOnce = %d, %v; want 0 and an error", sent, err)
	}
	if dials != 1 {
		t.Errorf("dialled %d times, want 1 (the rest of the batch would fail the same way)", dials)
	}
	if got := src.markedIDs(); len(got) != 0 {
		t.Errorf("marked %v after failed sends", got)
	}
}

func TestSendPendingOnceStopsWhenMarkFails(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, testConfig(srv), discardLog())
	src := threePending()
	src.markErr = errors.New("database is locked")
	sent, err := m.SendPendingOnce(context.Background(), src, "Crowdcare", baseURL, unsubURL)
	if err == nil || sent != 0 || len(srv.Messages()) != 1 {
		t.Fatalf("SendPendingOnce = %d, %v, %d messages; want 0, error, 1", sent, err, len(srv.Messages()))
	}
}

func TestRunNotifications(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, testConfig(srv), discardLog())
	src := threePending()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A long interval: the first tick must happen right away.
		m.RunNotifications(ctx, src, "Crowdcare", baseURL, unsubURL, time.Hour)
	}()
	deadline := time.Now().Add(3 * time.Second)
	for len(src.markedIDs()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("RunNotifications did not return after cancel")
	}
	if got := src.markedIDs(); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("marked %v, want [1 2 3]", got)
	}
}

func TestShorten(t *testing.T) {
	if got := shorten("  a\r\nBcc: x  ", 80); got != "a Bcc: x" {
		t.Errorf("shorten collapsed whitespace to %q", got)
	}
	long := strings.Repeat("ä", 100)
	got := shorten(long, 80)
	if n := utf8.RuneCountInString(got); n != 80 || !strings.HasSuffix(got, "…") {
		t.Errorf("shorten(100 runes) = %d runes %q", n, got)
	}
}
