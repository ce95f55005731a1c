package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChangeSignal tells this server's page caches that data may have changed:
// after its own commits (Notify) and, where several servers share the
// database, after another server's.
type ChangeSignal interface {
	// Start watches for other servers' changes until Close.
	Start(ctx context.Context) error
	// Notify reports a commit in this process that may change a page. It
	// must be called after the commit, and returns at once.
	Notify()
	// Close stops watching (a change notified just before is still sent).
	Close() error
}

// NewLocalSignal is the change signal of one process (SQLite: one server
// per file): Notify calls onChange, and nothing else ever does.
func NewLocalSignal(onChange func()) ChangeSignal { return localSignal{onChange} }

type localSignal struct{ onChange func() }

func (localSignal) Start(context.Context) error { return nil }
func (l localSignal) Notify()                   { l.onChange() }
func (localSignal) Close() error                { return nil }

// ChangesChannel is the PostgreSQL channel that servers notify on after a
// commit; the payload is the sending server's id.
const ChangesChannel = "crowdcare_changes"

// PostgresSignal is the change signal of servers sharing one PostgreSQL
// database. After a commit here, Notify moves the local version on at once
// and, at most once per Coalesce, bumps the change_version row and sends
// NOTIFY crowdcare_changes in one statement. A connection of its own
// (pgx, outside the pool) LISTENs and calls OnChange when another server
// notified. While that connection is down, the change_version row is read
// every PollEvery and a new value counts as a change, until LISTEN is back.
type PostgresSignal struct {
	// URL is the database, for the listening connection.
	URL string
	// Pool sends the notifications and polls the version row.
	Pool *sql.DB
	// OnChange moves the local version on.
	OnChange func()
	// Coalesce: at most one notification per this (default 5 ms).
	Coalesce time.Duration
	// PollEvery is how often the version row is read while not listening
	// (default 500 ms).
	PollEvery time.Duration

	// retryListen is how long after losing the listening connection it is
	// opened again (default 500 ms; the row is polled meanwhile).
	retryListen atomic.Int64
	id          string
	pending     chan struct{}
	listening   atomic.Bool
	seen        atomic.Int64 // the version row's value last seen
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	once        sync.Once
	// started is closed once the first LISTEN is up or has failed: Start
	// waits for it, so the change its start counts happens before the
	// store is used, not under a page already cached.
	started     chan struct{}
	startedOnce sync.Once
}

func (p *PostgresSignal) init() {
	p.once.Do(func() {
		b := make([]byte, 8)
		rand.Read(b)
		p.id = hex.EncodeToString(b)
		p.pending = make(chan struct{}, 1)
		p.started = make(chan struct{})
		if p.Coalesce <= 0 {
			p.Coalesce = 5 * time.Millisecond
		}
		if p.PollEvery <= 0 {
			p.PollEvery = 500 * time.Millisecond
		}
		p.retryListen.CompareAndSwap(0, int64(500*time.Millisecond))
	})
}

// Notify moves the local version on and queues a notification for the
// other servers.
func (p *PostgresSignal) Notify() {
	p.init()
	p.OnChange()
	select {
	case p.pending <- struct{}{}:
	default: // one is queued already: it covers this commit too
	}
}

// Start starts the sender and the listener.
func (p *PostgresSignal) Start(ctx context.Context) error {
	p.init()
	ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.wg.Add(2)
	go p.send(ctx)
	go p.listen(ctx)
	select {
	case <-p.started:
	case <-time.After(5 * time.Second): // the server is slow: go on, polling covers it
	}
	return nil
}

// markStarted ends Start's wait for the first LISTEN.
func (p *PostgresSignal) markStarted() { p.startedOnce.Do(func() { close(p.started) }) }

// Close stops both, sending a notification still queued first.
func (p *PostgresSignal) Close() error {
	if p.cancel != nil {
		p.cancel()
		p.wg.Wait()
	}
	return nil
}

// SetRetryListen sets how long after losing the listening connection it
// is opened again (default 500 ms); the version row is polled meanwhile.
func (p *PostgresSignal) SetRetryListen(d time.Duration) {
	p.init()
	p.retryListen.Store(int64(d))
}

// Listening reports whether the listening connection is up (else the
// version row is polled).
func (p *PostgresSignal) Listening() bool { return p.listening.Load() }

func (p *PostgresSignal) send(ctx context.Context) {
	defer p.wg.Done()
	for {
		select {
		case <-p.pending:
		case <-ctx.Done():
			select {
			case <-p.pending:
				sctx, cancel := context.WithTimeout(context.Background(), time.Second)
				p.sendOne(sctx)
				cancel()
			default:
			}
			return
		}
		if err := p.sendOne(ctx); err != nil && ctx.Err() == nil {
			// Send again shortly: other servers must hear of it.
			select {
			case p.pending <- struct{}{}:
			default:
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(p.Coalesce):
		}
	}
}

// sendOne bumps the version row and notifies, in one statement (so one
// commit); the connection is quiet, so this commit notifies nothing again.
func (p *PostgresSignal) sendOne(ctx context.Context) error {
	c, err := p.Pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := SetQuiet(c, true); err != nil {
		return err
	}
	defer SetQuiet(c, false)
	var n int64
	err = c.QueryRowContext(ctx, `WITH v AS (UPDATE change_version SET n = n + 1 WHERE id = 1 RETURNING n)
		SELECT n FROM v, pg_notify('`+ChangesChannel+`', CAST(? AS TEXT))`, p.id).Scan(&n)
	if err == nil {
		// Our own bump is no news; another server's in between is.
		p.seen.CompareAndSwap(n-1, n)
	}
	return err
}

func (p *PostgresSignal) listen(ctx context.Context) {
	defer p.wg.Done()
	for ctx.Err() == nil {
		p.listenOnce(ctx)
		p.markStarted()
		p.listening.Store(false)
		if ctx.Err() != nil {
			return
		}
		// Whatever came meanwhile is unknown: count it as a change, then
		// watch the version row until it is time to LISTEN again.
		p.OnChange()
		p.poll(ctx, false)
		retry := time.After(time.Duration(p.retryListen.Load()))
		tick := time.NewTicker(p.PollEvery)
	wait:
		for {
			select {
			case <-ctx.Done():
				tick.Stop()
				return
			case <-retry:
				break wait
			case <-tick.C:
				p.poll(ctx, true)
			}
		}
		tick.Stop()
	}
}

// poll reads the version row; report: call OnChange if it moved.
func (p *PostgresSignal) poll(ctx context.Context, report bool) {
	var n int64
	if err := p.Pool.QueryRowContext(ctx, `SELECT n FROM change_version WHERE id = 1`).Scan(&n); err != nil {
		return
	}
	if old := p.seen.Swap(n); report && old != n {
		p.OnChange()
	}
}

// listenOnce opens the listening connection and waits for notifications
// on it until it fails or ctx ends.
func (p *PostgresSignal) listenOnce(ctx context.Context) {
	cfg, err := pgx.ParseConfig(p.URL)
	if err != nil {
		return
	}
	cfg.RuntimeParams["application_name"] = "crowdcare-listen"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return
	}
	p.listening.Store(true)
	// Changes while nobody listened (the start, a reconnection) are unknown.
	p.OnChange()
	p.markStarted()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return
		}
		if n.Payload != p.id {
			p.OnChange()
		}
	}
}
