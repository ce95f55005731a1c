package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// bigDatabase makes a forum database with an account and about mb
// megabytes of filler rows, so that copying it takes a moment.
func bigDatabase(t *testing.T, dir string, mb int) string {
	t.Helper()
	db := filepath.Join(dir, "live.db")
	if code, out, errOut := runCmd(t, "user", "create", "--db", db, "--username", "boss", "--email", "boss@example.com",
		"--password", "long enough pw", "--role", "admin"); code != 0 {
		t.Fatalf("create user: %s %s", out, errOut)
	}
	raw, err := sql.Open("sqlite3", "file:"+db+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// Test data only: a table the application never reads.
	if _, err := raw.Exec(`CREATE TABLE test_filler (b BLOB);
		INSERT INTO test_filler SELECT randomblob(65536) FROM (
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i FROM n);
		PRAGMA wal_checkpoint(TRUNCATE)`, mb*16); err != nil {
		t.Fatal(err)
	}
	return db
}

// commandProcess prepares "crowdcare ARGS" as a child process (TestMain runs it).
func commandProcess(args string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "CROWDCARE_TEST_SERVE=1", "CROWDCARE_TEST_ARGS="+args), env...)
	return cmd
}

// othersIn lists the files in dir that are not the live database's.
func othersIn(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "live.db") {
			continue
		}
		if info, err := e.Info(); err == nil {
			out[e.Name()] = info.Size()
		}
	}
	return out
}

// TestKilledBackupLeavesNoFileUnderItsName kills "crowdcare backup" with
// SIGKILL while it writes the copy: nothing may be left under the name the
// operator asked for, since a file there would be taken for a backup.
func TestKilledBackupLeavesNoFileUnderItsName(t *testing.T) {
	dir := t.TempDir()
	db := bigDatabase(t, dir, 160)
	target := filepath.Join(dir, "backup.db")
	cmd := commandProcess("backup " + target + " --db " + db)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Kill as soon as the copy has some bytes in it, wherever it is written.
	killed := false
	for !killed {
		select {
		case err := <-done:
			t.Fatalf("the backup ended (%v) before it could be killed; make the database bigger: %s", err, out.String())
		case <-time.After(2 * time.Millisecond):
		}
		for name, size := range othersIn(t, dir) {
			if size > 0 {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				t.Logf("killed while %s had %d bytes", name, size)
				killed = true
				break
			}
		}
	}
	<-done
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a killed backup left a file under its name: %v", err)
	}
	// A backup run again after the kill is whole.
	code, stdout, errOut := runCmd(t, "backup", target, "--db", db)
	if code != 0 || !strings.Contains(stdout, "integrity_check ok") {
		t.Fatalf("backup after the kill: %d %q %q", code, stdout, errOut)
	}
}

// TestBackupToAFullDiskLeavesNothing runs the backup with a file size limit
// (RLIMIT_FSIZE, which binds root too) smaller than the copy: the write
// fails as on a full disk, the command says so and leaves no file behind.
func TestBackupToAFullDiskLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	db := bigDatabase(t, dir, 8)
	target := filepath.Join(dir, "backup.db")
	cmd := commandProcess("backup "+target+" --db "+db, "CROWDCARE_TEST_FSIZE="+strconv.Itoa(2<<20))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("backup to a full disk: %v, want exit 1; %s %s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "backup to "+target) || !strings.Contains(stderr.String(), "nothing was written under") {
		t.Errorf("the error does not say the backup failed and left nothing: %q", stderr.String())
	}
	if left := othersIn(t, dir); len(left) > 0 {
		t.Fatalf("a failed backup left %v", left)
	}
	// The live database is untouched.
	s, err := models.Open(context.Background(), db, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, err := s.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Fatalf("integrity check of the live database: %q %v", res, err)
	}
}

// restoreBackup restores a backup as docs/operations.md says and opens
// it: a SQLite backup is the database file itself; a PostgreSQL one
// (pg_dump's custom format) goes into an empty database with pg_restore.
func restoreBackup(t *testing.T, file string) *models.Store {
	t.Helper()
	ctx := context.Background()
	loc := file
	if testdb.Postgres() {
		loc = testdb.Location(t, "restored.db")
		// A new database comes migrated; the restore goes into an empty one.
		raw := testdb.Raw(t, loc)
		if _, err := raw.ExecContext(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		out, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname="+loc, file).CombinedOutput()
		if err != nil {
			t.Fatalf("pg_restore: %v: %s", err, out)
		}
	}
	s, err := models.Open(ctx, loc, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if res, err := s.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity check of the restored database: %q %v", res, err)
	}
	return s
}

// TestBackupSaysHowWithoutPgDump: a backup needs no program on SQLite; on
// PostgreSQL without pg_dump on PATH it makes no file, exits 1 and prints
// the pg_dump command to run, without the password.
func TestBackupSaysHowWithoutPgDump(t *testing.T) {
	db := testDatabase(t, "cc.db")
	if code, _, errOut := runCmd(t, "user", "create", "--db", db, "--username", "boss", "--email", "boss@example.com",
		"--password", "long enough pw"); code != 0 {
		t.Fatal(errOut)
	}
	t.Setenv("PATH", t.TempDir()) // no program at all
	target := filepath.Join(t.TempDir(), "backup")
	code, out, errOut := runCmd(t, "backup", target, "--db", db)
	if !testdb.Postgres() {
		if code != 0 || !strings.Contains(out, "integrity_check ok") {
			t.Fatalf("SQLite backup without PATH: %d %q %q", code, out, errOut)
		}
		return
	}
	if code != 1 || !strings.Contains(errOut, "pg_dump is not installed here (not on PATH), so no backup was made") ||
		!strings.Contains(errOut, "pg_dump --format=custom --file="+target+" ") {
		t.Fatalf("PostgreSQL backup without pg_dump: %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a file was left: %v", err)
	}
}
