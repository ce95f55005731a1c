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
// every column), and for CopyRowsBound the columns an import binds values
// for (Bound; the others take their defaults; "" for Columns).
type RowCopy struct {
	Table, Columns, Bound string
}

// ImportedTables are the tables an import from X writes (its users,
// threads, posts, items and search rows), in an order that needs no
// deferred foreign keys, with the columns to copy, and the columns the
// import's own statements bind (models: placeholderBatch.flush,
// Importer.writeThreads, social.InsertItems; a thread's question is set in
// a second statement there, bound here with the thread).
func ImportedTables() []RowCopy {
	return []RowCopy{
		{"users", "*", "id, username, email, password_hash, role, created_at, imported, x_handle, x_user_id"},
		{"threads", "*", "id, category_id, author_id, title, slug, answer_count, created_at, last_activity_at, source_url, " +
			"first_answer_at, lang, lang_checked, question_id"},
		{"posts", "*", "id, thread_id, author_id, is_question, body_md, body_html, body_text, created_at"},
		{"social_items", "*", "tweet_id, conversation_id, in_reply_to_id, author_handle, author_id, author_name, text, lang, " +
			"lang_checked, is_brand, official, status, filter_reason, spam_score, repeat_key, rule_id, thread_id, post_id, source, " +
			"import_id, created_at, imported_at, source_format"},
		{"search_index", "rowid, title, body, answers, joined, tstems, stems, facets", ""},
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
	return o.copyRowsSQLite(ctx, from, tables, func(c *sql.Conn, t RowCopy, last int64) (time.Duration, error) {
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
				return 0, err
			}
		}
		return time.Since(start), nil
	})
}

// CopyRowsBound is CopyRowsFrom (SQLite only) with every value passing
// through Go, as an import's values do (the columns a RowCopy binds): each
// chunk of rows is read out of
// from into memory first (not timed), then written with multi-row INSERTs
// of bulk rows whose values are bound one by one, chunk rows a
// transaction, with the same writer settings. Nothing is read, parsed,
// looked up or decided: against CopyRowsFrom's time it is what binding the
// values from Go costs before an import does any of its own work (`bench
// import --floor`).
func (o *Ops) CopyRowsBound(ctx context.Context, from string, tables []RowCopy, chunk int64, bulk int) (out RowsCopied, err error) {
	if o.db.Engine() == db.Postgres {
		return out, errors.New("copy rows bound from Go: SQLite only (PostgreSQL's import writes with COPY)")
	}
	if chunk <= 0 || bulk <= 0 {
		return out, fmt.Errorf("copy rows: chunk %d, bulk %d", chunk, bulk)
	}
	return o.copyRowsSQLite(ctx, from, tables, func(c *sql.Conn, t RowCopy, last int64) (took time.Duration, err error) {
		cols, err := copiedColumns(ctx, c, t)
		if err != nil {
			return 0, err
		}
		verb := "INSERT OR IGNORE INTO main." + t.Table + " (" + strings.Join(cols, ", ") + ") VALUES "
		if t.Table == "search_index" {
			verb = "INSERT INTO main.search_index (" + strings.Join(cols, ", ") + ") VALUES "
		}
		read := "SELECT " + strings.Join(cols, ", ") + " FROM imported." + t.Table + " WHERE rowid > ? AND rowid <= ? ORDER BY rowid"
		for lo := int64(0); lo < last; lo += chunk {
			rows, err := readChunk(ctx, c, read, len(cols), lo, lo+chunk)
			if err != nil {
				return 0, err
			}
			start := time.Now()
			if err := writeBound(ctx, c, verb, len(cols), bulk, rows); err != nil {
				return 0, err
			}
			took += time.Since(start)
		}
		return took, nil
	})
}

// copyRowsSQLite runs a copy of tables from the SQLite file from into this
// database, table by table (each copies one and says how long it took), with an
// import's writer settings and foreign keys off on the writer's
// connection, from attached to it as "imported".
func (o *Ops) copyRowsSQLite(ctx context.Context, from string, tables []RowCopy,
	each func(c *sql.Conn, t RowCopy, last int64) (time.Duration, error)) (out RowsCopied, err error) {
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
		took, err := each(c, t, last)
		if err != nil {
			return out, fmt.Errorf("copy %s: %w", t.Table, err)
		}
		out.Tables = append(out.Tables, CopiedTable{Table: t.Table, Rows: rows, Took: took})
	}
	return out, nil
}

// copiedColumns are the columns a RowCopy binds (Bound, else Columns), or
// for "*" every column of the table, in order.
func copiedColumns(ctx context.Context, c *sql.Conn, t RowCopy) ([]string, error) {
	if t.Bound != "" {
		return strings.Split(t.Bound, ", "), nil
	}
	if t.Columns != "*" {
		return strings.Split(t.Columns, ", "), nil
	}
	rows, err := c.QueryContext(ctx, "SELECT name FROM pragma_table_info(?, 'imported') ORDER BY cid", t.Table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		cols = append(cols, name)
	}
	if len(cols) == 0 && rows.Err() == nil {
		return nil, fmt.Errorf("no table %s to copy", t.Table)
	}
	return cols, rows.Err()
}

// readChunk reads the rows of one range of rowids, each as its n values
// (text as strings, as an import binds it).
func readChunk(ctx context.Context, c *sql.Conn, q string, n int, lo, hi int64) ([][]any, error) {
	rows, err := c.QueryContext(ctx, q, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

// writeBound writes rows in a transaction of their own, bulk rows a
// statement (one prepared statement for the full ones), binding each value.
func writeBound(ctx context.Context, c *sql.Conn, verb string, cols, bulk int, rows [][]any) error {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	statement := func(n int) string { return verb + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ") }
	full, err := tx.PrepareContext(ctx, statement(bulk))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, bulk*cols)
	for start := 0; start < len(rows); start += bulk {
		part := rows[start:min(start+bulk, len(rows))]
		args = args[:0]
		for _, r := range part {
			args = append(args, r...)
		}
		if len(part) == bulk {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, statement(len(part)), args...)
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
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
