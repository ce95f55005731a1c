// Package ops is the database's operations, the work an operator or the
// server's background jobs do on the database as a whole rather than on a
// domain's rows: the backup (Backup: SQLite's VACUUM INTO into a checked
// copy, PostgreSQL's pg_dump read back by pg_restore), the integrity check
// (IntegrityCheck), `crowdcare db copy` from a SQLite file into a
// PostgreSQL database (CopyTables), the row copy of the import floor
// (CopyRowsFrom), the leases that let one server of several do a
// background job (AcquireLease, RenewLease, ReleaseLease, LeaseHolder),
// and the helpers they share (SchemaVersion, the tables' row counts).
//
// The per-engine parts, the backup and the integrity check, are behind a
// small interface, Backend, with a SQLite and a PostgreSQL implementation
// chosen by the database's engine (NewBackend), as models/search chooses
// its index. They live here rather than in models/db because they know
// what a Crowdcare database is (goose's version table, the migrations this
// binary carries, its tables) and write files; models/db stays the thin
// layer of pools and transactions.
//
// It takes the database layer, a *db.DB (models/db), and a Config: where
// the database is (a SQLite file's path or a PostgreSQL URL: the backup
// opens a connection of its own there, pg_dump connects to it), the lock
// wait of the backup's connection, and the store's not-found error; it
// imports nothing of models. models.Store embeds an *Ops, so its methods
// are the store's (store.Backup, store.AcquireLease, …).
//
// Still in models: Store.CopyInto, which calls CopyTables and then
// rebuilds the search index on the target (models/search's index, built
// from the forum's rows, is the store's) and clears the mark that asks for
// that rebuild; and Store.Health, which reads SchemaVersion.
package ops

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// Config is what Ops needs besides the database layer.
type Config struct {
	// Location is the database: a SQLite file's path, or a PostgreSQL URL.
	Location string
	// BackupLockWait is how long SQLite's backup connection waits for a
	// lock.
	BackupLockWait time.Duration
	// NotFound is the error returned for a lease nobody holds (the store's
	// ErrNotFound).
	NotFound error
}

// Ops runs the database's operations over d.
type Ops struct {
	db       *db.DB
	cfg      Config
	backend  Backend
	notFound error
}

// New is the operations over the database d, which is at cfg.Location.
func New(d *db.DB, cfg Config) *Ops {
	return &Ops{db: d, cfg: cfg, backend: NewBackend(d, cfg.Location, cfg.BackupLockWait), notFound: cfg.NotFound}
}

// Backend is what differs between the engines in the operations: the
// backup and the integrity check.
type Backend interface {
	// Backup writes a checked copy of the live database to path (see
	// Ops.Backup).
	Backup(ctx context.Context, path string) (BackupReport, error)
	// Integrity checks the live database: "ok" when it is sound, or the
	// problems found.
	Integrity(ctx context.Context) (string, error)
}

// NewBackend is the operations' back-end of d's engine, for the database
// at location; lockWait is SQLite's backup connection's lock wait.
func NewBackend(d *db.DB, location string, lockWait time.Duration) Backend {
	if d.Engine() == db.Postgres {
		return pgBackend{db: d, url: location}
	}
	return sqliteBackend{db: d, path: location, lockWait: lockWait}
}

// Backup writes a consistent copy of the live database to path while it
// keeps serving, and names it path only once it is whole and checked. On
// SQLite, VACUUM INTO writes a temporary file beside path (one snapshot, on
// a connection of its own: readers are query-only and the writer must stay
// free for the site), which is flushed to disk and checked (integrity_check,
// the schema, each table's rows) before it is renamed. On PostgreSQL it
// runs pg_dump instead, with the same promises (pgBackend.Backup). If
// anything fails, or the process is killed, nothing is left under path; a
// killed backup leaves its hidden ".NAME.*.partial" file, which may be
// deleted. An existing path is never replaced.
func (o *Ops) Backup(ctx context.Context, path string) (BackupReport, error) {
	return o.backend.Backup(ctx, path)
}

// IntegrityCheck checks the database; "ok" means it is sound. On SQLite it
// is SQLite's integrity check, on a connection of its own: on a pooled
// connection that has read the search index before, FTS5 checks against
// state it cached and reports a checksum mismatch that a fresh connection
// (and the writer) do not see. On PostgreSQL, what can be checked from a
// connection (pgBackend.Integrity).
func (o *Ops) IntegrityCheck(ctx context.Context) (string, error) {
	return o.backend.Integrity(ctx)
}

// Queryer reads: a *sql.DB, *sql.Tx or *sql.Conn.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// SchemaVersion is the last migration applied to the database q reads.
// is_applied is an INTEGER on SQLite and a boolean on PostgreSQL: tested
// as a truth value, the text serves both.
func SchemaVersion(ctx context.Context, q Queryer) (int64, error) {
	var v int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// TableRows is how many rows a table holds.
type TableRows struct {
	Name string
	Rows int64
}

// countTables counts the rows of every ordinary table of a SQLite
// database (the search index's shadow tables included), in name order.
func countTables(ctx context.Context, q Queryer) ([]TableRows, error) {
	names, err := db.Column[string](q.QueryContext(ctx, `SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name`))
	if err != nil {
		return nil, err
	}
	out := make([]TableRows, 0, len(names))
	for _, name := range names {
		t := TableRows{Name: name}
		// The name comes from the schema itself, quoted as an identifier.
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(name)).Scan(&t.Rows); err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// quoteIdent quotes a table or column name for SQL on either engine.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
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
