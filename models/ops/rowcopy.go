package ops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crowdcare/crowdcare/models/db"
)

// RowCopy names a table for CopyRowsFrom and the columns to copy ("*":
// every column).
type RowCopy struct {
	Table, Columns string
}

// ImportedTables are the tables an import from X writes (its users,
// threads, posts, items and search rows), in an order that needs no
// deferred foreign keys, with the columns to copy.
func ImportedTables() []RowCopy {
	return []RowCopy{
		{"users", "*"}, {"threads", "*"}, {"posts", "*"}, {"social_items", "*"},
		{"search_index", "rowid, title, body, answers, joined, tstems, stems, facets"},
	}
}

// CopiedTable is how long copying one table's rows took.
type CopiedTable struct {
	Table string
	Rows  int64
	Took  time.Duration
}

// RowsCopied is what CopyRowsFrom did: each table, and the writer's page
// cache and checkpoint interval it ran with (read back, so a report says
// what held, not what was meant; SQLite only).
type RowsCopied struct {
	Tables          []CopiedTable
	CacheKiB        int
	CheckpointPages int
}

// CopyRowsFrom copies the rows of tables from the database at from, of this
// store's engine and schema, into this one: the least work the engine does
// to store the same rows in the same schema (the import's floor in `bench
// import --floor`, internal/bench), and a way to merge a forum's rows into
// an empty database. Rows this one has already (what migrations put in)
// are kept.
//
// On SQLite, from is a file: attached, copied table by table in rowid
// order, chunk rows a transaction, with an import's writer settings and
// foreign keys off. On PostgreSQL from is a PostgreSQL database and the copy
// is PostgreSQL's own (copyRowsPostgres), all in one transaction.
func (o *Ops) CopyRowsFrom(ctx context.Context, from string, tables []RowCopy, chunk int64) (out RowsCopied, err error) {
	if o.db.Engine() == db.Postgres {
		return o.copyRowsPostgres(ctx, from, tables)
	}
	if chunk <= 0 {
		return out, fmt.Errorf("copy rows: chunk %d", chunk)
	}
	// The import's writer settings, counted as an import's are, so an import
	// running meanwhile keeps them. Set before taking the pool's only
	// connection, put back after giving it back.
	if err := o.db.BeginBulkWrite(ctx); err != nil {
		return out, err
	}
	defer func() { err = errors.Join(err, o.db.EndBulkWrite(context.WithoutCancel(ctx))) }()
	c, err := o.db.W().Conn(ctx)
	if err != nil {
		return out, err
	}
	defer c.Close()
	// Put back what the copy changed: the connection goes back to the pool.
	defer func() {
		for _, q := range []string{"DETACH DATABASE imported", "PRAGMA foreign_keys = ON"} {
			if _, e := c.ExecContext(context.WithoutCancel(ctx), q); e != nil && !strings.Contains(e.Error(), "no such database") {
				err = errors.Join(err, e)
			}
		}
	}()
	if _, err := c.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return out, err
	}
	var cache int
	if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		return out, err
	}
	if err := c.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&out.CheckpointPages); err != nil {
		return out, err
	}
	out.CacheKiB = -cache
	if _, err := c.ExecContext(ctx, "ATTACH DATABASE ? AS imported", from); err != nil {
		return out, err
	}
	for _, t := range tables {
		var last, rows int64
		if err := c.QueryRowContext(ctx, "SELECT COALESCE(MAX(rowid), 0), COUNT(*) FROM imported."+t.Table).Scan(&last, &rows); err != nil {
			return out, err
		}
		// The demo seed and migrations put a few rows in an empty database
		// (the brand account, say): the copy keeps those.
		// The search index is an FTS5 table: no conflict clause, and its
		// columns named.
		verb := "INSERT OR IGNORE INTO main." + t.Table
		if t.Table == "search_index" {
			verb = "INSERT INTO main.search_index (" + t.Columns + ")"
		}
		q := verb + " SELECT " + t.Columns + " FROM imported." + t.Table + " WHERE rowid > ? AND rowid <= ?"
		start := time.Now()
		for lo := int64(0); lo < last; lo += chunk {
			if err := copyChunk(ctx, c, q, lo, lo+chunk); err != nil {
				return out, fmt.Errorf("copy %s: %w", t.Table, err)
			}
		}
		out.Tables = append(out.Tables, CopiedTable{Table: t.Table, Rows: rows, Took: time.Since(start)})
	}
	return out, nil
}

// copyRowsPostgres is CopyRowsFrom on PostgreSQL, from the
// PostgreSQL database at from: each table with one COPY out of it (binary)
// streamed into one COPY into this database, all in one transaction whose
// commit checks the threads' questions (stored before their posts). It is
// the least work PostgreSQL does to store the same rows with the same
// indexes and foreign keys; the commit's time counts with the last table.
func (o *Ops) copyRowsPostgres(ctx context.Context, from string, tables []RowCopy) (out RowsCopied, err error) {
	src, err := pgx.Connect(ctx, from)
	if err != nil {
		return out, fmt.Errorf("the imported database: %w", err)
	}
	defer src.Close(context.WithoutCancel(ctx))
	c, err := o.db.W().Conn(ctx)
	if err != nil {
		return out, err
	}
	defer c.Close()
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return out, err
	}
	defer tx.Rollback()
	// A table of a million rows is one COPY: longer than the pool's
	// statement timeout allows a statement.
	for _, q := range []string{`SET CONSTRAINTS threads_question_id_fkey DEFERRED`, `SET LOCAL statement_timeout = 0`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return out, err
		}
	}
	for i, t := range tables {
		start := time.Now()
		pr, pw := io.Pipe()
		sent := make(chan error, 1)
		go func() {
			_, err := src.PgConn().CopyTo(ctx, pw, `COPY `+t.Table+` TO STDOUT (FORMAT binary)`)
			pw.CloseWithError(err)
			sent <- err
		}()
		var rows int64
		err := db.PgxConn(ctx, c, func(pc *pgx.Conn) error {
			tag, err := pc.PgConn().CopyFrom(ctx, pr, `COPY `+t.Table+` FROM STDIN (FORMAT binary)`)
			rows = tag.RowsAffected()
			return err
		})
		pr.CloseWithError(err) // a failed COPY in stops the one out
		if err := errors.Join(err, <-sent); err != nil {
			return out, fmt.Errorf("copy %s: %w", t.Table, err)
		}
		if i == len(tables)-1 {
			if err := tx.Commit(); err != nil {
				return out, fmt.Errorf("commit the copy: %w", err)
			}
		}
		out.Tables = append(out.Tables, CopiedTable{Table: t.Table, Rows: rows, Took: time.Since(start)})
	}
	return out, nil
}

// copyChunk copies one range of rowids in a transaction of its own.
func copyChunk(ctx context.Context, c *sql.Conn, q string, lo, hi int64) error {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, q, lo, hi); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
