package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgresOptions tunes OpenPostgres.
type PostgresOptions struct {
	// MaxConns caps the pool (default 16). Each connection is a PostgreSQL
	// backend process; several app servers share max_connections.
	MaxConns int
	// StatementTimeout ends a statement that runs longer (default 30 s),
	// so a runaway query cannot hold a connection for ever.
	StatementTimeout time.Duration
	// LockTimeout ends a statement that waited longer for a lock (a row
	// another transaction writes, a table an operator locked); 0: no limit.
	LockTimeout time.Duration
	// ApplicationName names the pool's connections in pg_stat_activity,
	// unless the URL says (application_name=…); empty: pgx's default.
	ApplicationName string
	// OnCommit is called after every commit that may have changed data: a
	// transaction's, or a single INSERT, UPDATE or DELETE outside one.
	OnCommit func()
}

// DefaultMaxConns is PostgresOptions.MaxConns unless set.
const DefaultMaxConns = 16

// OpenPostgres opens a pool of connections to the database at url through
// pgx's database/sql driver, wrapped so that the stores' queries run
// unchanged (see the package comment).
func OpenPostgres(ctx context.Context, url string, o PostgresOptions) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL address %s: %w", Redact(url), err)
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = 30 * time.Second
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.RuntimeParams["statement_timeout"]; !ok {
		cfg.RuntimeParams["statement_timeout"] = fmt.Sprint(o.StatementTimeout.Milliseconds())
	}
	if _, ok := cfg.RuntimeParams["lock_timeout"]; !ok && o.LockTimeout > 0 {
		cfg.RuntimeParams["lock_timeout"] = fmt.Sprint(o.LockTimeout.Milliseconds())
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok && o.ApplicationName != "" {
		cfg.RuntimeParams["application_name"] = o.ApplicationName
	}
	// Times are stored as Unix seconds; the zone only matters to
	// to_char-style helpers, which must agree with SQLite's UTC.
	cfg.RuntimeParams["timezone"] = "UTC"
	inner := stdlib.GetConnector(*cfg)
	pool := sql.OpenDB(&connector{inner: inner, onCommit: o.OnCommit})
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	pool.SetMaxOpenConns(o.MaxConns)
	pool.SetMaxIdleConns(o.MaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", Redact(url), err)
	}
	return pool, nil
}

// PgxConn runs fn with the pgx connection under a database/sql one, for
// what database/sql cannot say (COPY, LISTEN).
func PgxConn(ctx context.Context, c *sql.Conn, fn func(*pgx.Conn) error) error {
	return c.Raw(func(dc any) error {
		w, ok := dc.(*conn)
		if !ok {
			return fmt.Errorf("not a PostgreSQL connection")
		}
		return fn(w.Conn.Conn())
	})
}

type connector struct {
	inner    driver.Connector
	onCommit func()
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: dc.(*stdlib.Conn), onCommit: c.onCommit}, nil
}

func (c *connector) Driver() driver.Driver { return c.inner.Driver() }

// conn is pgx's connection with the stores' dialect translated on the way.
type conn struct {
	*stdlib.Conn
	onCommit func()
	inTx     bool
	// quiet: commits on this connection change nothing a page shows
	// (counters), so OnCommit is not called for them.
	quiet bool
}

// SetQuiet marks the commits on c as ones that change no page, or no
// longer. Nothing happens on a SQLite connection.
func SetQuiet(c *sql.Conn, quiet bool) error {
	return c.Raw(func(dc any) error {
		if w, ok := dc.(*conn); ok {
			w.quiet = quiet
		}
		return nil
	})
}

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(context.Background(), Rebind(query))
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.PrepareContext(ctx, Rebind(query))
	if err != nil {
		return nil, err
	}
	return &stmt{Stmt: st.(*stdlib.Stmt), c: c, write: isWrite(query), dml: plainDML(query)}, nil
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.Conn.ExecContext(ctx, Rebind(query), convertArgs(args))
	if err == nil && !c.inTx && isWrite(query) && changedAny(res, plainDML(query)) {
		c.committed()
	}
	return res, err
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.Conn.QueryContext(ctx, Rebind(query), convertArgs(args))
	if err == nil && !c.inTx && isWrite(query) {
		// INSERT … RETURNING outside a transaction: committed once its
		// rows are read.
		return committedOnClose(rows, c, plainDML(query)), nil
	}
	return rows, err
}

// committedRows reports the commit of the write whose rows they are when
// they are closed: PostgreSQL commits a statement outside a transaction
// after sending its last row.
type committedRows struct {
	*stdlib.Rows
	c      *conn
	failed bool
	// dml: a plain INSERT, UPDATE or DELETE … RETURNING, whose rows are
	// the rows it changed: none returned, nothing changed, nothing to
	// report (a queue's claim that found no job, polled every few seconds,
	// must not make every cached page out of date).
	dml  bool
	rows int
}

func committedOnClose(rows driver.Rows, c *conn, dml bool) driver.Rows {
	r, ok := rows.(*stdlib.Rows)
	if !ok {
		c.committed() // not pgx's: reported at once, as before
		return rows
	}
	return &committedRows{Rows: r, c: c, dml: dml}
}

func (r *committedRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	switch {
	case err == nil:
		r.rows++
	case err != io.EOF:
		r.failed = true
	}
	return err
}

func (r *committedRows) Close() error {
	err := r.Rows.Close()
	if err == nil && !r.failed && (r.rows > 0 || !r.dml) {
		r.c.committed()
	}
	return err
}

// plainDML reports whether q is an INSERT, UPDATE or DELETE (not a WITH
// query, whose outer SELECT may return other rows than it changed).
func plainDML(q string) bool {
	switch strings.ToUpper(firstWord(q)) {
	case "INSERT", "UPDATE", "DELETE":
		return true
	}
	return false
}

// changedAny reports whether an Exec may have changed something: anything
// but a plain INSERT, UPDATE or DELETE (dml) that reports no row affected.
func changedAny(res driver.Result, dml bool) bool {
	if !dml {
		return true
	}
	n, err := res.RowsAffected()
	return err != nil || n != 0
}

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return &txn{Tx: tx, c: c, readOnly: opts.ReadOnly}, nil
}

func (c *conn) committed() {
	if c.onCommit != nil && !c.quiet {
		c.onCommit()
	}
}

type txn struct {
	driver.Tx
	c        *conn
	readOnly bool
}

func (t *txn) Commit() error {
	t.c.inTx = false
	err := t.Tx.Commit()
	if err == nil && !t.readOnly {
		t.c.committed()
	}
	return err
}

func (t *txn) Rollback() error {
	t.c.inTx = false
	return t.Tx.Rollback()
}

type stmt struct {
	*stdlib.Stmt
	c     *conn
	write bool
	dml   bool // a plain INSERT, UPDATE or DELETE (plainDML)
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	res, err := s.Stmt.ExecContext(ctx, convertArgs(args))
	if err == nil && s.write && !s.c.inTx && changedAny(res, s.dml) {
		s.c.committed()
	}
	return res, err
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := s.Stmt.QueryContext(ctx, convertArgs(args))
	if err == nil && s.write && !s.c.inTx {
		return committedOnClose(rows, s.c, s.dml), nil
	}
	return rows, err
}

// convertArgs passes booleans as 0 and 1: the schema keeps flags in
// integer columns on both engines, as SQLite does. Text PostgreSQL
// refuses (a NUL character, invalid UTF-8: "invalid byte sequence") has
// those bytes replaced by U+FFFD, so that hostile input is a value that
// matches nothing, as on SQLite, not an error.
func convertArgs(args []driver.NamedValue) []driver.NamedValue {
	for i := range args {
		switch v := args[i].Value.(type) {
		case bool:
			if v {
				args[i].Value = int64(1)
			} else {
				args[i].Value = int64(0)
			}
		case string:
			if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
				args[i].Value = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "\uFFFD")
			}
		}
	}
	return args
}

// isWrite reports whether a statement may change data.
// firstWord is q's first keyword.
func firstWord(q string) string {
	q = strings.TrimLeft(q, " \t\r\n(")
	if i := strings.IndexAny(q, " \t\r\n("); i >= 0 {
		return q[:i]
	}
	return q
}

func isWrite(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n(")
	switch strings.ToUpper(firstWord(q)) {
	case "SELECT", "VALUES", "EXPLAIN", "SHOW", "SET", "BEGIN", "COMMIT", "ROLLBACK":
		return false
	case "WITH":
		u := strings.ToUpper(q)
		return strings.Contains(u, "INSERT ") || strings.Contains(u, "UPDATE ") || strings.Contains(u, "DELETE ")
	}
	return true
}
