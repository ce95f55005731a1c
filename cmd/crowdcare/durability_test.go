package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// TestMain lets this test binary act as the real server in a child process
// (CROWDCARE_TEST_SERVE=1), so the durability test needs no separate build.
func TestMain(m *testing.M) {
	if os.Getenv("CROWDCARE_TEST_SERVE") == "1" {
		if n, err := strconv.ParseUint(os.Getenv("CROWDCARE_TEST_FSIZE"), 10, 64); err == nil {
			// The largest file the child may write, as "ulimit -f" (a full disk).
			var lim syscall.Rlimit
			if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err == nil {
				lim.Cur = n
				err = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "set RLIMIT_FSIZE:", err)
				os.Exit(3)
			}
		}
		// As main: SIGTERM and Ctrl+C cancel the command's context.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, strings.Fields(os.Getenv("CROWDCARE_TEST_ARGS")), os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// serverProcess starts "crowdcare serve" as a child process and returns its URL.
func serverProcess(t *testing.T, db string) (*exec.Cmd, string) {
	t.Helper()
	cmd, u, _ := serveProcess(t, "--db", db)
	return cmd, u
}

// serveProcess starts "crowdcare serve ARGS" as a child process and returns
// it, its URL and what it logs.
func serveProcess(t *testing.T, args ...string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CROWDCARE_TEST_SERVE=1", "CROWDCARE_TEST_ARGS=serve --addr 127.0.0.1:0 "+strings.Join(args, " "))
	logs := &syncBuffer{}
	cmd.Stderr = logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	found, ended := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(ended) // the child closed its output: it exited
		for lines.Scan() {
			if m := servingAt.FindStringSubmatch(lines.Text() + " "); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return cmd, u, logs
	case <-ended:
		t.Fatalf("server exited: %s", logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start")
	}
	return nil, "", nil
}

type browser struct {
	http *http.Client
	base string
}

func newBrowser(base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// token reads the CSRF token from a page's form: the logout form when
// logged in, the login form otherwise.
func (b *browser) token() (string, error) {
	for _, page := range []string{"/", "/login"} {
		res, err := b.http.Get(b.base + page)
		if err != nil {
			return "", err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if m := csrfField.FindSubmatch(body); m != nil {
			return string(m[1]), nil
		}
	}
	return "", fmt.Errorf("no CSRF token on / or /login")
}

func (b *browser) post(path string, form url.Values) (*http.Response, error) {
	tok, err := b.token()
	if err != nil {
		return nil, err
	}
	form.Set("_csrf", tok)
	res, err := b.http.PostForm(b.base+path, form)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, nil
}

// TestKillDuringWritesLosesNothingAcknowledged posts answers from several
// goroutines, kills the server with SIGKILL mid-load, restarts it, and checks
// that every answer that got a success response is there and the database
// passes SQLite's integrity check.
func TestKillDuringWritesLosesNothingAcknowledged(t *testing.T) {
	// SQLite's durability across a killed process (WAL, synchronous=NORMAL).
	db := testdb.SQLiteFile(t, "durable.db")
	for i := 0; i < 4; i++ {
		// Admins: the per-member posting limit does not apply to staff.
		if code, out, errOut := runCmd(t, "user", "create", "--db", db, "--username", fmt.Sprintf("writer%d", i),
			"--email", fmt.Sprintf("w%d@example.com", i), "--password", "long enough pw", "--role", "admin"); code != 0 {
			t.Fatalf("create user: %s %s", out, errOut)
		}
	}
	cmd, base := serverProcess(t, db)
	first := newBrowser(base)
	if res, err := first.post("/login", url.Values{"username": {"writer0"}, "password": {"long enough pw"}}); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", res, err)
	}
	res, err := first.post("/ask", url.Values{"title": {"Durability test thread"}, "category": {"general"}, "body": {"Answers are posted here while the server is killed."}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ask: %v %v", res, err)
	}
	threadPath := res.Header.Get("Location")
	threadID := strings.Split(threadPath, "/")[2]

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			b := newBrowser(base)
			if res, err := b.post("/login", url.Values{"username": {fmt.Sprintf("writer%d", w)}, "password": {"long enough pw"}}); err != nil || res.StatusCode != http.StatusSeeOther {
				return
			}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				res, err := b.post("/t/"+threadID+"/answers", url.Values{"body": {fmt.Sprintf("Answer %d from writer %d, written under load.", n, w)}})
				if err != nil {
					return // the server is gone
				}
				if res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/p/") {
					mu.Lock()
					acked = append(acked, strings.TrimPrefix(res.Header.Get("Location"), "/p/"))
					mu.Unlock()
				}
			}
		}(w)
	}
	// Kill once the writers are well under way, however slow the machine
	// (logging in four writers with bcrypt can take seconds on a busy one).
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 20 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	mu.Lock()
	ids := append([]string(nil), acked...)
	mu.Unlock()
	if len(ids) < 5 {
		t.Fatalf("only %d answers acknowledged before the kill", len(ids))
	}

	// Restart on the same file and look for every acknowledged answer.
	_, base = serverProcess(t, db)
	b := newBrowser(base)
	for _, id := range ids {
		res, err := b.http.Get(base + "/p/" + id)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "#p"+id) {
			t.Errorf("acknowledged answer %s lost after SIGKILL: %d", id, res.StatusCode)
		}
	}
	s, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, err := s.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Fatalf("integrity check: %q %v", res, err)
	}
	t.Logf("%d acknowledged answers all present after SIGKILL", len(ids))
}
