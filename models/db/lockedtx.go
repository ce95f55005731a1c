package db

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Locked transactions: for a read-then-write whose rows all belong to a
// few keys (an address's failed logins, the requests counted under one
// limit, one account's second-factor attempts), and for claims from a
// queue. On SQLite the one writer serialises every write, as InTx does. On
// PostgreSQL a serializable transaction (InTx) is just as exact, but calls
// at once lose races to each other and run again, and neighbouring rows
// share its predicate locks, so a flood of guesses from one address would
// make logins from every other address run again too, up to failing. A
// locked transaction instead runs READ COMMITTED holding a lock per key
// (transaction-scoped advisory locks, taken in one order): a call waits
// only for calls under the same keys, each statement sees what those
// committed before, and nothing runs again. fn must read and write under
// its keys only, or in statements that are atomic by themselves (a claim
// with SKIP LOCKED, an UPDATE that re-checks its condition).

// InLockedTx runs fn in one write transaction holding the locks of keys.
func (d *DB) InLockedTx(ctx context.Context, keys []string, fn func(tx *sql.Tx) error) error {
	return d.runLockedTx(ctx, keys, fn, false)
}

// InQuietLockedTx is InLockedTx for writes no page shows (counters).
func (d *DB) InQuietLockedTx(ctx context.Context, keys []string, fn func(tx *sql.Tx) error) error {
	return d.runLockedTx(ctx, keys, fn, true)
}

func (d *DB) runLockedTx(ctx context.Context, keys []string, fn func(tx *sql.Tx) error, quiet bool) error {
	if d.engine != Postgres {
		return d.runTx(ctx, fn, quiet)
	}
	// One order for every caller, so two never wait for each other's locks.
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	conn, err := d.Writer(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// READ COMMITTED reports no serialization failures; a deadlock with a
	// transaction outside these locks still may: run it again.
	return d.retryPostgres(ctx, conn, quiet, func(int) error { return tryLockedTx(ctx, conn, keys, fn) },
		func(attempt int) time.Duration { return time.Duration(attempt) * time.Millisecond })
}

func tryLockedTx(ctx context.Context, conn *sql.Conn, keys []string, fn func(tx *sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(CAST(? AS TEXT), 0))`, k); err != nil {
			tx.Rollback()
			return fmt.Errorf("lock %s: %w", k, err)
		}
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
