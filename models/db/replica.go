package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Reads from a streaming replica (models.Options.ReplicaURL, serve's
// --db-replica), opened with OpenReplica.
//
// A DB reads from the replica only what a context allows
// (WithReplicaReads): the handlers allow it for the GET and HEAD requests of
// anyone who has not written in the last few seconds. Everything else (a
// form's POST, a member's next pages after a write, background jobs, the
// command line) reads from the primary, so a read that decides a write
// never sees an old row, and nobody sees their own answer vanish.
//
// A monitor asks both servers every ReplicaCheckEvery where they are: the
// primary's WAL position and the owner's version (Hooks.Version), then the position the
// replica has replayed. From these it knows the replica's lag and which
// version of the data the replica shows (ReadVersion), so a cache filled
// from the replica is not taken for current while the replica lags. When
// the replica does not answer, lags more than ReplicaMaxLag or has its
// replay paused, every read goes to the primary until it is back.

// readMode says where a request's reads may go.
type readMode int

const (
	readPrimary readMode = iota // the default: the primary
	readReplica                 // the replica when it is usable
	readRecent                  // a recent writer's: the primary, and no cached copy
)

type readModeKey struct{}

// WithReplicaReads lets the reads made with ctx go to the replica.
func WithReplicaReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, readModeKey{}, readReplica)
}

// WithRecentWrite marks ctx as a request of someone who wrote a moment ago
// (maybe through another app server): its reads go to the primary, and the
// caches above the store must not answer it from a copy (RecentWrite).
func WithRecentWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, readModeKey{}, readRecent)
}

// RecentWrite reports whether ctx is a recent writer's (WithRecentWrite).
func RecentWrite(ctx context.Context) bool {
	m, _ := ctx.Value(readModeKey{}).(readMode)
	return m == readRecent
}

// ReplicaOptions tunes OpenReplica.
type ReplicaOptions struct {
	// MaxConns caps the replica's pool (DefaultMaxConns).
	MaxConns int
	// MaxLag: a replica further behind is not read from
	// (DefaultReplicaMaxLag); CheckEvery: how often its position is
	// checked (DefaultReplicaCheckEvery).
	MaxLag, CheckEvery time.Duration
}

// Defaults of the replica's options.
const (
	DefaultReplicaMaxLag     = 4 * time.Second
	DefaultReplicaCheckEvery = 100 * time.Millisecond
)

// replica is the read pool on a streaming replica and what is known of it.
type replica struct {
	pool   *sql.DB
	conns  int // the pool's size
	url    string
	maxLag time.Duration
	every  time.Duration
	stop   context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	// samples are the primary's (version, WAL position) at each check,
	// oldest first, for a minute.
	samples []lsnSample
	state   ReplicaHealth
	// covered is the store version the replica is known to show; usable
	// whether reads may go to it now. Read without the lock by every query.
	covered atomic.Uint64
	usable  atomic.Bool
}

type lsnSample struct {
	version uint64
	lsn     int64
	at      time.Time
}

// ReplicaHealth is what /healthz reports of the replica.
type ReplicaHealth struct {
	// OK: the replica answered the last check.
	OK bool `json:"ok"`
	// InUse: reads that may go to the replica go there now; false when it
	// does not answer, lags more than the limit or its replay is paused:
	// then every read goes to the primary.
	InUse bool `json:"in_use"`
	// LagSeconds is how long ago the primary wrote the oldest change the
	// replica has not replayed yet (0: it has replayed everything the
	// primary had written at the last check); LagBytes how much WAL it has
	// still to replay.
	LagSeconds float64 `json:"lag_seconds"`
	LagBytes   int64   `json:"lag_bytes"`
	// Paused: its replay is paused (pg_wal_replay_pause).
	Paused bool `json:"paused,omitempty"`
	// Checked is when the replica was last asked.
	Checked time.Time `json:"checked"`
	Error   string    `json:"error,omitempty"`
}

// OpenReplica opens the read pool on the replica at url, checks that it
// is a standby (in recovery) and starts watching it (until CloseReplica).
func (d *DB) OpenReplica(ctx context.Context, url string, o ReplicaOptions) error {
	if !IsPostgresURL(url) {
		return errors.New("a replica (--db-replica) must be a postgres:// URL")
	}
	if d.engine != Postgres {
		return errors.New("a replica (--db-replica) needs a PostgreSQL primary (--db postgres://…)")
	}
	pool, err := OpenPostgres(ctx, url, PostgresOptions{MaxConns: o.MaxConns, ApplicationName: "crowdcare-replica"})
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	var standby bool
	if err := pool.QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&standby); err != nil {
		pool.Close()
		return fmt.Errorf("replica %s: %w", Redact(url), err)
	}
	if !standby {
		pool.Close()
		return fmt.Errorf("replica %s is not a standby (pg_is_in_recovery() is false): give the primary as --db only", Redact(url))
	}
	conns := o.MaxConns
	if conns <= 0 {
		conns = DefaultMaxConns
	}
	rp := &replica{pool: pool, conns: conns, url: url, maxLag: o.MaxLag, every: o.CheckEvery, done: make(chan struct{})}
	if rp.maxLag <= 0 {
		rp.maxLag = DefaultReplicaMaxLag
	}
	if rp.every <= 0 {
		rp.every = DefaultReplicaCheckEvery
	}
	d.replica = rp
	d.checkReplica(ctx)
	mctx, cancel := context.WithCancel(context.Background())
	rp.stop = cancel
	go d.watchReplica(mctx)
	return nil
}

// Reader is the pool the reads made with ctx go to: the replica when ctx
// allows it and the replica is usable, else the primary.
func (d *DB) Reader(ctx context.Context) *sql.DB {
	if rp := d.replica; rp != nil {
		if m, _ := ctx.Value(readModeKey{}).(readMode); m == readReplica && rp.usable.Load() {
			return rp.pool
		}
	}
	return d.r
}

// ReadVersion is the version of the data that reads made with ctx show,
// read before them: Hooks.Version, or when they go to a replica, the version the
// replica has replayed (older while it lags). A cache keeps what it read
// under ReadVersion and takes it as current while it equals Version.
func (d *DB) ReadVersion(ctx context.Context) uint64 {
	v := d.hooks.Version()
	rp := d.replica
	if rp == nil {
		return v
	}
	if m, _ := ctx.Value(readModeKey{}).(readMode); m != readReplica {
		return v
	}
	if c := rp.covered.Load(); rp.usable.Load() && c < v {
		return c
	}
	return v
}

// ReplicaHealth reports the replica; ok is false when there is none.
func (d *DB) ReplicaHealth() (h ReplicaHealth, ok bool) {
	rp := d.replica
	if rp == nil {
		return ReplicaHealth{}, false
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.state, true
}

// replicaCatchUpEvery is how often the replica is checked while it does
// not show the store's version yet: a write's pages are rendered from it
// as soon as the next check finds the write replayed.
const replicaCatchUpEvery = 20 * time.Millisecond

// watchReplica checks the replica until ctx ends: every ReplicaCheckEvery,
// or every replicaCatchUpEvery while it is behind the store's version.
func (d *DB) watchReplica(ctx context.Context) {
	rp := d.replica
	defer close(rp.done)
	t := time.NewTimer(rp.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.checkReplica(ctx)
			next := rp.every
			if rp.usable.Load() && rp.covered.Load() < d.hooks.Version() {
				next = min(next, replicaCatchUpEvery)
			}
			t.Reset(next)
		}
	}
}

// replicaWindow is how long the primary's positions are remembered: a
// replica further behind than that lags "at least" that much.
const replicaWindow = time.Minute

// checkReplica asks the primary, then the replica, where they are. The
// version is read before the primary's position, so every change it counts
// is at or before that position: once the replica has replayed that far,
// it shows that version.
func (d *DB) checkReplica(ctx context.Context) {
	rp := d.replica
	cctx, cancel := context.WithTimeout(ctx, max(time.Second, 5*rp.every))
	defer cancel()
	now := time.Now()
	v := d.hooks.Version()
	var primary int64
	// The insert position, not the write one: with synchronous_commit off
	// a commit returns before its record is written out.
	perr := d.w.QueryRowContext(cctx, `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint`).Scan(&primary)
	var replayed sql.NullInt64
	var paused bool
	rerr := rp.pool.QueryRowContext(cctx, `SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, pg_is_wal_replay_paused()`).Scan(&replayed, &paused)
	if ctx.Err() != nil {
		return // closing
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	st := ReplicaHealth{Checked: now, Paused: paused}
	if perr == nil {
		rp.samples = append(rp.samples, lsnSample{v, primary, now})
		drop := 0
		for drop < len(rp.samples)-1 && now.Sub(rp.samples[drop].at) > replicaWindow {
			drop++
		}
		rp.samples = rp.samples[drop:]
	}
	switch {
	case rerr != nil:
		st.Error = "the replica does not answer: " + replicaFailure(rerr)
	case !replayed.Valid:
		st.Error = "the replica is not a standby any more (promoted?)"
	default:
		st.OK = true
		// The newest position replayed, and the oldest one not.
		var behind *lsnSample
		for i := range rp.samples {
			sm := &rp.samples[i]
			if sm.lsn <= replayed.Int64 {
				if sm.version > rp.covered.Load() {
					rp.covered.Store(sm.version) // only this goroutine stores it
				}
			} else if behind == nil {
				behind = sm
			}
		}
		if n := len(rp.samples); n > 0 {
			st.LagBytes = max(0, rp.samples[n-1].lsn-replayed.Int64)
		}
		if behind != nil {
			st.LagSeconds = now.Sub(behind.at).Seconds()
		}
		if behind == &rp.samples[0] {
			// Behind every position remembered (a replica restarting
			// from an old restart point, a new store): how far is not
			// known, at least that long.
			st.Error = fmt.Sprintf("the replica lags at least %.1f s (behind every position seen since this server started or in the last minute): reads go to the primary", st.LagSeconds)
		}
	}
	lag := time.Duration(st.LagSeconds * float64(time.Second))
	// A paused replay (an operator's pg_wal_replay_pause) is used like
	// any other lag: while it stays under the limit.
	st.InUse = st.OK && st.Error == "" && lag <= rp.maxLag
	if st.OK && !st.InUse && st.Error == "" {
		st.Error = fmt.Sprintf("the replica lags %.1f s, more than %s: reads go to the primary", st.LagSeconds, rp.maxLag)
	}
	if !st.OK && rp.usable.Load() {
		// Connections to a replica that went away are not tried again
		// when it comes back: drop the idle ones.
		rp.pool.SetMaxIdleConns(0)
		rp.pool.SetMaxIdleConns(rp.conns)
	}
	rp.usable.Store(st.InUse)
	rp.state = st
}

// CloseReplica stops the monitor and closes the read pool.
func (d *DB) CloseReplica() error {
	rp := d.replica
	if rp == nil {
		return nil
	}
	if rp.stop != nil {
		rp.stop()
		<-rp.done
	}
	return rp.pool.Close()
}

// replicaFailure says what kind of failure err is, never its text: the
// health report is public (/healthz), and a driver's message may name the
// replica's host, user and database.
func replicaFailure(err error) string {
	var pgErr *pgconn.PgError
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time"
	case errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "28"):
		return "it refused the login (SQLSTATE " + pgErr.Code + ")"
	case errors.As(err, &pgErr):
		return "PostgreSQL error SQLSTATE " + pgErr.Code
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &opErr):
		return "network error (" + opErr.Op + ")"
	}
	return "connection failed"
}
