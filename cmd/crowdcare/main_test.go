package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

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

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
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
	db := filepath.Join(dir, "cc.db")
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
	if code, _, errOut := runCmd(t, "user", "role", "--db", db, "boss", "emperor"); code != 1 || !strings.Contains(errOut, "Unknown role") {
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
	restored, err := models.Open(context.Background(), backupPath, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
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
	go func() { done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), out, io.Discard) }()
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
	db := filepath.Join(t.TempDir(), "demo.db")
	url, out, stop := startServe(t, "--db", db, "--demo")
	if !strings.Contains(out.String(), `Demo login: username "demo", password "demo-password"`) {
		t.Errorf("no demo login printed: %s", out.String())
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
	if !strings.Contains(out.String(), `log in as "demo"`) {
		t.Errorf("second start does not say how to log in: %s", out.String())
	}
	s, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.Threads(context.Background(), models.ThreadQuery{})
	if err != nil || list.Total != 27 { // the demo's 27 questions, once
		t.Fatalf("threads after two demo starts = %d, %v", list.Total, err)
	}
}

func TestServeWithoutDemoAddsNoContent(t *testing.T) {
	db := filepath.Join(t.TempDir(), "plain.db")
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
	db := filepath.Join(t.TempDir(), "cc.db")
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
				"records/s (users ", ", threads ", ", posts ", ", social_items 2000 rows ", ", search_index "}},
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
