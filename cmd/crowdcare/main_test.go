package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	iofs "io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/media/mediatest"
	"github.com/crowdcare/crowdcare/models"
)

// syncBuffer lets the test read what a running server prints.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testDatabase is a fresh database for a command's --db on the suite's
// engine (testdb.Location). On PostgreSQL the files kept with it go to the
// test's own directory ($CROWDCARE_DATA_DIR, which child processes
// inherit), not ./crowdcare-data.
func testDatabase(t *testing.T, name string) string {
	t.Helper()
	if testdb.Postgres() {
		t.Setenv("CROWDCARE_DATA_DIR", t.TempDir())
	}
	return testdb.Location(t, name)
}

// createAlice makes the member alice (password "old password") with the
// user create command.
func createAlice(t *testing.T, db string) {
	t.Helper()
	if code, _, errOut := runCmd(t, "user", "create", "--db", db, "--username", "alice", "--email", "alice@example.com", "--password", "old password"); code != 0 {
		t.Fatalf("create: %s", errOut)
	}
}

// openTestStore opens db for a test to look at or set up between commands;
// the test closes it before the next command.
func openTestStore(t *testing.T, db string) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), db, models.Options{PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCmdIn(t, "", args...)
}

// runCmdIn runs a command with stdin as its standard input.
func runCmdIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCmd(t, "help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, cmd := range []string{"serve", "user create", "user role", "backup", "--db", "--addr", "--demo"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("help lacks %q", cmd)
		}
	}
	if code, _, errOut := runCmd(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
}

func TestUserCreateRoleAndBackup(t *testing.T) {
	dir := t.TempDir()
	db := testDatabase(t, "cc.db")
	code, out, errOut := runCmd(t, "user", "create", "--db", db, "--username", "boss", "--email", "boss@example.com", "--password", "long enough pw", "--role", "admin")
	if code != 0 || !strings.Contains(out, "Created boss (admin)") {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	code, _, errOut = runCmd(t, "user", "create", "--db", db, "--username", "boss", "--email", "x@example.com", "--password", "long enough pw")
	if code != 1 || !strings.Contains(errOut, "That username is taken.") {
		t.Fatalf("duplicate: %d %q", code, errOut)
	}
	// Flags may follow the positional arguments.
	if code, out, errOut := runCmd(t, "user", "role", "boss", "moderator", "--db", db); code != 0 || !strings.Contains(out, "boss is now moderator") {
		t.Fatalf("role: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "user", "role", "--db", db, "boss", "emperor"); code != 2 || !strings.Contains(errOut, `unknown role "emperor"`) {
		t.Fatalf("bad role: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "user", "role", "--db", db, "ghost", "admin"); code != 1 || !strings.Contains(errOut, `no user "ghost"`) {
		t.Fatalf("unknown user: %d %q", code, errOut)
	}

	backupPath := filepath.Join(dir, "backup.db")
	if code, out, errOut := runCmd(t, "backup", backupPath, "--db", db); code != 0 || !strings.Contains(out, "Backed up") {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "backup", backupPath, "--db", db); code != 1 || !strings.Contains(errOut, "exists") {
		t.Fatalf("backup over existing file: %d %q", code, errOut)
	}
	restored := restoreBackup(t, backupPath)
	u, err := restored.UserByUsername(context.Background(), "boss")
	if err != nil || u.Role != models.RoleModerator {
		t.Fatalf("restored user: %+v %v", u, err)
	}
}

var servingAt = regexp.MustCompile(`serving at (http://\S+) `)

// startServe runs "crowdcare serve" in the test process and returns its URL
// and a function that stops it (like Ctrl+C) and returns the exit code.
func startServe(t *testing.T, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), out, io.Discard)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingAt.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, func() int { cancel(); return <-done }
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("server did not start: %s", out.String())
	return "", nil, nil
}

func TestServeDemoSeedsOnceAndShutsDownCleanly(t *testing.T) {
	db := testDatabase(t, "demo.db")
	url, out, stop := startServe(t, "--db", db, "--demo")
	for _, want := range []string{`Demo login: username "demo", password "demo-password" (member`,
		`Demo login: username "sophie.northwind", password "demo-password" (ambassador`,
		`Demo login: username "admin", password "demo-password" (admin`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no demo login %s printed: %s", want, out.String())
		}
	}
	res, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "Broadband &amp; Wi-Fi") || !strings.Contains(string(body), "Solved") {
		t.Errorf("home page lacks demo content")
	}
	if code := stop(); code != 0 {
		t.Fatalf("shutdown exit %d", code)
	}
	// A second start neither duplicates the content nor forgets the logins.
	_, out, stop = startServe(t, "--db", db, "--demo")
	if code := stop(); code != 0 {
		t.Fatalf("second run exit %d", code)
	}
	if !strings.Contains(out.String(), `Demo content was added on first start`) ||
		!strings.Contains(out.String(), `Demo login: username "demo", password "demo-password"`) {
		t.Errorf("second start does not say how to log in: %s", out.String())
	}
	s, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.Threads(context.Background(), models.ThreadQuery{})
	if err != nil || list.Total != 29 { // the demo's 27 questions and 2 conversations from X, once
		t.Fatalf("threads after two demo starts = %d, %v", list.Total, err)
	}
}

func TestServeWithoutDemoAddsNoContent(t *testing.T) {
	db := testDatabase(t, "plain.db")
	_, _, stop := startServe(t, "--db", db)
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	s, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cats, _ := s.Categories(context.Background(), nil)
	n, _ := s.CountUsers(context.Background())
	if len(cats) != 1 || n != 0 {
		t.Fatalf("plain serve: %d categories, %d users", len(cats), n)
	}
}

func TestBenchInsightsTimesEveryPeriod(t *testing.T) {
	db := testDatabase(t, "cc.db")
	if code, _, errOut := runCmd(t, "corpus", "--db", db, "--threads", "200", "--posts", "1000"); code != 0 {
		t.Fatalf("corpus: %s", errOut)
	}
	code, out, errOut := runCmd(t, "bench", "insights", "--db", db, "--n", "2", "--mentions", "300")
	if code != 0 {
		t.Fatalf("bench insights: exit %d %s", code, errOut)
	}
	for _, want := range []string{"300 corpus mentions from X in the database.", "period", "7 days", "30 days", "90 days", "365 days (custom)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Run twice: the benchmark account and the mentions are made once and reused.
	code, out, errOut = runCmd(t, "bench", "insights", "--db", db, "--n", "1", "--mentions", "500")
	if code != 0 {
		t.Fatalf("second run: %s", errOut)
	}
	if !strings.Contains(out, "300 corpus mentions from X in the database.") {
		t.Errorf("mentions added twice:\n%s", out)
	}
}

// TestBenchImportReportsBothPaths: the import benchmark makes threads (or,
// with --triage, fills the inbox) from the files it generates and says how
// many, how fast and with how much memory.
func TestBenchImportReportsBothPaths(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--records", "3000", "--detect-language=false"},
			[]string{"Read 3000 records", "format twcs-csv", "Whole import with threads (", "Peak RSS:"}},
		{[]string{"--records", "3000", "--triage", "--detect-language=false"},
			[]string{"Whole import to the inbox (0 threads, 0 answers,", "Peak RSS:"}},
		{[]string{"--records", "2000", "--format", "archive"},
			[]string{"Read 2000 records", "format x-archive", "Whole import with threads ("}},
		{[]string{"--records", "2000", "--detect-language=false", "--floor"},
			[]string{"Whole import with threads (", "The same rows copied into an empty database, table by table:",
				"records/s (users ", ", threads ", ", posts ", ", social_items 2000 rows ", ", search_index ",
				"The same rows written from Go, each value bound as the import binds it (100 rows a statement, 20000 a transaction",
				"records/s (users ", "% of the floor's pace; the whole import at "}},
	} {
		code, out, errOut := runCmd(t, append([]string{"bench", "import"}, c.args...)...)
		if code != 0 {
			t.Fatalf("bench import %v: exit %d %s", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("bench import %v: output lacks %q:\n%s", c.args, w, out)
			}
		}
		if strings.Contains(out, "with threads (0 threads") {
			t.Errorf("bench import %v made no threads:\n%s", c.args, out)
		}
	}
}

// TestSynopsisFlagsAreTheCommandsFlags: every --flag a command's synopsis
// (help.go) names is one its flag set defines, so the two cannot drift apart.
func TestSynopsisFlagsAreTheCommandsFlags(t *testing.T) {
	flagName := regexp.MustCompile(`--([a-z][a-z-]*)`)
	for _, c := range commands() {
		if c.name == "help" {
			continue
		}
		code, out, _ := runCmd(t, append(strings.Fields(c.name), "--help")...)
		_, flags, ok := strings.Cut(out, "\nFlags:")
		if code != 0 || !ok {
			t.Errorf("%s --help: exit %d\n%s", c.name, code, out)
			continue
		}
		for _, m := range flagName.FindAllStringSubmatch(c.args, -1) {
			if !strings.Contains(flags, "\n  --"+m[1]+" ") && !strings.Contains(flags, "\n  --"+m[1]+"\n") {
				t.Errorf("%s: the synopsis names --%s, which is not one of its flags:\n%s", c.name, m[1], flags)
			}
		}
	}
}

// TestEveryCommandAnswersHelp: "COMMAND --help", "COMMAND -h" and "help
// COMMAND" print the same page to standard output and exit 0: what the
// command does, each of its flags with its default, and an example.
func TestEveryCommandAnswersHelp(t *testing.T) {
	for _, c := range []struct {
		cmd   string
		flags []string // "--name" or "--name TYPE (default ...)" fragments
	}{
		{"serve", []string{"--addr string", `(default "127.0.0.1:8080")`, "--db string", "--base-url", "--site-name", "--trust-proxy",
			"--page-rate float", "(default 10)", "--registrations-per-day int", "--shutdown-timeout duration", "(default 15s)", "--demo",
			"--smtp-host", "--smtp-port int", "--smtp-tls", "--email-max-age", "--x-query", "--x-interval", "--x-base-url", "--x-brand-handles"}},
		{"user create", []string{"--username string", "--email string", "--password string", "--role string", `(default "member")`, "--db"}},
		{"user role", []string{"--db string", `(default "./crowdcare.db")`}},
		{"user password", []string{"--db string"}},
		{"backup", []string{"--db string", "--data-dir string", "pg_dump"}},
		{"db copy", []string{"--from string", `(default "./crowdcare.db")`, "--to string", "one transaction"}},
		{"import tweets", []string{"--db", "--category string", `(default "general")`, "--brand-handle", "--triage", "--dry-run"}},
		{"reindex", []string{"--db"}},
		{"corpus", []string{"--threads int", "(default 100000)", "--posts int", "--seed", "--db"}},
		{"bench search", []string{"--n int", "(default 500)", "--db"}},
		{"bench import", []string{"--records int", "--format string", "--triage", "--detect-language", "--cpuprofile", "--floor"}},
		{"bench insights", []string{"--n int", "--mentions int", "--db"}},
		{"loadtest", []string{"--db", "--conns int", "(default 50)", "--duration duration", "(default 10s)"}},
	} {
		t.Run(c.cmd, func(t *testing.T) {
			words := strings.Fields(c.cmd)
			var first string
			for i, args := range [][]string{append(words, "--help"), append(words, "-h"), append([]string{"help"}, words...)} {
				code, out, errOut := runCmd(t, args...)
				if code != 0 || errOut != "" {
					t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
				}
				if i == 0 {
					first = out
				} else if out != first {
					t.Errorf("%v prints another page than --help:\n%s\n---\n%s", args, out, first)
				}
			}
			if !regexp.MustCompile(`\nExamples?:\n  crowdcare ` + c.cmd + ` `).MatchString(first) {
				t.Errorf("help has no example:\n%s", first)
			}
			for _, want := range append([]string{"Usage: crowdcare " + c.cmd, "Flags:\n"}, c.flags...) {
				if !strings.Contains(first, want) {
					t.Errorf("help lacks %q:\n%s", want, first)
				}
			}
			// bench import makes its own databases: its --db names only a
			// PostgreSQL server to make them on, never a database to import into.
			if c.cmd == "bench import" && strings.Contains(first, "--db") &&
				!strings.Contains(first, "each run imports into a new database made there and dropped after") {
				t.Errorf("bench import's --db must say the run makes its own database:\n%s", first)
			}
		})
	}
	// A group lists its commands.
	for _, group := range []string{"user", "bench", "db"} {
		code, out, _ := runCmd(t, group, "--help")
		if code != 0 || !strings.Contains(out, "crowdcare "+group+" ") || !strings.Contains(out, "crowdcare help "+group+" ") {
			t.Errorf("%s --help: exit %d\n%s", group, code, out)
		}
	}
	if code, out, _ := runCmd(t, "help", "user"); code != 0 || !strings.Contains(out, "user password USERNAME") {
		t.Errorf("help user: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, "help", "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("help frobnicate: exit %d %q", code, errOut)
	}
}

// TestErrorsNameTheFlagAndTheChoices: a refused command line says which
// flag or argument is wrong and what it may be, and points to the help.
func TestErrorsNameTheFlagAndTheChoices(t *testing.T) {
	db := testDatabase(t, "cc.db")
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"user", "create", "--db", db, "--username", "boss", "--password", "long enough pw"}, 2,
			[]string{"--email is required", "crowdcare help user create"}},
		{[]string{"user", "create", "--db", db, "--email", "boss@example.com", "--password", "long enough pw"}, 2, []string{"--username is required"}},
		{[]string{"user", "create", "--db", db, "--username", "boss", "--email", "boss@example.com"}, 2, []string{"--password is required"}},
		{[]string{"user", "create", "--db", db, "--username", "boss", "--email", "boss@example.com", "--password", "long enough pw", "--role", "boss"}, 2,
			[]string{`--role "boss"`, "member, superuser, ambassador, moderator, admin"}},
		{[]string{"user", "create", "--db", db, "--username", "boss", "--email", "not an address", "--password", "long enough pw"}, 1,
			[]string{"--email: Enter an email address like name@example.com."}},
		{[]string{"user", "create", "--db", db, "--username", "boss", "--email", "boss@example.com", "--password", "short"}, 1,
			[]string{"--password: Use at least 8 characters."}},
		{[]string{"user", "role", "--db", db, "boss", "emperor"}, 2, []string{`unknown role "emperor"`, "member, superuser, ambassador, moderator, admin"}},
		{[]string{"user", "role", "--db", db, "boss"}, 2, []string{"user role takes USERNAME and ROLE", "Usage: crowdcare user role USERNAME ROLE"}},
		{[]string{"user", "frob"}, 2, []string{`unknown user command "frob"`, "user create", "user role", "user password"}},
		{[]string{"backup", "--frob", "x.db"}, 2, []string{"unknown flag --frob", "crowdcare help backup"}},
		{[]string{"serve", "--page-rate", "fast"}, 2, []string{`invalid value "fast" for --page-rate`}},
		{[]string{"backup", "--db"}, 2, []string{"--db needs a value"}},
		{[]string{"bench", "frob"}, 2, []string{"bench search", "bench import", "bench insights"}},
		{[]string{"db"}, 2, []string{"db needs a command: copy", "db copy --from FILE"}},
		{[]string{"db", "copy", "--from", "x.db"}, 2, []string{"--to is required"}},
		{[]string{"db", "copy", "--to", "y.db"}, 2, []string{"--to y.db is not a postgres:// URL"}},
		{[]string{"db", "copy", "--from", "postgres://a@b/c", "--to", "postgres://a@b/d"}, 2, []string{"--from is a PostgreSQL URL", "pg_dump"}},
	} {
		code, _, errOut := runCmd(t, c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d: %s", c.args, code, c.code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", c.args, w, errOut)
			}
		}
		if strings.Contains(errOut, "Every command that touches data") {
			t.Errorf("%v: prints the whole manual instead of the command's usage:\n%s", c.args, errOut)
		}
	}
}

// TestUserPasswordFromStdin: an admin sets a locked-out member's password
// from standard input; the member's sessions end, their login failures are
// forgotten, and the web form's rules hold.
func TestUserPasswordFromStdin(t *testing.T) {
	db := testDatabase(t, "cc.db")
	createAlice(t, db)
	ctx := context.Background()
	s := openTestStore(t, db)
	defer s.Close()
	alice, err := s.UserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	phone, err := s.StartSession(ctx, alice.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// Locked out: too many wrong guesses from her address.
	const ip = "203.0.113.7"
	for {
		_, err := s.Authenticate(ctx, "alice", "forgotten", ip)
		if errors.Is(err, models.ErrThrottled) {
			break
		}
		if !errors.Is(err, models.ErrBadCredentials) {
			t.Fatal(err)
		}
	}

	for _, c := range []struct {
		stdin, want string
	}{
		{"short\n", "Use at least 8 characters."},
		{strings.Repeat("x", 73) + "\n", "Use at most 72 bytes."},
		{"", "no password on standard input"},
		{"\n", "Use at least 8 characters."},
	} {
		code, _, errOut := runCmdIn(t, c.stdin, "user", "password", "alice", "--db", db)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("stdin %q: exit %d, stderr %q, want %q", c.stdin, code, errOut, c.want)
		}
	}
	if _, _, err := s.SessionUser(ctx, phone); err != nil {
		t.Fatalf("a refused password ended the session: %v", err)
	}
	if code, _, errOut := runCmdIn(t, "new password 1\n", "user", "password", "ghost", "--db", db); code != 1 || !strings.Contains(errOut, `no user "ghost"`) {
		t.Errorf("unknown user: %d %q", code, errOut)
	}
	if code, _, errOut := runCmdIn(t, "new password 1\n", "user", "password", "--db", db); code != 2 || !strings.Contains(errOut, "user password takes one USERNAME") {
		t.Errorf("no username: %d %q", code, errOut)
	}

	// A trailing carriage return (a file from Windows) is not part of it; spaces are.
	code, out, errOut := runCmdIn(t, " new password 1 \r\n", "user", "password", "alice", "--db", db)
	if code != 0 || !strings.Contains(out, "Set a new password for alice") || !strings.Contains(out, "logged out") {
		t.Fatalf("set: exit %d %q %q", code, out, errOut)
	}
	if _, _, err := s.SessionUser(ctx, phone); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("her other session is still live: %v", err)
	}
	if _, err := s.Authenticate(ctx, "alice", " new password 1 ", ip); err != nil {
		t.Errorf("new password from her throttled address: %v", err)
	}
	if _, err := s.Authenticate(ctx, "alice", "old password", "198.51.100.1"); !errors.Is(err, models.ErrBadCredentials) {
		t.Errorf("old password: %v", err)
	}
}

// TestServeChecksTheAddressFirst: with the address taken, serve says so and
// stops before it creates or seeds a database or prints any login.
func TestServeChecksTheAddressFirst(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	db := testdb.SQLiteFile(t, "demo.db") // that no file is made: a SQLite file's test
	code, out, errOut := runCmd(t, "serve", "--demo", "--db", db, "--addr", taken.Addr().String())
	if code != 1 || !strings.Contains(errOut, "--addr "+taken.Addr().String()+": address already in use") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if out != "" {
		t.Errorf("printed before finding the address taken: %q", out)
	}
	if _, err := os.Stat(db); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("database made before finding the address taken: %v", err)
	}
}

// user send-reset queues the "forgot password" email with a working link;
// the server's mail worker sends it.
func TestUserSendReset(t *testing.T) {
	db := testDatabase(t, "cc.db")
	createAlice(t, db)
	if code, _, errOut := runCmd(t, "user", "send-reset", "alice", "--db", db); code != 2 || !strings.Contains(errOut, "--base-url is required") {
		t.Fatalf("without --base-url: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "user", "send-reset", "ghost", "--db", db, "--base-url", "https://forum.example"); code != 1 || !strings.Contains(errOut, `no user "ghost"`) {
		t.Fatalf("unknown user: %d %q", code, errOut)
	}
	code, out, errOut := runCmd(t, "user", "send-reset", "alice", "--db", db, "--base-url", "https://forum.example/", "--site-name", "Example Community")
	if code != 0 || !strings.Contains(out, "Queued a password-reset link for alice to alice@example.com") {
		t.Fatalf("send-reset: %d %q %q", code, out, errOut)
	}
	ctx := context.Background()
	s := openTestStore(t, db)
	defer s.Close()
	c, err := s.ClaimEmail(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`https://forum\.example/password/reset/([0-9a-f]{64})\n`).FindStringSubmatch(c.Body)
	if c.To != "alice@example.com" || !strings.Contains(c.Subject, "Example Community") || m == nil {
		t.Fatalf("email: %+v", c)
	}
	if _, err := s.ResetPassword(ctx, m[1], "a brand new password", "a brand new password"); err != nil {
		t.Fatalf("the emailed link: %v", err)
	}
}

// user send-reset refuses an account that cannot log in, in the words the
// web layer uses (handlers.NotAllowedText), not the refusal's kind.
func TestUserSendResetRefusesADeletedAccount(t *testing.T) {
	db := testDatabase(t, "cc.db")
	createAlice(t, db)
	ctx := context.Background()
	s := openTestStore(t, db)
	alice, err := s.UserByUsername(ctx, "alice")
	if err == nil {
		_, err = s.DeleteAccount(ctx, alice, alice.ID, models.DeleteAccount{Password: "old password"})
	}
	if err == nil {
		alice, err = s.UserByID(ctx, alice.ID)
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "user", "send-reset", alice.Username, "--db", db, "--base-url", "https://forum.example")
	if code != 1 || !strings.Contains(errOut, alice.Username+" cannot log in: no password to reset.") || strings.Contains(errOut, "no_password") {
		t.Fatalf("send-reset for a deleted account: %d %q %q", code, out, errOut)
	}
}

// user reset-2fa removes the second factors of someone who lost them all
// and ends their sessions.
func TestUserReset2FA(t *testing.T) {
	db := testDatabase(t, "cc.db")
	createAlice(t, db)
	ctx := context.Background()
	s := openTestStore(t, db)
	u, _ := s.UserByUsername(ctx, "alice")
	key, _ := models.NewTOTPKey("Forum", "alice")
	code, _ := totp.GenerateCode(key.Secret(), s.Now())
	if _, err := s.EnableTOTP(ctx, u, key.Secret(), code); err != nil {
		t.Fatal(err)
	}
	u, _ = s.UserByUsername(ctx, "alice")
	s.Close()
	if code, _, errOut := runCmd(t, "user", "reset-2fa", "ghost", "--db", db); code != 1 || !strings.Contains(errOut, `no user "ghost"`) {
		t.Fatalf("unknown user: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "user", "reset-2fa", "--db", db); code != 2 || !strings.Contains(errOut, "takes one USERNAME") {
		t.Fatalf("no user: %d %q", code, errOut)
	}
	rc, out, errOut := runCmd(t, "user", "reset-2fa", "alice", "--db", db)
	if rc != 0 || !strings.Contains(out, "Removed the second factors of alice") {
		t.Fatalf("reset-2fa: %d %q %q", rc, out, errOut)
	}
	s = openTestStore(t, db)
	defer s.Close()
	if f, err := s.SecondFactors(ctx, u.ID); err != nil || f.Any() || f.RecoveryLeft != 0 {
		t.Fatalf("after reset: %+v %v", f, err)
	}
	if after, _ := s.UserByID(ctx, u.ID); after.SessionEpoch == u.SessionEpoch {
		t.Fatal("sessions were not ended")
	}
}

// TestBackupCopiesLocalUploads: the attachments kept with the database
// (beside a SQLite file, under --data-dir for PostgreSQL) are copied next
// to its backup, after it; a bucket is named, not copied.
func TestBackupCopiesLocalUploads(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := testDatabase(t, "cc.db")
	uploads := models.FilesPath(db, os.Getenv("CROWDCARE_DATA_DIR"), "uploads")
	if code, _, errOut := runCmd(t, "user", "create", "--db", db, "--username", "boss", "--email", "boss@example.com",
		"--password", "long enough pw", "--role", "admin"); code != 0 {
		t.Fatal(errOut)
	}
	// Without uploads there is nothing to copy, and no directory is made.
	code, out, errOut := runCmd(t, "backup", filepath.Join(dir, "b1.db"), "--db", db)
	if code != 0 || !strings.Contains(out, "No attachments to copy") {
		t.Fatalf("backup without uploads: %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(uploads); !errors.Is(err, iofs.ErrNotExist) {
		t.Fatalf("the backup made an uploads directory: %v", err)
	}
	st, err := media.OpenStorage(ctx, uploads)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{media.FileKey("abcdefghijklmnopqrstuvwxyz"), media.ThumbKey("abcdefghijklmnopqrstuvwxyz")} {
		if err := st.Put(ctx, k, "image/jpeg", []byte("image bytes of "+k)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	backupPath := filepath.Join(dir, "b2.db")
	code, out, errOut = runCmd(t, "backup", backupPath, "--db", db)
	if code != 0 || !strings.Contains(out, "Copied 2 attachment files") {
		t.Fatalf("backup with uploads: %d %q %q", code, out, errOut)
	}
	got, err := os.ReadFile(filepath.Join(backupPath+".uploads", media.ThumbKey("abcdefghijklmnopqrstuvwxyz")))
	if err != nil || string(got) != "image bytes of "+media.ThumbKey("abcdefghijklmnopqrstuvwxyz") {
		t.Fatalf("copied thumbnail: %q %v", got, err)
	}
	// A bucket: the backup says how to back it up.
	code, out, errOut = runCmd(t, "backup", filepath.Join(dir, "b3.db"), "--db", db, "--uploads-url", mediatest.FakeS3(t, "files"))
	if code != 0 || !strings.Contains(out, "which this backup does not copy") || !strings.Contains(out, "s3://files") {
		t.Fatalf("backup with a bucket: %d %q %q", code, out, errOut)
	}
}

// TestServeRefusesAnUnknownLogLevel: CROWDCARE_LOG_LEVEL names one of
// slog's levels, and anything else stops the start with the choices.
func TestServeRefusesAnUnknownLogLevel(t *testing.T) {
	t.Setenv("CROWDCARE_LOG_LEVEL", "loud")
	db := testdb.SQLiteFile(t, "cc.db") // that no file is made: a SQLite file's test
	code, _, errOut := runCmd(t, "serve", "--db", db, "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, `CROWDCARE_LOG_LEVEL "loud": debug, info, warn or error`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(db); !errors.Is(err, iofs.ErrNotExist) {
		t.Errorf("database made with a bad log level: %v", err)
	}
}
