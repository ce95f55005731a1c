package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// testApp is the real router over a real database (a SQLite file, or a
// PostgreSQL database in the suite's PostgreSQL pass), served by httptest.
type testApp struct {
	t     testing.TB
	srv   *httptest.Server
	store *models.Store
	skew  *atomic.Int64 // added to the store's clock by advance
	logs  *logBuffer    // what the web layer logged
}

// logBuffer keeps what the web layer logs, for tests that check why a
// request was refused.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logged reports whether the web layer logged a line containing s.
func (a *testApp) logged(s string) bool {
	a.logs.mu.Lock()
	defer a.logs.mu.Unlock()
	return strings.Contains(a.logs.buf.String(), s)
}

// advance moves the store's clock on, for what happens after a while.
func (a *testApp) advance(d time.Duration) { a.skew.Add(int64(d)) }

func newApp(t *testing.T) *testApp {
	t.Helper()
	return newAppAt(t, testdb.Location(t, "test.db"))
}

// filesDirs keeps, per PostgreSQL database of a test, the directory of the
// files kept with it (a URL has no "beside"), so that two apps over one
// database share it as they share a SQLite file's DB.uploads.
var filesDirs sync.Map

// withFilesDir gives a store opened on the suite's engine a directory of
// its own for the files kept with the database: on PostgreSQL they would
// otherwise go to ./crowdcare-data, shared by every test.
func withFilesDir(t testing.TB, o models.Options) models.Options {
	if testdb.Postgres() && o.FilesDir == "" {
		o.FilesDir = t.TempDir()
	}
	return o
}

// filesDirFor is the Options.FilesDir of the database at location: "" (the
// default, beside it) for a SQLite file, the test's own directory for a
// PostgreSQL database.
func filesDirFor(t testing.TB, location string) string {
	t.Helper()
	if !testdb.Postgres() || !strings.Contains(location, "://") {
		return ""
	}
	dir, _ := filesDirs.LoadOrStore(location, t.TempDir())
	return dir.(string)
}

func newAppAt(t *testing.T, path string) *testApp {
	t.Helper()
	return newAppWith(t, path, Config{})
}

// newAppWith is newAppAt with some of the web layer's configuration set.
func newAppWith(t *testing.T, path string, cfg Config) *testApp {
	t.Helper()
	return newAppFull(t, path, cfg, models.Options{})
}

// newAppOpts is newAppAt with the store's options set.
func newAppOpts(t *testing.T, path string, opts models.Options) *testApp {
	t.Helper()
	return newAppFull(t, path, Config{}, opts)
}

// newAppFull serves the database at path with both configurations; the
// store's clock is the test's (advance) and passwords hash cheaply.
func newAppFull(t *testing.T, path string, cfg Config, opts models.Options) *testApp {
	t.Helper()
	cfg.BaseURL = "http://forum.test"
	ctx := context.Background()
	skew := new(atomic.Int64)
	opts.PasswordCost = bcrypt.MinCost
	opts.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	if opts.FilesDir == "" {
		opts.FilesDir = filesDirFor(t, path)
	}
	store, err := models.Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	e, err := New(ctx, cfg, store, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		store.Close()
		if t.Failed() {
			// Why the pages said 500: the errors the web layer logged.
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, "level=ERROR") {
					t.Log(line)
				}
			}
		}
	})
	return &testApp{t: t, srv: srv, store: store, skew: skew, logs: logs}
}

// client is one browser: its own cookies, redirects not followed.
type client struct {
	app  *testApp
	http *http.Client
	ua   string // User-Agent, to tell browsers apart from one address
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{app: a, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	Code     int
	Body     string
	Header   http.Header
	Location string
}

func (c *client) do(req *http.Request) *response {
	c.app.t.Helper()
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.app.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.app.t.Fatal(err)
	}
	return &response{Code: res.StatusCode, Body: string(b), Header: res.Header, Location: res.Header.Get("Location")}
}

func (c *client) get(path string) *response {
	c.app.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.app.srv.URL+path, nil)
	if err != nil {
		c.app.t.Fatal(err)
	}
	return c.do(req)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// token reads the CSRF token from a page's form, as a browser would.
func (c *client) token() string {
	c.app.t.Helper()
	res := c.get("/login")
	if c.loggedIn(res) {
		res = c.get("/ask")
	}
	m := csrfInput.FindStringSubmatch(res.Body)
	if m == nil {
		c.app.t.Fatalf("no CSRF token on page: %s", res.Body)
	}
	return m[1]
}

func (c *client) loggedIn(res *response) bool {
	return res.Code == http.StatusSeeOther
}

// post sends a form with a valid CSRF token unless the form sets _csrf itself.
func (c *client) post(path string, form url.Values) *response {
	c.app.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", c.token())
	}
	return c.postRaw(path, form.Encode())
}

func (c *client) postRaw(path, body string) *response {
	c.app.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.app.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.app.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// register creates an account through the form, confirms its address with
// the link the welcome email carries, then logs in with it.
func (c *client) register(name string) {
	c.app.t.Helper()
	c.registerUnverified(name)
	c.verifyEmail(name + "@example.com")
	c.login(name)
}

// registerUnverified creates an account through the form and does not
// confirm its address.
func (c *client) registerUnverified(name string) {
	c.app.t.Helper()
	res := c.post("/register", url.Values{"username": {name}, "email": {name + "@example.com"}, "password": {"correct horse"}})
	if res.Code != http.StatusSeeOther {
		c.app.t.Fatalf("register %s: %d %s", name, res.Code, res.Body)
	}
}

// login logs in through the form with the password register uses.
func (c *client) login(name string) {
	c.app.t.Helper()
	if res := c.post("/login", url.Values{"username": {name}, "password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		c.app.t.Fatalf("log in as %s after registering: %d", name, res.Code)
	}
}

// ask posts a question and returns the thread's path.
func (c *client) ask(title string) string {
	c.app.t.Helper()
	res := c.post("/ask", url.Values{"title": {title}, "category": {"general"},
		"body": {"The router reboots itself every night at about 2am."}, "tags": {"router, wifi"}})
	if res.Code != http.StatusSeeOther {
		c.app.t.Fatalf("ask: %d %s", res.Code, res.Body)
	}
	return res.Location
}

// answer posts an answer and returns its post id as a string.
func (c *client) answer(threadPath, body string) string {
	c.app.t.Helper()
	id := strings.Split(threadPath, "/")[2]
	res := c.post("/t/"+id+"/answers", url.Values{"body": {body}})
	if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/p/") {
		c.app.t.Fatalf("answer: %d %s %s", res.Code, res.Location, res.Body)
	}
	return strings.TrimPrefix(res.Location, "/p/")
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func mustNotContain(t *testing.T, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("page contains %q", n)
		}
	}
}
