package ops_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/ops"
)

// TestBackupChecksTheCopy: the suite's engine's back-end (NewBackend, by
// engine) finds the live database sound, copies it into a file named only
// once whole and checked, reports what it checked (the tool, the schema
// version, the tables), leaves no partial file, and never replaces an
// existing file.
func TestBackupChecksTheCopy(t *testing.T) {
	ctx := context.Background()
	loc := testdb.Location(t, "ops.db")
	s, err := models.Open(ctx, loc, models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	o := ops.New(s.DB(), ops.Config{Location: loc, BackupLockWait: models.DefaultLockWait, NotFound: errNotFound})
	if _, err := o.AcquireLease(ctx, "mail", "me", models.DefaultLockWait); err != nil {
		t.Fatal(err)
	}

	if res, err := o.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity check of the live database (%s): %q, %v", testdb.Engine(), res, err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "forum.backup")
	rep, err := o.Backup(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	want := db.SQLite
	if testdb.Postgres() {
		want = db.Postgres
	}
	if rep.Engine != want {
		t.Errorf("backed up as engine %v, want %v", rep.Engine, want)
	}
	if testdb.Postgres() != strings.HasPrefix(rep.Tool, "pg_dump") {
		t.Errorf("made by %q on %s", rep.Tool, testdb.Engine())
	}
	if rep.Integrity != "ok" {
		t.Errorf("the copy's integrity: %q", rep.Integrity)
	}
	live, err := ops.SchemaVersion(ctx, s.DB().Primary())
	if err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != live || live == 0 {
		t.Errorf("the copy is at schema version %d, the database at %d", rep.SchemaVersion, live)
	}
	var names []string
	for _, tr := range rep.Tables {
		names = append(names, tr.Name)
		// A dump's tables are listed, not counted.
		if testdb.Postgres() && tr.Rows != -1 {
			t.Errorf("a dump counted %d rows in %s", tr.Rows, tr.Name)
		}
		if !testdb.Postgres() && tr.Name == "leases" && tr.Rows != 1 {
			t.Errorf("the copy holds %d leases, want the one taken", tr.Rows)
		}
	}
	for _, table := range []string{"users", "threads", "posts", "leases", "settings"} {
		if !slices.Contains(names, table) {
			t.Errorf("the report lacks table %s: %v", table, names)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() != rep.Bytes || rep.Bytes == 0 {
		t.Errorf("the copy has %d bytes, the report says %d", info.Size(), rep.Bytes)
	}

	// A second backup to the same name is refused and changes nothing.
	if _, err := o.Backup(ctx, path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("a backup onto an existing file: %v, want fs.ErrExist", err)
	}
	if again, err := os.Stat(path); err != nil || again.Size() != info.Size() || !again.ModTime().Equal(info.ModTime()) {
		t.Errorf("the existing copy changed: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var left []string
		for _, e := range entries {
			left = append(left, e.Name())
		}
		t.Errorf("the backups left %v, want only forum.backup", left)
	}
}
