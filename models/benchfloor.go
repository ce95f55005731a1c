package models

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

// CopiedTable is how long copying one table's rows took.
type CopiedTable struct {
	Table string
	Rows  int64
	Took  time.Duration
}

// FloorCopy is what CopyImportRows did: each table, and the writer's page
// cache and checkpoint interval it ran with (read back, so a report says
// what held, not what was meant).
type FloorCopy struct {
	Tables          []CopiedTable
	CacheKiB        int
	CheckpointPages int
}

// floorTables are what an import writes, in an order that needs no
// deferred foreign keys, with the columns to copy.
var floorTables = []struct{ name, cols string }{
	{"users", "*"}, {"threads", "*"}, {"posts", "*"}, {"social_items", "*"},
	{"search_index", "rowid, title, body, answers, joined, tstems, stems, facets"},
}

// floorChunk is the rows a transaction of the copy holds: four times an
// import's batch, so commits weigh less than in the import.
const floorChunk = 20000

// CopyImportRows copies the rows an import stored in the database at from
// (its users, threads, posts, items and search rows) into this one, which
// must be empty: table by table, in rowid order, floorChunk rows a
// transaction, with the import's writer settings and foreign keys off. It is
// the least work SQLite does to store the same rows in the same schema, so
// the import's own time can be read against it (bench import --floor). On
// PostgreSQL from is a PostgreSQL database and the copy is PostgreSQL's own
// (copyImportRowsPostgres).
func (s *Store) CopyImportRows(ctx context.Context, from string) (out FloorCopy, err error) {
	if s.engine == db.Postgres {
		return s.copyImportRowsPostgres(ctx, from)
	}
	// The import's writer settings, counted as an import's are, so an import
	// running meanwhile keeps them. Set before taking the pool's only
	// connection, put back after giving it back.
	if err := s.beginBulkWrite(ctx); err != nil {
		return out, err
	}
	defer func() { err = errors.Join(err, s.endBulkWrite(context.WithoutCancel(ctx))) }()
	c, err := s.w.Conn(ctx)
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
	for _, t := range floorTables {
		var last, rows int64
		if err := c.QueryRowContext(ctx, "SELECT COALESCE(MAX(rowid), 0), COUNT(*) FROM imported."+t.name).Scan(&last, &rows); err != nil {
			return out, err
		}
		// The demo seed and migrations put a few rows in an empty database
		// (the brand account, say): the copy keeps those.
		verb := "INSERT OR IGNORE INTO main." + t.name
		if t.name == "search_index" {
			verb = "INSERT INTO main.search_index (rowid, title, body, answers, joined, tstems, stems, facets)"
		}
		q := verb + " SELECT " + t.cols + " FROM imported." + t.name + " WHERE rowid > ? AND rowid <= ?"
		start := time.Now()
		for lo := int64(0); lo < last; lo += floorChunk {
			if err := copyChunk(ctx, c, q, lo, lo+floorChunk); err != nil {
				return out, fmt.Errorf("copy %s: %w", t.name, err)
			}
		}
		out.Tables = append(out.Tables, CopiedTable{Table: t.name, Rows: rows, Took: time.Since(start)})
	}
	return out, nil
}

// copyImportRowsPostgres is CopyImportRows on PostgreSQL, from the
// PostgreSQL database at from: each table with one COPY out of it (binary)
// streamed into one COPY into this database, all in one transaction whose
// commit checks the threads' questions (stored before their posts). It is
// the least work PostgreSQL does to store the same rows with the same
// indexes and foreign keys; the commit's time counts with the last table.
func (s *Store) copyImportRowsPostgres(ctx context.Context, from string) (out FloorCopy, err error) {
	src, err := pgx.Connect(ctx, from)
	if err != nil {
		return out, fmt.Errorf("the imported database: %w", err)
	}
	defer src.Close(context.WithoutCancel(ctx))
	c, err := s.w.Conn(ctx)
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
	for i, t := range floorTables {
		start := time.Now()
		pr, pw := io.Pipe()
		sent := make(chan error, 1)
		go func() {
			_, err := src.PgConn().CopyTo(ctx, pw, `COPY `+t.name+` TO STDOUT (FORMAT binary)`)
			pw.CloseWithError(err)
			sent <- err
		}()
		var rows int64
		err := db.PgxConn(ctx, c, func(pc *pgx.Conn) error {
			tag, err := pc.PgConn().CopyFrom(ctx, pr, `COPY `+t.name+` FROM STDIN (FORMAT binary)`)
			rows = tag.RowsAffected()
			return err
		})
		pr.CloseWithError(err) // a failed COPY in stops the one out
		if err := errors.Join(err, <-sent); err != nil {
			return out, fmt.Errorf("copy %s: %w", t.name, err)
		}
		if i == len(floorTables)-1 {
			if err := tx.Commit(); err != nil {
				return out, fmt.Errorf("commit the copy: %w", err)
			}
		}
		out.Tables = append(out.Tables, CopiedTable{Table: t.name, Rows: rows, Took: time.Since(start)})
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
