package ops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// BackupReport is what Backup checked in the copy before giving it its name.
type BackupReport struct {
	// Engine is the database backed up: a SQLite file copied to a SQLite
	// file, or PostgreSQL dumped by pg_dump.
	Engine db.Engine
	// Tool is the program that made the copy (pg_dump --version); "" for
	// SQLite's own VACUUM INTO.
	Tool  string
	Bytes int64
	// Integrity is what PRAGMA integrity_check said of the copy: "ok". For
	// a dump, "ok" once pg_restore read it back.
	Integrity string
	// SchemaVersion is the copy's last migration.
	SchemaVersion int64
	// Tables are the rows in each table of the copy. For a dump, the tables
	// whose data it holds, uncounted (Rows -1).
	Tables []TableRows
	// Compared: the database took no write while it was copied, so each
	// table's count was compared with the database's and found equal.
	// Otherwise the copy is a snapshot of a moving database and only its
	// own soundness was checked.
	Compared bool
}

// Rows is the rows in every table of the copy.
func (r BackupReport) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// sqliteBackend is the operations' back-end on SQLite: the database is the
// file at path.
type sqliteBackend struct {
	db       *db.DB
	path     string
	lockWait time.Duration
}

// Integrity runs SQLite's integrity check on a connection of its own (see
// Ops.IntegrityCheck).
func (b sqliteBackend) Integrity(ctx context.Context) (string, error) {
	conn, err := sql.Open("sqlite3", db.SQLiteDSN(b.path, db.ConnReader, b.db.LockWait()))
	if err != nil {
		return "", fmt.Errorf("open integrity-check connection: %w", err)
	}
	defer conn.Close()
	var res string
	if err := conn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	return res, nil
}

// Backup is Ops.Backup on SQLite: VACUUM INTO a hidden temporary file
// beside path, flushed, checked and renamed.
func (b sqliteBackend) Backup(ctx context.Context, path string) (rep BackupReport, err error) {
	if err := absent(path); err != nil {
		return rep, err
	}
	tmp, dir, err := partialFile(path)
	if err != nil {
		return rep, err
	}
	defer func() {
		if err != nil {
			for _, p := range []string{tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"} {
				if rmErr := os.Remove(p); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
					err = errors.Join(err, rmErr)
				}
			}
		}
	}()
	live, unchanged, err := b.snapshotInto(ctx, tmp)
	if err != nil {
		return rep, fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := syncPath(tmp); err != nil {
		return rep, fmt.Errorf("backup to %s: flush: %w", path, err)
	}
	if rep, err = checkCopy(ctx, tmp); err != nil {
		return rep, fmt.Errorf("backup to %s: check the copy: %w", path, err)
	}
	rep.Engine = db.SQLite
	if unchanged {
		if err := sameRows(live, rep.Tables); err != nil {
			return rep, fmt.Errorf("backup to %s: check the copy: %w", path, err)
		}
		rep.Compared = true
	}
	return publishBackup(rep, tmp, path, dir)
}

// publishBackup gives the checked copy tmp (in dir) its name path, which
// must still be free, and flushes the directory: rep gains the copy's size.
func publishBackup(rep BackupReport, tmp, path, dir string) (BackupReport, error) {
	info, err := os.Stat(tmp)
	if err != nil {
		return rep, fmt.Errorf("backup to %s: %w", path, err)
	}
	rep.Bytes = info.Size()
	if err := absent(path); err != nil {
		return rep, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return rep, fmt.Errorf("backup to %s: %w", path, err)
	}
	// The new name is on disk too, not only the data.
	if err := syncPath(dir); err != nil {
		return rep, fmt.Errorf("backup to %s: the copy is complete but its directory could not be flushed: %w", path, err)
	}
	return rep, nil
}

// absent refuses a path that exists.
func absent(path string) error {
	_, err := os.Lstat(path)
	switch {
	case err == nil:
		return fmt.Errorf("backup to %s: %w", path, fs.ErrExist)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// snapshotInto copies the database into tmp with VACUUM INTO, then counts
// the database's rows. unchanged reports that no other connection committed
// from before the copy until the count, so the copy must hold those counts.
func (b sqliteBackend) snapshotInto(ctx context.Context, tmp string) (live []TableRows, unchanged bool, err error) {
	backup, err := sql.Open("sqlite3", db.SQLiteDSN(b.path, db.ConnBackup, b.lockWait))
	if err != nil {
		return nil, false, fmt.Errorf("open backup connection: %w", err)
	}
	defer backup.Close()
	// PRAGMA data_version is per connection: everything on one.
	conn, err := backup.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("open backup connection: %w", err)
	}
	defer conn.Close()
	var before, after int64
	if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&before); err != nil {
		return nil, false, fmt.Errorf("data version: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return nil, false, fmt.Errorf("copy: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("count the database's rows: %w", err)
	}
	defer tx.Rollback()
	if live, err = countTables(ctx, tx); err != nil {
		return nil, false, fmt.Errorf("count the database's rows: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&after); err != nil {
		return nil, false, fmt.Errorf("data version: %w", err)
	}
	return live, before == after, nil
}

// checkCopy opens the copy read-only and checks it is a whole Crowdcare
// database: integrity_check passes, it is migrated, and it has tables.
func checkCopy(ctx context.Context, path string) (BackupReport, error) {
	var rep BackupReport
	copied, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return rep, err
	}
	defer copied.Close()
	copied.SetMaxOpenConns(1)
	rows, err := copied.QueryContext(ctx, `PRAGMA integrity_check(20)`)
	if err != nil {
		return rep, fmt.Errorf("integrity check: %w", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return rep, fmt.Errorf("integrity check: %w", err)
		}
		problems = append(problems, line)
	}
	if err := rows.Close(); err != nil {
		return rep, fmt.Errorf("integrity check: %w", err)
	}
	rep.Integrity = strings.Join(problems, "; ")
	if rep.Integrity != "ok" {
		return rep, fmt.Errorf("integrity check: %s", rep.Integrity)
	}
	if rep.SchemaVersion, err = SchemaVersion(ctx, copied); err != nil {
		return rep, err
	}
	if rep.SchemaVersion == 0 {
		return rep, errors.New("the copy has no migrations applied")
	}
	if rep.Tables, err = countTables(ctx, copied); err != nil {
		return rep, fmt.Errorf("count rows: %w", err)
	}
	return rep, nil
}

// sameRows compares the database's counts with the copy's.
func sameRows(live, copied []TableRows) error {
	have := map[string]int64{}
	for _, t := range copied {
		have[t.Name] = t.Rows
	}
	if len(live) != len(copied) {
		return fmt.Errorf("the copy has %d tables, the database %d", len(copied), len(live))
	}
	for _, t := range live {
		n, ok := have[t.Name]
		switch {
		case !ok:
			return fmt.Errorf("the copy lacks table %s", t.Name)
		case n != t.Rows:
			return fmt.Errorf("table %s has %d rows in the copy, %d in the database", t.Name, n, t.Rows)
		}
	}
	return nil
}

// partialFile makes the hidden file a backup to path is written into
// (".NAME.*.partial", beside path, so the final rename stays on one file
// system) and returns its name and the directory.
func partialFile(path string) (tmp, dir string, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.partial")
	if err != nil {
		return "", "", fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", "", fmt.Errorf("backup to %s: %w", path, err)
	}
	return f.Name(), dir, nil
}
