package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

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

// TableRows is how many rows a table holds.
type TableRows struct {
	Name string
	Rows int64
}

// Rows is the rows in every table of the copy.
func (r BackupReport) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// Backup writes a consistent copy of the live database to path while it
// keeps serving, and names it path only once it is whole: VACUUM INTO writes
// a temporary file beside path (one snapshot, on a connection of its own:
// readers are query-only and the writer must stay free for the site), which
// is flushed to disk and checked (integrity_check, the schema, each table's
// rows) before it is renamed. If anything fails, or the process is killed,
// nothing is left under path; a killed backup leaves its hidden
// ".NAME.*.partial" file, which may be deleted. An existing path is never
// replaced.
//
// On PostgreSQL it runs pg_dump instead (pgDumpBackup), with the same
// promises.
func (s *Store) Backup(ctx context.Context, path string) (rep BackupReport, err error) {
	if s.engine == db.Postgres {
		return s.pgDumpBackup(ctx, path)
	}
	if err := absent(path); err != nil {
		return rep, err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.partial")
	if err != nil {
		return rep, fmt.Errorf("backup to %s: %w", path, err)
	}
	tmp := f.Name()
	if err := f.Close(); err != nil {
		return rep, fmt.Errorf("backup to %s: %w", path, err)
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
	live, unchanged, err := s.snapshotInto(ctx, tmp)
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
func (s *Store) snapshotInto(ctx context.Context, tmp string) (live []TableRows, unchanged bool, err error) {
	db, err := sql.Open("sqlite3", db.SQLiteDSN(s.path, db.ConnBackup, DefaultLockWait))
	if err != nil {
		return nil, false, fmt.Errorf("open backup connection: %w", err)
	}
	defer db.Close()
	// PRAGMA data_version is per connection: everything on one.
	conn, err := db.Conn(ctx)
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
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return rep, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check(20)`)
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
	if rep.SchemaVersion, err = schemaVersion(ctx, db); err != nil {
		return rep, err
	}
	if rep.SchemaVersion == 0 {
		return rep, errors.New("the copy has no migrations applied")
	}
	if rep.Tables, err = countTables(ctx, db); err != nil {
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

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion is the last migration applied to the database q reads.
// is_applied is an INTEGER on SQLite and a boolean on PostgreSQL: tested
// as a truth value, the text serves both.
func schemaVersion(ctx context.Context, q queryer) (int64, error) {
	var v int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// countTables counts the rows of every ordinary table (the search index's
// shadow tables included), in name order.
func countTables(ctx context.Context, q queryer) ([]TableRows, error) {
	names, err := column[string](q.QueryContext(ctx, `SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name`))
	if err != nil {
		return nil, err
	}
	out := make([]TableRows, 0, len(names))
	for _, name := range names {
		t := TableRows{Name: name}
		// The name comes from the schema itself, quoted as an identifier.
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(name, `"`, `""`)+`"`).Scan(&t.Rows); err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// syncPath flushes a file, or a directory's entries, to disk.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
