// Package lease runs background work on one server at a time among several
// sharing a database: a worker runs only while this server holds the
// work's lease (a row in the database with an expiry), and is stopped when
// the lease is lost. A server that dies stops renewing; another takes the
// lease over once it expires (within TTL + TTL/3).
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"
)

// Store keeps the leases (models.Store).
type Store interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	RenewLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// DefaultTTL is a lease's time to live: renewed every TTL/3, so a dead
// holder's work moves within TTL + TTL/3 (20 s), under 30 s.
const DefaultTTL = 15 * time.Second

// Group holds this server's leases and runs their workers.
type Group struct {
	store  Store
	holder string
	log    *slog.Logger
	// TTL of the leases; zero: DefaultTTL. Set before Go.
	TTL time.Duration

	mu   sync.Mutex
	held map[string]bool
	wg   sync.WaitGroup
}

// NewGroup is a group whose leases are held in the name of holder (""
// makes one: host name, process id and random bytes, unique per process).
func NewGroup(store Store, holder string, log *slog.Logger) *Group {
	if holder == "" {
		holder = NewHolder()
	}
	return &Group{store: store, holder: holder, log: log, held: map[string]bool{}}
}

// NewHolder names this process among the servers (serve passes the
// import worker's models.JobHolder instead, which also tells apart
// containers with one host name).
func NewHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Holder is the name this group holds leases under.
func (g *Group) Holder() string { return g.holder }

// Held lists the leases this server holds now, sorted.
func (g *Group) Held() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var names []string
	for n, ok := range g.held {
		if ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// Go runs work in the background whenever this server holds the lease
// name, until ctx ends: work must return soon after its context ends.
func (g *Group) Go(ctx context.Context, name string, work func(context.Context)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.Run(ctx, name, work)
	}()
}

// Wait waits until every Go has returned (after their ctx ended).
func (g *Group) Wait() { g.wg.Wait() }

func (g *Group) ttl() time.Duration {
	if g.TTL <= 0 {
		return DefaultTTL
	}
	return g.TTL
}

func (g *Group) setHeld(name string, ok bool) {
	g.mu.Lock()
	g.held[name] = ok
	g.mu.Unlock()
}

// Run is Go in the caller's goroutine: it returns when ctx ends, after
// work has stopped and the lease was given up. A server that is killed
// gives up nothing; its lease expires.
func (g *Group) Run(ctx context.Context, name string, work func(context.Context)) {
	ttl := g.ttl()
	every := ttl / 3
	for ctx.Err() == nil {
		// The lease expires ttl from before the call, not after it.
		asked := time.Now()
		ok, err := g.store.AcquireLease(ctx, name, g.holder, ttl)
		if err != nil && ctx.Err() == nil {
			g.log.Error("take a lease", "lease", name, "err", err)
		}
		// An answer that came too late to leave time to renew: not held.
		if ok && time.Since(asked) < ttl*2/3 {
			// Back here when the lease was lost or the work ended by
			// itself: try again after a pause.
			g.hold(ctx, name, work, ttl, asked)
		}
		select {
		case <-ctx.Done():
		case <-time.After(every):
		}
	}
}

// hold runs work while the lease is renewed, from the moment it was taken.
func (g *Group) hold(ctx context.Context, name string, work func(context.Context), ttl time.Duration, taken time.Time) {
	g.setHeld(name, true)
	g.log.Info("lease taken: running its work here", "lease", name, "holder", g.holder)
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		work(wctx)
	}()
	// A renewal that gets no answer must not keep the work running past
	// the lease's expiry: it is given up at 2/3 of the TTL, in time to stop.
	lost, _ := Renew(ctx, ttl/3, ttl*2/3, taken, done, func(rctx context.Context) (bool, error) {
		return g.store.RenewLease(rctx, name, g.holder, ttl)
	}, func(err error) { g.log.Error("renew a lease", "lease", name, "err", err) })
	stop()
	<-done
	g.setHeld(name, false)
	if lost {
		g.log.Warn("lease lost: its work stopped here", "lease", name, "holder", g.holder)
		return
	}
	if ctx.Err() != nil {
		// Stopping cleanly: another server may take it at once.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := g.store.ReleaseLease(rctx, name, g.holder); err != nil {
			g.log.Warn("give up a lease (it expires by itself)", "lease", name, "err", err)
		}
	}
}

// WaitContext is Wait, giving up when ctx ends.
func (g *Group) WaitContext(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Renew renews something held (a lease, an import job's heartbeat) with
// renew every `every`, the last renewal being since, until ctx ends or stop
// is closed (nil: never); then lost is false. lost is true when renew
// answers that it is no longer held here (another process has it), or,
// when giveUp is not 0, once no renewal succeeded for giveUp (gaveUp is
// true then): a renewal waits no longer than that, so a database that
// stopped answering cannot keep work running here past the moment another
// process takes it for dead. A failed renewal is passed to failed (unless
// ctx ended) and tried again at the next tick.
func Renew(ctx context.Context, every, giveUp time.Duration, since time.Time, stop <-chan struct{},
	renew func(context.Context) (bool, error), failed func(error)) (lost, gaveUp bool) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	renewed := since
	for {
		select {
		case <-ctx.Done():
			return false, false
		case <-stop:
			return false, false
		case <-tick.C:
		}
		// A renewal holds from before the call, not after it.
		asked := time.Now()
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if giveUp > 0 {
			rctx, cancel = context.WithDeadline(ctx, renewed.Add(giveUp))
		}
		ok, err := renew(rctx)
		cancel()
		switch {
		case err == nil && ok:
			renewed = asked
		case err == nil:
			return true, false
		case ctx.Err() == nil:
			failed(err)
			if giveUp > 0 && time.Since(renewed) >= giveUp {
				return true, true
			}
		}
	}
}
