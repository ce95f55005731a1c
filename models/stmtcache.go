package models

import (
	"context"
	"database/sql"
)

// dbtx is what writing helpers need: a *sql.Tx, or a stmtCache over one.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmtCache prepares each distinct statement once per transaction. Bulk
// work (imports) runs the same dozen statements thousands of times, and
// compiling SQL each time cost more than running it.
type stmtCache struct {
	tx *sql.Tx
	m  map[string]*sql.Stmt
	// conn is tx's connection when the bulk writes may use it directly
	// (COPY on PostgreSQL, copyRows), else nil.
	conn *sql.Conn
	// deferred: the question foreign key is checked at commit (PostgreSQL).
	deferred bool
}

func newStmtCache(tx *sql.Tx) *stmtCache { return &stmtCache{tx: tx, m: map[string]*sql.Stmt{}} }

func (c *stmtCache) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := c.m[q]; ok {
		return s, nil
	}
	s, err := c.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.m[q] = s
	return s, nil
}

func (c *stmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, q)
	if err != nil {
		// A failed prepare surfaces through the row, as database/sql does.
		return c.tx.QueryRowContext(ctx, q, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// close releases the statements; the transaction's end would too, but not
// before the next batch prepared its own.
func (c *stmtCache) close() {
	for _, s := range c.m {
		s.Close()
	}
}
