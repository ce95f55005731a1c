package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

// DB is an open database, either engine: its pools, its transactions and
// the per-engine fragments of SQL (dialect.go). Domain packages take a *DB
// (or the little of it they need); models.Store holds one and keeps thin
// wrappers (s.inTx, s.reader, …) for its own files.
//
// Writes on SQLite go through one connection (SQLite has one writer
// anyway; queueing in Go avoids SQLITE_BUSY storms), reads through a pool
// of query-only connections. On PostgreSQL one pool serves both, and write
// transactions are SERIALIZABLE, retried on serialization failures.
type DB struct {
	engine Engine
	// w is the writer pool, r the readers' (the primary's); probe a pool of
	// one connection that only checks whether the write lock can be taken.
	// On PostgreSQL all three are one pool.
	w, r, probe *sql.DB
	lockWait    time.Duration
	hooks       Hooks
	// quietCommit marks the next commit on SQLite's writer as one that
	// changes no page (WatchCommits).
	quietCommit atomic.Bool
	// replica, when set, takes the reads a context allows there (replica.go).
	replica *replica
	bulk    bulkWrites // imports under way (bulkwrite.go)
}

// Hooks are what a DB tells its owner.
type Hooks struct {
	// Committed is called after every commit of a write that is not quiet
	// (the store moves its version on, so page caches look again).
	Committed func()
	// NoteWrite sees the outcome of every write (nil when it worked) and
	// returns the error to report: the store counts refusals (a full disk,
	// a busy database) there. Nil: the error as it is.
	NoteWrite func(error) error
	// Version is the owner's version of the data (the replica monitor
	// learns which version a replica shows from it). Nil: always 0.
	Version func() uint64
}

// New is a DB over pools already open (OpenSQLite, OpenPostgres): w for
// writes, r for reads, probe for the lock probe (nil: none). lockWait is
// how long a write waits for a lock (LockWait, below).
func New(engine Engine, w, r, probe *sql.DB, lockWait time.Duration, h Hooks) *DB {
	if h.Committed == nil {
		h.Committed = func() {}
	}
	if h.NoteWrite == nil {
		h.NoteWrite = func(err error) error { return err }
	}
	if h.Version == nil {
		h.Version = func() uint64 { return 0 }
	}
	return &DB{engine: engine, w: w, r: r, probe: probe, lockWait: lockWait, hooks: h}
}

// SetReaders sets the readers' pool and the lock probe's, for SQLite,
// whose readers open after the writer has migrated the file.
func (d *DB) SetReaders(r, probe *sql.DB) { d.r, d.probe = r, probe }

// Engine is the database engine underneath.
func (d *DB) Engine() Engine { return d.engine }

// W is the writer pool, for what needs the pool itself (migrations,
// statistics); writes go through Writer or a transaction.
func (d *DB) W() *sql.DB { return d.w }

// Primary is the readers' pool on the primary (reads that decide writes).
func (d *DB) Primary() *sql.DB { return d.r }

// Probe is the lock probe's pool (nil until set on SQLite).
func (d *DB) Probe() *sql.DB { return d.probe }

// LockWait is how long a write waits for a lock held elsewhere.
func (d *DB) LockWait() time.Duration { return d.lockWait }

// ErrWriterQueue: a write waited past twice LockWait for this process's
// writer connection.
var ErrWriterQueue = errors.New("waited too long for the database writer")

// Writer takes the one writer connection, waiting at most twice the lock
// wait for it: with the lock wait that follows, no write waits longer than
// three times LockWait, and none starts after its caller has given up
// (ctx). Waiting longer is ErrWriterQueue. The caller closes the connection.
func (d *DB) Writer(ctx context.Context) (*sql.Conn, error) {
	wctx, cancel := context.WithTimeout(ctx, 2*d.lockWait)
	defer cancel()
	conn, err := d.w.Conn(wctx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (%v)", ErrWriterQueue, 2*d.lockWait)
		}
		return nil, d.hooks.NoteWrite(fmt.Errorf("take the writer: %w", err))
	}
	return conn, nil
}

// NoteWrite passes err (a write's outcome) to the owner's hook.
func (d *DB) NoteWrite(err error) error { return d.hooks.NoteWrite(err) }

// WatchCommits (SQLite) counts commits on the writer connection: every
// write goes through it, so no write path can forget to invalidate caches.
// notify is called at each commit that is not quiet. The writer pool must
// keep its one connection for good (OpenSQLite's writer does).
func (d *DB) WatchCommits(ctx context.Context, notify func()) error {
	conn, err := d.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("writer is not a sqlite3 connection")
		}
		c.RegisterCommitHook(func() int {
			if d.quietCommit.CompareAndSwap(true, false) {
				return 0 // counters only: no page shows them
			}
			notify()
			return 0
		})
		return nil
	})
}

// InTx runs fn in one write transaction: everything commits or nothing
// does. On PostgreSQL fn may run more than once (RunPostgresTx): it must do
// nothing but database work that a rollback undoes.
func (d *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return d.runTx(ctx, fn, false)
}

// InQuietTx is InTx for writes no page shows (counters): cached pages stay
// valid (Hooks.Committed is not called).
func (d *DB) InQuietTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return d.runTx(ctx, fn, true)
}

func (d *DB) runTx(ctx context.Context, fn func(tx *sql.Tx) error, quiet bool) error {
	conn, err := d.Writer(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d.engine == Postgres {
		return d.runPostgresTx(ctx, conn, fn, quiet)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return d.hooks.NoteWrite(fmt.Errorf("begin: %w", err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return d.hooks.NoteWrite(err)
	}
	// Set while this transaction holds the one writer connection, so the
	// commit hook it is meant for is this commit's.
	d.quietCommit.Store(quiet)
	if err := tx.Commit(); err != nil {
		d.quietCommit.Store(false)
		return d.hooks.NoteWrite(fmt.Errorf("commit: %w", err))
	}
	if !quiet {
		// Again after the commit: a reader that rendered a page between the
		// hook and the commit must not keep it under the new version.
		d.hooks.Committed()
	}
	return nil
}

// InBulkTx is InTx for an import's batches: fn also gets the connection
// on PostgreSQL, for COPY (PgxConn); on SQLite conn is nil.
func (d *DB) InBulkTx(ctx context.Context, fn func(conn *sql.Conn, tx *sql.Tx) error) error {
	if d.engine != Postgres {
		return d.InTx(ctx, func(tx *sql.Tx) error { return fn(nil, tx) })
	}
	conn, err := d.Writer(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return d.runPostgresTx(ctx, conn, func(tx *sql.Tx) error { return fn(conn, tx) }, false)
}

// Exec runs one write outside a transaction and reports the commit
// (Hooks.Committed) once it is done.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	conn, err := d.Writer(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	res, err := conn.ExecContext(ctx, q, args...)
	if d.engine == Postgres && IsSerialization(err) {
		// A single statement lost a race (rare outside serializable
		// transactions): run it once more.
		res, err = conn.ExecContext(ctx, q, args...)
	}
	if err == nil && changedRows(res) {
		d.hooks.Committed()
	}
	return res, d.hooks.NoteWrite(err)
}

// changedRows reports whether a write may have changed a row: a statement
// that affected none (a flag raised twice, nothing left to mark read)
// leaves every cached page as it was.
func changedRows(res sql.Result) bool {
	n, err := res.RowsAffected()
	return err != nil || n != 0
}

// MaxTxAttempts is how often a PostgreSQL write transaction that lost a
// race (a serialization failure) is run before the error is returned.
const MaxTxAttempts = 12

// runPostgresTx runs fn in a SERIALIZABLE transaction on conn, again from
// the start when PostgreSQL reports that a concurrent transaction made it
// fail: the result is as if the transactions had run one after the other,
// which is what the code written for SQLite's one writer expects. fn must
// therefore do nothing but database work that a rollback undoes.
func (d *DB) runPostgresTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error, quiet bool) error {
	return d.retryPostgres(ctx, conn, quiet, func(attempt int) error {
		return tryPostgresTx(ctx, conn, fn, attempt > 1)
	}, func(attempt int) time.Duration {
		// A little more each time, with jitter so that the transactions
		// that collided do not collide again.
		return time.Duration(attempt*attempt)*time.Millisecond + rand.N(time.Duration(attempt)*time.Millisecond)
	})
}

// retryPostgres runs try (attempt 1, 2, …) on conn, quiet or not, until it
// does not fail with a serialization failure, at most MaxTxAttempts times,
// waiting wait(attempt) between, and reports the commit (Hooks.Committed)
// and the outcome (Hooks.NoteWrite).
func (d *DB) retryPostgres(ctx context.Context, conn *sql.Conn, quiet bool, try func(attempt int) error, wait func(attempt int) time.Duration) error {
	if err := SetQuiet(conn, quiet); err != nil {
		return err
	}
	defer SetQuiet(conn, false)
	for attempt := 1; ; attempt++ {
		err := try(attempt)
		if err == nil || !IsSerialization(err) || attempt == MaxTxAttempts || ctx.Err() != nil {
			if err == nil && !quiet {
				d.hooks.Committed()
			}
			return d.hooks.NoteWrite(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait(attempt)):
		}
	}
}

// RetryLock is the advisory lock (a key of its own) that orders write
// transactions once they collide: every first attempt holds it shared for
// its transaction; one that lost a race runs again holding it alone, taken
// before its snapshot, so no other write transaction can make it lose
// again. A burst on one row (40 helpful votes on an answer at once) then
// settles in two attempts each, instead of one winner per round until
// MaxTxAttempts runs out. App servers on one database share the lock. While
// a retry waits for the transactions running then, and runs, new writes
// wait (as every write waits for the one writer on SQLite): collisions are
// rare, and write transactions short.
const RetryLock = 0x63637278 // "ccrx"

// tryPostgresTx runs fn once in a SERIALIZABLE transaction; alone: after
// every other write transaction of the forum, with none beside it.
func tryPostgresTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error, alone bool) error {
	if alone {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, RetryLock); err != nil {
			return fmt.Errorf("wait for the other writes: %w", err)
		}
		defer func() {
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := conn.ExecContext(uctx, `SELECT pg_advisory_unlock(?)`, RetryLock); err != nil {
				// A connection that may still hold the lock must not go
				// back to the pool: closing it releases the lock.
				conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if !alone {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(?)`, RetryLock); err != nil {
			tx.Rollback()
			return fmt.Errorf("begin: %w", err)
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
