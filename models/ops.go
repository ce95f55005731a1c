package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/ops"
)

// The database's operations (the backup, the integrity check, db copy, the
// import floor's row copy, leases) are models/ops's; the store embeds an
// *ops.Ops. What stays here is the step of db copy that spans domains:
// rebuilding the target's search index after the tables are copied.

type BackupReport = ops.BackupReport         // alias: moved to models/ops
type TableRows = ops.TableRows               // alias: moved to models/ops
type ToolMissingError = ops.ToolMissingError // alias: moved to models/ops
type CopyStep = ops.CopyStep                 // alias: moved to models/ops
type CopyReport = ops.CopyReport             // alias: moved to models/ops
type RowCopy = ops.RowCopy                   // alias: moved to models/ops
type CopiedTable = ops.CopiedTable           // alias: moved to models/ops
type RowsCopied = ops.RowsCopied             // alias: moved to models/ops

// ImportedTables are the tables an import from X writes, with the columns
// to copy. Alias: moved to models/ops (ops.ImportedTables); internal/bench
// names it through models.
func ImportedTables() []RowCopy { return ops.ImportedTables() }

// newOps is the database's operations over the store's database.
func (s *Store) newOps() *ops.Ops {
	return ops.New(s.db, ops.Config{Location: s.path, BackupLockWait: DefaultLockWait, NotFound: ErrNotFound})
}

// CopyInto copies the forum in this SQLite database into to, a new
// PostgreSQL database (migrated by Open, and otherwise empty: anything but
// the default category and the settings a start creates is refused with
// ops.ErrTargetNotEmpty): every table with its ids, in one transaction on
// the target, from one snapshot of the source (ops.Ops.CopyTables). The
// search index is not copied but rebuilt on the target after the commit
// (to.Reindex); until it is, the target is marked to rebuild it when it
// next opens. progress is told of each step as it ends.
func (s *Store) CopyInto(ctx context.Context, to *Store, progress func(CopyStep)) (CopyReport, error) {
	if progress == nil {
		progress = func(CopyStep) {}
	}
	rep, err := s.Ops.CopyTables(ctx, to.Ops, progress)
	if err != nil {
		return rep, err
	}
	start := time.Now()
	n, err := to.Reindex(ctx)
	if err != nil {
		return rep, fmt.Errorf("the tables were copied, but rebuilding the search index failed (the next start, or crowdcare reindex, does it): %w", err)
	}
	if _, err := to.exec(ctx, `DELETE FROM settings WHERE key IN ('search.reindex', 'search.words')`); err != nil {
		return rep, fmt.Errorf("clear search.reindex: %w", err)
	}
	rep.Indexed = CopyStep{Rows: int64(n), Took: time.Since(start)}
	progress(rep.Indexed)
	return rep, nil
}

// queryer reads: a *sql.DB, *sql.Tx or *sql.Conn.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
