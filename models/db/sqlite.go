package db

import (
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"time"
)

// SQLite connection kinds (SQLiteDSN, OpenSQLite).
const (
	ConnWriter = iota // the one writer
	ConnReader        // a query-only reader
	ConnBackup        // a backup's own connection
	ConnProbe         // the lock probe (takes the write lock at BEGIN)
)

// SQLiteDSN spells out the SQLite settings in one place: for the file at
// path, a connection of kind, waiting lockWait for a lock.
func SQLiteDSN(path string, kind int, lockWait time.Duration) string {
	q := url.Values{}
	// WAL lets readers run while the writer commits.
	q.Set("_journal_mode", "WAL")
	// Wait for a lock instead of failing at once (another process, a
	// backup), but not for ever: see models.Options.LockWait.
	q.Set("_busy_timeout", strconv.FormatInt(lockWait.Milliseconds(), 10))
	// The schema relies on foreign keys; SQLite leaves them off by default.
	q.Set("_foreign_keys", "on")
	// In WAL mode NORMAL is durable across application crashes and only a power
	// loss can roll back the last commits; FULL costs an fsync per commit.
	q.Set("_synchronous", "NORMAL")
	switch kind {
	case ConnWriter, ConnProbe:
		// Take the write lock at BEGIN so a transaction never fails half-way
		// when upgrading from a read lock.
		q.Set("_txlock", "immediate")
	case ConnReader:
		// Readers cannot write by mistake.
		q.Set("_query_only", "1")
	}
	return "file:" + path + "?" + q.Encode()
}

// OpenSQLite opens the pool of one kind on the SQLite file at path: the
// writer, one connection kept for good (so a commit hook registered on it,
// WatchCommits, and the settings made on it stay in place); the readers,
// one per core and at least four; the probe, one connection.
func OpenSQLite(path string, kind int, lockWait time.Duration) (*sql.DB, error) {
	p, err := sql.Open("sqlite3", SQLiteDSN(path, kind, lockWait))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", connNames[kind], err)
	}
	switch kind {
	case ConnWriter:
		p.SetMaxOpenConns(1)
		p.SetMaxIdleConns(1)
		p.SetConnMaxLifetime(0)
		p.SetConnMaxIdleTime(0)
	case ConnReader:
		n := max(4, 2*runtime.NumCPU())
		p.SetMaxOpenConns(n)
		p.SetMaxIdleConns(n)
	default:
		p.SetMaxOpenConns(1)
		p.SetMaxIdleConns(1)
	}
	return p, nil
}

var connNames = [...]string{ConnWriter: "writer", ConnReader: "readers", ConnBackup: "backup connection", ConnProbe: "lock probe"}
