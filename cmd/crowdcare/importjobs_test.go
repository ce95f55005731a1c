package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// importState is what an import leaves: threads, posts (questions and
// answers) and the social items by status.
func importState(t *testing.T, db string) string {
	t.Helper()
	s := openDB(t, db)
	defer s.Close()
	conn := rawDB(t, db)
	var out []string
	for _, q := range []string{
		`SELECT 'threads', COUNT(*) FROM threads`,
		`SELECT 'posts', COUNT(*) FROM posts`,
		`SELECT 'answers', COUNT(*) FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id != t.question_id`,
		`SELECT 'item ' || status, COUNT(*) FROM social_items GROUP BY status`,
	} {
		rows, err := conn.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s=%d", k, n))
		}
		rows.Close()
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// shuffledSupportCSV writes the generated support conversations with their
// records in reverse order: replies come before their parents, so many
// conversations wait for a later batch (the end of the import).
func shuffledSupportCSV(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "support.csv")
	if err := writeSupportCSV(path, n); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	body := lines[1:]
	slices.Reverse(body)
	if err := os.WriteFile(path, []byte(lines[0]+"\n"+strings.Join(body, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// storedItems counts the items a running import committed so far.
func storedItems(conn *sql.DB) int {
	var n int
	if conn.QueryRow(`SELECT COUNT(*) FROM social_items`).Scan(&n) != nil {
		return 0
	}
	return n
}

// TestKilledImportResumesToACleanImport: the real "crowdcare import tweets"
// killed with SIGKILL part-way, then run again on the same file, leaves
// exactly what one clean import of the file leaves (threads, answers, inbox
// counts); the second run says the first was interrupted, and its job row
// says so with what it stored.
func TestKilledImportResumesToACleanImport(t *testing.T) {
	if testing.Short() {
		t.Skip("imports a generated file three times")
	}
	file := shuffledSupportCSV(t, 60000)
	args := []string{"import", "tweets", "--brand-handle", "ExampleCare"}

	clean := testdb.Location(t, "clean.db")
	if code, out, errOut := runCmd(t, append(args, "--db", clean, file)...); code != 0 {
		t.Fatalf("clean import: exit %d: %s %s", code, out, errOut)
	}
	want := importState(t, clean)

	db := testdb.Location(t, "killed.db")
	watch := rawDB(t, db)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CROWDCARE_TEST_SERVE=1", "CROWDCARE_TEST_ARGS="+strings.Join(append(args, "--db", db, file), " "))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for storedItems(watch) < 15000 {
		select {
		case err := <-exited:
			t.Fatalf("the import ended before it could be killed (%v): make the file larger", err)
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("the import stored nothing in two minutes")
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	killed := importState(t, db)
	if killed == want {
		t.Fatalf("the kill came too late to test anything: %s", killed)
	}
	t.Logf("after the kill: %s", killed)

	code, out, errOut := runCmd(t, append(args, "--db", db, file)...)
	if code != 0 {
		t.Fatalf("re-run: exit %d: %s %s", code, out, errOut)
	}
	mustHave(t, out, "An earlier import was interrupted: job 1 (cli, "+file, "This run finishes converting what it left waiting.")
	if got := importState(t, db); got != want {
		t.Errorf("killed + re-run:\n%s\nclean import:\n%s", got, want)
	}
	s := openDB(t, db)
	j, err := s.ImportJob(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != models.JobInterrupted || j.Stored < 15000 || j.ResumedBy != 2 || j.FinishedAt.IsZero() {
		t.Errorf("the killed job: %+v", j)
	}
	if j2, err := s.ImportJob(context.Background(), 2); err != nil || j2.Status != models.JobDone {
		t.Errorf("the re-run's job: %+v %v", j2, err)
	}
}

func mustHave(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}
