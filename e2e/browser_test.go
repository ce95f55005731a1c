// Package e2e drives the real server in a real headless Chromium.
package e2e

import (
	"context"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/models"
)

// chromium finds the browser. In CI (CI=true) a missing browser fails the
// run: .ci/run installs Debian's chromium. Elsewhere the tests say so and skip.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is required for the browser tests: apt-get install -y chromium")
	}
	t.Skip("Chromium not found: skipping browser tests (apt-get install -y chromium)")
	return ""
}

// site is the real server on 127.0.0.1 over a real database (a SQLite
// file, or PostgreSQL in the suite's PostgreSQL pass).
type site struct {
	t     *testing.T
	url   string
	store *models.Store
}

func newSite(t *testing.T) *site {
	t.Helper()
	return newSiteWith(t, handlers.Config{BaseURL: "http://127.0.0.1"})
}

// newSiteWith is newSite with the web layer's configuration.
func newSiteWith(t *testing.T, cfg handlers.Config) *site {
	t.Helper()
	ctx := context.Background()
	opts := models.Options{PasswordCost: bcrypt.MinCost}
	if testdb.Postgres() {
		opts.FilesDir = t.TempDir() // attachments: a URL has no "beside"
	}
	store, err := models.Open(ctx, testdb.Location(t, "e2e.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	e, err := handlers.New(ctx, cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	return &site{t: t, url: srv.URL, store: store}
}

func (s *site) user(name string, role models.Role) *models.User {
	s.t.Helper()
	u, err := s.store.CreateUser(context.Background(), models.NewUser{Username: name, Email: name + "@example.com", Password: "correct horse", Role: role})
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// tab is one browser with its own cookies, recording dialogs and script errors.
type tab struct {
	t      *testing.T
	ctx    context.Context
	mu     sync.Mutex
	events []string
}

func newTab(t *testing.T, width, height int) *tab {
	t.Helper()
	return newTabFor(t, width, height, 90*time.Second)
}

// newTabFor is newTab for a tab that may live longer than 90 seconds.
func newTabFor(t *testing.T, width, height int, life time.Duration) *tab {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(width, height),
	}
	// Not t.TempDir: Chromium may still be writing its profile when the
	// test's own cleanup would remove it, which fails the test.
	profile, err := os.MkdirTemp("", "crowdcare-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts = append(opts, chromedp.UserDataDir(profile))
	b := &tab{t: t}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// WithListener sees the events from the start of the tab, as ListenTarget
	// before the first Run did. It runs on the tab's read loop, so the dialog
	// is dismissed from another goroutine.
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithListener(func(ev any) {
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			b.record("dialog: " + e.Message)
			go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *runtime.EventExceptionThrown:
			b.record("exception: " + e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				b.record("console error")
			}
		}
	}))
	ctx, cancelTimeout := context.WithTimeout(ctx, life)
	b.ctx = ctx
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

func (b *tab) record(s string) {
	b.mu.Lock()
	b.events = append(b.events, s)
	b.mu.Unlock()
}

// problems returns dialogs and script errors seen so far.
func (b *tab) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.events...)
}

// run runs the steps, in order, in the tab.
func (b *tab) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// follow runs steps that load another page (a link followed, a form
// sent) and returns once it has loaded: what runs next queries the new
// page, never the old one while it is being replaced (chromedp then fails
// with "No node with given id found").
func (b *tab) follow(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// get runs one action in the tab and returns its value.
func get[T any](b *tab, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	return get(b, chromedp.Text(chromedp.CSS(sel)))
}

func (b *tab) location() string {
	b.t.Helper()
	return get(b, chromedp.Location())
}

// login fills the login form; test users' password is "correct horse".
func (b *tab) login(base, name string) { b.loginWith(base, name, "correct horse") }

func (b *tab) loginWith(base, name, password string) {
	b.t.Helper()
	b.run(chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), name),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/u/`+name+`"]`)))
}

func mustHave(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("page lacks %q", want)
	}
}

// mailedLink is the site-relative link starting with prefix in the newest
// email the site queued to addr that has one, read from the outbox as the
// mail worker would send it.
func (s *site) mailedLink(addr, prefix string) string {
	s.t.Helper()
	db := testdb.Raw(s.t, s.store.Path())
	defer db.Close()
	rows, err := db.Query(`SELECT body FROM outbox WHERE lower(to_addr) = lower(?) ORDER BY id DESC`, addr)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			s.t.Fatal(err)
		}
		if i := strings.Index(body, prefix); i >= 0 {
			link := body[i:]
			if j := strings.IndexAny(link, " \n"); j >= 0 {
				link = link[:j]
			}
			return link
		}
	}
	s.t.Fatalf("no %s link in the emails to %s", prefix, addr)
	return ""
}
