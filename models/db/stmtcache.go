package db

import (
	"context"
	"database/sql"
)

// Querier is what writing helpers need: a *sql.Tx, a *sql.DB, or a
// StmtCache over a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// StmtCache prepares each distinct statement once per transaction. Bulk
// work (imports) runs the same dozen statements thousands of times, and
// compiling SQL each time cost more than running it.
type StmtCache struct {
	Tx *sql.Tx
	m  map[string]*sql.Stmt
	// Conn is Tx's connection when the bulk writes may use it directly
	// (COPY on PostgreSQL, PgxConn), else nil.
	Conn *sql.Conn
	// Deferred: the owner has deferred a constraint check to the commit
	// (the import, on PostgreSQL), so it does not ask again.
	Deferred bool
}

// NewStmtCache is a statement cache over tx.
func NewStmtCache(tx *sql.Tx) *StmtCache { return &StmtCache{Tx: tx, m: map[string]*sql.Stmt{}} }

func (c *StmtCache) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := c.m[q]; ok {
		return s, nil
	}
	s, err := c.Tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.m[q] = s
	return s, nil
}

func (c *StmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (c *StmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (c *StmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, q)
	if err != nil {
		// A failed prepare surfaces through the row, as database/sql does.
		return c.Tx.QueryRowContext(ctx, q, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// Close releases the statements; the transaction's end would too, but not
// before the next batch prepared its own.
func (c *StmtCache) Close() {
	for _, s := range c.m {
		s.Close()
	}
}
