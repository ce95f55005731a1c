package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/internal/demo"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// TestDBCopyMovesTheDemoForum copies the Northwind demo from its SQLite
// file into PostgreSQL with "crowdcare db copy", then serves both and
// compares what the pages show: the home page, a thread, a KB article, a
// profile and search results are the same (the same hits: their order is
// each search back-end's ranking, which the search conformance tests
// compare). The copy keeps ids (the next new row follows the last),
// passwords (a demo member logs in), and is refused a second time, the
// target being no longer empty.
func TestDBCopyMovesTheDemoForum(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("db copy copies into PostgreSQL: it runs in the PostgreSQL pass (" + testdb.EnvURL + " set)")
	}
	ctx := context.Background()
	// One clock for the seeding and both servers, so that "3 hours ago"
	// reads the same on both.
	now := time.Now().Truncate(time.Second)
	clock := func() time.Time { return now }
	from := testdb.SQLiteFile(t, "demo.db")
	seed, err := models.Open(ctx, from, models.Options{PasswordCost: bcrypt.MinCost, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if err := seed.Close(); err != nil {
		t.Fatal(err)
	}
	// Served before the copy, as a forum being moved was: the keys a start
	// makes (sessions, avatar colours) are in its settings.
	sqlite := serveForTest(t, from, clock)
	to := testDatabase(t, "copy.db")
	code, out, errOut := runCmd(t, "db", "copy", "--from", from, "--to", to)
	if code != 0 {
		t.Fatalf("db copy: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"every table in one transaction", "  users ", "  posts ", "  kb_articles ", "Committed ",
		"each table's rows counted again on PostgreSQL: equal", "Rebuilt the search index on PostgreSQL: 29 questions"} {
		if !strings.Contains(out, want) {
			t.Errorf("db copy's output lacks %q:\n%s", want, out)
		}
	}
	// Not into a forum.
	if code, _, errOut := runCmd(t, "db", "copy", "--from", from, "--to", to); code != 1 || !strings.Contains(errOut, "the target database is not empty (") {
		t.Errorf("a second copy into the same database: exit %d %q", code, errOut)
	}

	pg := serveForTest(t, to, clock)
	home := pageText(t, sqlite, "/")
	if home != pageText(t, pg, "/") {
		t.Errorf("the home pages differ:\n%s", diffLines(home, pageText(t, pg, "/")))
	}
	paths := []string{"/u/sophie.northwind", "/search?q=router", "/search?q=wifi+drops", "/kb"}
	for _, re := range []string{`href="(/t/\d+/[^"#]+)"`, `href="(/kb/\d+/[^"#]+)"`} {
		m := regexp.MustCompile(re).FindStringSubmatch(home + rawPage(t, sqlite, "/kb"))
		if m == nil {
			t.Fatalf("no link like %s on the home page or /kb", re)
		}
		paths = append(paths, m[1])
	}
	for _, p := range paths {
		a, b := pageText(t, sqlite, p), pageText(t, pg, p)
		if strings.HasPrefix(p, "/search") {
			a, b = searchHits(t, p, a), searchHits(t, p, b)
		}
		if a != b {
			t.Errorf("%s differs between SQLite and the copy:\n%s", p, diffLines(a, b))
		}
	}

	// Passwords came along; a new row gets the id after the last copied.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c.Jar, _ = cookiejar.New(nil)
	res, err := c.Get(pg.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	form, _ := io.ReadAll(res.Body)
	res.Body.Close()
	tok := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(form)
	if tok == nil {
		t.Fatal("no CSRF token on the login form")
	}
	res, err = c.PostForm(pg.url+"/login", url.Values{"_csrf": {string(tok[1])}, "username": {"demo"}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("demo logs in on the copy: %d, want 303", res.StatusCode)
	}
	users, err := pg.store.CountUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, err := pg.store.CreateUser(ctx, models.NewUser{Username: "newcomer", Email: "newcomer@example.com", Password: "long enough pw"})
	if err != nil {
		t.Fatalf("a new user on the copy: %v", err)
	}
	var maxID int64
	if err := testdb.Raw(t, to).QueryRow(`SELECT max(id) FROM users WHERE id < ?`, u.ID).Scan(&maxID); err != nil || u.ID != maxID+1 || users < 10 {
		t.Errorf("the new user's id is %d, the last copied %d (%v)", u.ID, maxID, err)
	}
}

type testServer struct {
	url   string
	store *models.Store
}

// serveForTest serves the database at location with the real router.
func serveForTest(t *testing.T, location string, clock func() time.Time) *testServer {
	t.Helper()
	ctx := context.Background()
	opts := models.Options{PasswordCost: bcrypt.MinCost, Now: clock}
	if testdb.Postgres() {
		opts.FilesDir = t.TempDir()
	}
	store, err := models.Open(ctx, location, opts)
	if err != nil {
		t.Fatal(err)
	}
	e, err := handlers.New(ctx, handlers.Config{BaseURL: "http://forum.test"}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	return &testServer{url: srv.URL, store: store}
}

func rawPage(t *testing.T, s *testServer, path string) string {
	t.Helper()
	res, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	return string(b)
}

var (
	mainElement = regexp.MustCompile(`(?s)<main\b.*</main>`)
	// What differs between two servers of the same forum: tokens made per
	// request, and the test servers' own addresses.
	perRequest = regexp.MustCompile(`(name="_csrf" value|name="_submission" value|nonce)="[^"]*"|http://127\.0\.0\.1:\d+`)
)

// pageText is what a page shows a visitor: its <main>, without what is
// made per request.
func pageText(t *testing.T, s *testServer, path string) string {
	t.Helper()
	body := rawPage(t, s, path)
	m := mainElement.FindString(body)
	if m == "" {
		t.Fatalf("%s has no <main>", path)
	}
	return perRequest.ReplaceAllString(m, "")
}

var hitLink = regexp.MustCompile(`class="hit-title"><a href="([^"]+)"`)

// searchHits is the links to what a search page found, sorted.
func searchHits(t *testing.T, path, page string) string {
	t.Helper()
	var links []string
	for _, m := range hitLink.FindAllStringSubmatch(page, -1) {
		links = append(links, m[1])
	}
	if len(links) == 0 {
		t.Errorf("%s found nothing", path)
	}
	slices.Sort(links)
	return strings.Join(links, "\n")
}

// diffLines shows the first lines where a and b differ.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 12; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, "- "+strings.TrimSpace(x), "+ "+strings.TrimSpace(y))
		}
	}
	return strings.Join(out, "\n")
}

// TestDatabasePasswordNeverShown: a PostgreSQL URL's password appears in
// no error, help page or output, wherever the URL came from (--db,
// $CROWDCARE_DATABASE_URL, db copy's --to). No server is needed: port 1
// refuses the connection.
func TestDatabasePasswordNeverShown(t *testing.T) {
	const secret = "s3cret-pw"
	// The password in the user part, or as a parameter (pgx takes both).
	for _, c := range []struct{ u, redacted string }{
		{"postgres://crowdcare:" + secret + "@127.0.0.1:1/forum?sslmode=disable&connect_timeout=5", "postgres://crowdcare:xxxxx@127.0.0.1:1/forum"},
		{"postgres://crowdcare@127.0.0.1:1/forum?sslmode=disable&password=" + secret + "&connect_timeout=5",
			"postgres://crowdcare@127.0.0.1:1/forum?sslmode=disable&password=xxxxx"},
	} {
		u, redacted := c.u, c.redacted
		check := func(what string, code, want int, out, errOut, mustSay string) {
			t.Helper()
			if code != want || strings.Contains(out+errOut, secret) || !strings.Contains(out+errOut, mustSay) {
				t.Errorf("%s: exit %d (want %d), output %q %q: want %q and no password", what, code, want, out, errOut, mustSay)
			}
		}
		code, out, errOut := runCmd(t, "user", "role", "alice", "admin", "--db", u)
		check("user role --db URL", code, 1, out, errOut, "open database "+redacted)
		code, out, errOut = runCmd(t, "backup", t.TempDir()+"/b.dump", "--db", u)
		check("backup --db URL", code, 1, out, errOut, redacted)
		code, out, errOut = runCmd(t, "db", "copy", "--from", testdb.SQLiteFile(t, "missing.db"), "--to", u)
		check("db copy from a missing file", code, 1, out, errOut, "no such file")
		t.Setenv("CROWDCARE_DATABASE_URL", u)
		code, out, errOut = runCmd(t, "serve", "--help")
		check("serve --help with $CROWDCARE_DATABASE_URL", code, 0, out, errOut, `(default "`+redacted)
		code, out, errOut = runCmd(t, "reindex")
		check("reindex with $CROWDCARE_DATABASE_URL", code, 1, out, errOut, redacted)
	}
}

// TestReplicaFlag: --db-replica (or $CROWDCARE_DATABASE_REPLICA_URL) is
// refused beside a SQLite file, and its password is never shown, in
// --help or in the error when it does not answer.
func TestReplicaFlag(t *testing.T) {
	const secret = "r3plica-pw"
	u := "postgres://crowdcare:" + secret + "@127.0.0.1:1/forum?sslmode=disable&connect_timeout=5"
	code, out, errOut := runCmd(t, "serve", "--addr", "127.0.0.1:0", "--db", testdb.SQLiteFile(t, "cc.db"), "--db-replica", u)
	if code != 1 || !strings.Contains(errOut, "needs a PostgreSQL primary") || strings.Contains(out+errOut, secret) {
		t.Errorf("serve on SQLite with --db-replica: exit %d, %q %q", code, out, errOut)
	}
	t.Setenv("CROWDCARE_DATABASE_REPLICA_URL", u)
	code, out, errOut = runCmd(t, "serve", "--help")
	if code != 0 || !strings.Contains(out+errOut, "postgres://crowdcare:xxxxx@127.0.0.1:1/forum") || strings.Contains(out+errOut, secret) {
		t.Errorf("serve --help with $CROWDCARE_DATABASE_REPLICA_URL: exit %d, %q %q", code, out, errOut)
	}
	if !testdb.Postgres() {
		return
	}
	// A primary, and a replica that does not answer: serve refuses to start, saying where.
	code, out, errOut = runCmd(t, "serve", "--addr", "127.0.0.1:0", "--db", testdb.Location(t, "cc.db"), "--data-dir", t.TempDir())
	if code != 1 || strings.Contains(out+errOut, secret) || !strings.Contains(errOut, "replica: connect to PostgreSQL at postgres://crowdcare:xxxxx@127.0.0.1:1/forum") {
		t.Errorf("serve with a replica that does not answer: exit %d, %q %q", code, out, errOut)
	}
}
