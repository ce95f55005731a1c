package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/ops"
)

// WriteFault is why the database could not take a write. Reads go on
// working through any of them (WAL readers need no lock and no space).
type WriteFault int

const (
	// FaultNone: the error is not one of the database refusing the write.
	FaultNone WriteFault = iota
	// FaultBusy: the write lock stayed taken past Options.WriteWait (another
	// process, a long import batch), or the writer connection stayed in use.
	FaultBusy
	// FaultFull: no room for the write (SQLITE_FULL: the disk is full, or
	// the database reached Options.MaxSize).
	FaultFull
	// FaultIO: the disk refused the write (SQLITE_IOERR, a read-only file).
	FaultIO
)

func (f WriteFault) String() string {
	switch f {
	case FaultBusy:
		return "busy"
	case FaultFull:
		return "full"
	case FaultIO:
		return "io"
	}
	return "none"
}

// errWriterQueue: a write waited past its share of Options.WriteWait for
// this process's writer connection (db.ErrWriterQueue).
var errWriterQueue = db.ErrWriterQueue

// errReadOnly: the PostgreSQL server takes no writes (a standby, or
// default_transaction_read_only).
var errReadOnly = errors.New("the database is read-only")

// WriteFaultOf classifies an error from a write, on either engine (see
// db.FaultOf). Anything else (a constraint, a bug, a cancelled request) is
// FaultNone.
func WriteFaultOf(err error) WriteFault {
	if err == nil {
		return FaultNone
	}
	switch {
	case errors.Is(err, errWriterQueue):
		return FaultBusy
	case errors.Is(err, errReadOnly):
		return FaultIO
	}
	switch db.FaultOf(err) {
	case db.FaultBusy:
		return FaultBusy
	case db.FaultFull:
		return FaultFull
	case db.FaultIO:
		return FaultIO
	}
	return FaultNone
}

// recoveryProbeEvery is how often, while writes fail, a probe write checks
// whether they work again.
const recoveryProbeEvery = 2 * time.Second

// writeFaults counts the writes the database refused and says whether it
// still refuses them. A refused write marks the store as failing; only a
// probe write that needs room (writeProbe) marks it as working again: a
// write that changes nothing succeeds on a full disk too.
type writeFaults struct {
	counts [4]atomic.Uint64 // by WriteFault
	mu     sync.Mutex
	since  time.Time  // when writes began to fail; zero while they work
	last   WriteFault // the latest refusal's kind
	// ended are the unrecorded sessions logged out during this outage
	// (hashes of their ids); forgotten when it ends, with the sessions.
	ended   map[string]bool
	probing bool
	quit    chan struct{}
	wg      sync.WaitGroup
}

func newWriteFaults() writeFaults { return writeFaults{quit: make(chan struct{})} }

// stop ends the recovery probe, if one runs.
func (f *writeFaults) stop() {
	f.mu.Lock()
	select {
	case <-f.quit:
	default:
		close(f.quit)
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// noteWrite counts err if the database refused the write, starting the
// recovery probe at the first refusal, and returns err.
func (s *Store) noteWrite(err error) error {
	fault := WriteFaultOf(err)
	if fault == FaultNone {
		return err
	}
	f := &s.faults
	f.counts[fault].Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = fault
	if f.since.IsZero() {
		f.since = time.Now()
	}
	select {
	case <-f.quit:
		return err // closing: no new probe
	default:
	}
	if !f.probing {
		f.probing = true
		f.wg.Add(1)
		go s.probeUntilWritable()
	}
	return err
}

// probeUntilWritable tries a probe write every recoveryProbeEvery until one
// succeeds or the store closes.
func (s *Store) probeUntilWritable() {
	f := &s.faults
	defer f.wg.Done()
	t := time.NewTicker(recoveryProbeEvery)
	defer t.Stop()
	for {
		select {
		case <-f.quit:
			f.mu.Lock()
			f.probing = false
			f.mu.Unlock()
			return
		case <-t.C:
		}
		if s.writeProbe(context.Background()) == nil {
			f.mu.Lock()
			f.since, f.ended, f.probing = time.Time{}, nil, false
			f.mu.Unlock()
			return
		}
	}
}

// writeProbe writes and deletes 16 KB in one transaction: it commits only
// if the database has room for a few pages (and the lock is free), so it
// says that small writes such as a session's record fit again. It leaves
// no row, and its pages stay in the file for the next writes.
func (s *Store) writeProbe(ctx context.Context) error {
	return s.inQuietTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('write_probe', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, make([]byte, 16384)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = 'write_probe'`)
		return err
	})
}

// WritesFailing reports since when the database has refused writes, and
// the latest refusal's kind; a zero time while writes work.
func (s *Store) WritesFailing() (time.Time, WriteFault) {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.since.IsZero() {
		return time.Time{}, FaultNone
	}
	return f.since, f.last
}

// WriteFailures counts the writes the database refused since the start, by kind.
func (s *Store) WriteFailures() map[WriteFault]uint64 {
	out := map[WriteFault]uint64{}
	for _, k := range []WriteFault{FaultBusy, FaultFull, FaultIO} {
		out[k] = s.faults.counts[k].Load()
	}
	return out
}

// capSize sets the writer's max_page_count (Options.MaxSize).
func (s *Store) capSize(ctx context.Context, bytes int64) error {
	var pageSize int64
	if err := s.db.W().QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return fmt.Errorf("page size: %w", err)
	}
	if _, err := s.db.W().ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", max(1, bytes/pageSize))); err != nil {
		return fmt.Errorf("cap the database size: %w", err)
	}
	return nil
}

// LowFreeSpace is the free space under which Health says degraded: twice
// the WAL an import may grow to between checkpoints.
const LowFreeSpace = 2 * importWALBytes

// errFreeSpaceUnknown: a PostgreSQL server's disk is not this process's to
// measure (it may be another machine); PostgreSQL's own monitoring is.
var errFreeSpaceUnknown = errors.New("free space: not known for a PostgreSQL server's disk")

// FreeSpace is the bytes free for the database on its disk: a SQLite
// file's. For PostgreSQL it is not known here (errFreeSpaceUnknown), unless
// Options.FreeSpace says (for the files directory).
func (s *Store) FreeSpace() (int64, error) {
	dir := filepath.Dir(s.path)
	if s.engine == db.Postgres {
		dir = filepath.Dir(s.FilesPath("imports"))
	}
	if s.opts.FreeSpace != nil {
		return s.opts.FreeSpace(dir)
	}
	if s.engine == db.Postgres {
		return 0, errFreeSpaceUnknown
	}
	return diskFree(dir)
}

// Health is what /healthz reports of the database.
type Health struct {
	// OK: reads answer. Without them nothing works.
	OK            bool  `json:"ok"`
	SchemaVersion int64 `json:"schema_version"`
	// Writable: the write lock could be taken now and no write was refused
	// since the last probe write succeeded.
	Writable bool `json:"writable"`
	// FreeBytes on the database's disk; -1 when unknown (always for
	// PostgreSQL, whose server watches its own disk).
	FreeBytes int64 `json:"free_bytes"`
	// Problems say why the database is not healthy, for people.
	Problems []string `json:"problems,omitempty"`
	// Replica is the read replica's state, when there is one
	// (--db-replica). One not in use is a problem: reads go to the primary.
	Replica *ReplicaHealth `json:"replica,omitempty"`
}

// Degraded reports whether the database answers reads but cannot write, or
// its disk is nearly full.
func (h Health) Degraded() bool { return h.OK && len(h.Problems) > 0 }

// probeLockWait is how long Health waits for the write lock: a commit
// takes milliseconds, an import batch a few hundred.
const probeLockWait = 500 * time.Millisecond

// Health checks the database without queueing behind the writer or waiting
// for the lock longer than probeLockWait: a read, a write lock taken and
// given back at once on a connection of its own, the refused writes, and
// the free space. ctx bounds it all.
func (s *Store) Health(ctx context.Context) Health {
	h := Health{FreeBytes: -1}
	var err error
	if h.SchemaVersion, err = ops.SchemaVersion(ctx, s.db.Primary()); err != nil {
		h.Problems = append(h.Problems, "the database does not answer reads")
		return h
	}
	h.OK = true
	h.Writable = true
	if since, fault := s.WritesFailing(); !since.IsZero() {
		h.Writable = false
		h.Problems = append(h.Problems, fmt.Sprintf("writes refused since %s (%s)", since.UTC().Format(time.RFC3339), faultText(fault)))
	} else if err := s.probeLock(ctx); errors.Is(err, errReadOnly) {
		h.Writable = false
		h.Problems = append(h.Problems, "the database takes no writes: it is read-only (a standby?)")
	} else if err != nil {
		h.Writable = false
		h.Problems = append(h.Problems, "the write lock is taken: writes wait ("+faultText(WriteFaultOf(err))+")")
	}
	if rh, ok := s.ReplicaHealth(); ok {
		h.Replica = &rh
		if !rh.InUse {
			h.Problems = append(h.Problems, "replica not in use, reads go to the primary: "+rh.Error)
		}
	}
	free, err := s.FreeSpace()
	switch {
	case errors.Is(err, errFreeSpaceUnknown):
		// Not a problem: PostgreSQL's disk is watched where it runs.
	case err != nil:
		h.Problems = append(h.Problems, "free disk space unknown")
	case free < LowFreeSpace:
		h.FreeBytes = free
		h.Problems = append(h.Problems, fmt.Sprintf("low disk space: %s free, under %s", ByteSize(free), ByteSize(LowFreeSpace)))
	default:
		h.FreeBytes = free
	}
	return h
}

func faultText(f WriteFault) string {
	switch f {
	case FaultBusy:
		return "the database is locked"
	case FaultFull:
		return "the disk is full"
	case FaultIO:
		return "the disk refused the write"
	}
	return "no answer in time"
}

// probeLock takes the write lock and gives it back at once. PostgreSQL
// has no database-wide write lock: there it takes a connection from the
// pool and asks whether the server takes writes (errReadOnly: a standby).
func (s *Store) probeLock(ctx context.Context) error {
	tx, err := s.db.Probe().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.engine == db.Postgres {
		var ro string
		if err := tx.QueryRowContext(ctx, `SHOW transaction_read_only`).Scan(&ro); err != nil {
			return err
		}
		if ro == "on" {
			return errReadOnly
		}
	}
	return tx.Rollback()
}

// ByteSize writes a size for people: "512 KB", "64 MB", "1.5 GB".
func ByteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", (n+1023)>>10)
}
