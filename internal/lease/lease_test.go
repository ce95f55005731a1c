package lease

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

const ttl = 900 * time.Millisecond

// servers opens n stores on one fresh database, as n app servers (on
// SQLite, processes sharing the file).
func servers(t *testing.T, n int) []*models.Store {
	t.Helper()
	loc := testdb.Location(t, "leases.db")
	var out []*models.Store
	for range n {
		s, err := models.Open(context.Background(), loc, models.Options{PasswordCost: bcrypt.MinCost, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out = append(out, s)
	}
	return out
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// dying is a server that is killed: it never gives its leases up.
type dying struct{ Store }

func (dying) ReleaseLease(context.Context, string, string) error { return nil }

// worker counts how many copies of a job run at once, and where.
type worker struct {
	mu      sync.Mutex
	running map[string]int
	most    int
	ran     map[string]bool
}

func newWorker() *worker { return &worker{running: map[string]int{}, ran: map[string]bool{}} }

func (w *worker) on(server string) func(context.Context) {
	return func(ctx context.Context) {
		w.mu.Lock()
		w.running[server]++
		w.ran[server] = true
		n := 0
		for _, c := range w.running {
			n += c
		}
		w.most = max(w.most, n)
		w.mu.Unlock()
		<-ctx.Done()
		w.mu.Lock()
		w.running[server]--
		w.mu.Unlock()
	}
}

// ranOn says whether the job ever ran on server; most is the most copies
// that ran at once.
func (w *worker) ranOn(server string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ran[server]
}

func (w *worker) mostAtOnce() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.most
}

func (w *worker) runningOn(server string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running[server] > 0
}

func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// Two servers run the same background job: it runs on one only; when that
// one dies (stops renewing, never releases) the other takes it over once
// the lease expired, not before.
func TestLeaseFailover(t *testing.T) {
	st := servers(t, 2)
	w := newWorker()
	ga := NewGroup(dying{st[0]}, "a", quietLog())
	gb := NewGroup(st[1], "b", quietLog())
	ga.TTL, gb.TTL = ttl, ttl
	actx, killA := context.WithCancel(context.Background())
	defer killA()
	ga.Go(actx, "mail", w.on("a"))
	if !waitFor(2*time.Second, func() bool { return w.runningOn("a") }) {
		t.Fatal("the first server never ran the job")
	}
	bctx, stopB := context.WithCancel(context.Background())
	defer func() { stopB(); gb.Wait() }()
	gb.Go(bctx, "mail", w.on("b"))

	// Three lease lifetimes: A renews, B never gets it.
	time.Sleep(3 * ttl)
	if w.ranOn("b") || !w.runningOn("a") {
		t.Fatal("the job ran on B while A held the lease")
	}
	if got, want := ga.Held(), []string{"mail"}; len(got) != 1 || got[0] != want[0] {
		t.Fatalf("A holds %v, want %v", got, want)
	}
	if len(gb.Held()) != 0 {
		t.Fatalf("B holds %v too", gb.Held())
	}

	// A dies without giving the lease up.
	killA()
	ga.Wait()
	died := time.Now()
	if w.runningOn("a") {
		t.Fatal("A's job still runs")
	}
	if !waitFor(ttl+ttl/3+time.Second, func() bool { return w.runningOn("b") }) {
		t.Fatal("B never took the job over")
	}
	took := time.Since(died)
	t.Logf("taken over %v after the holder died (ttl %v)", took.Round(time.Millisecond), ttl)
	if took < ttl/2 {
		t.Fatalf("taken over after %v, before the lease (%v) could have expired", took, ttl)
	}
	if m := w.mostAtOnce(); m != 1 {
		t.Fatalf("%d copies of the job ran at once", m)
	}
	if got := gb.Held(); len(got) != 1 || got[0] != "mail" {
		t.Fatalf("B holds %v", got)
	}
}

// A server that stops cleanly gives its leases up: another takes them at
// its next try, without waiting for the expiry.
func TestLeaseReleasedOnStop(t *testing.T) {
	st := servers(t, 2)
	w := newWorker()
	ga := NewGroup(st[0], "a", quietLog())
	gb := NewGroup(st[1], "b", quietLog())
	ga.TTL, gb.TTL = 30*time.Second, 300*time.Millisecond // B tries every 100 ms
	actx, stopA := context.WithCancel(context.Background())
	ga.Go(actx, "poller", w.on("a"))
	if !waitFor(2*time.Second, func() bool { return w.runningOn("a") }) {
		t.Fatal("A never ran the job")
	}
	bctx, stopB := context.WithCancel(context.Background())
	defer func() { stopB(); gb.Wait() }()
	gb.Go(bctx, "poller", w.on("b"))
	time.Sleep(300 * time.Millisecond)
	stopA()
	ga.Wait()
	if !waitFor(2*time.Second, func() bool { return w.runningOn("b") }) {
		t.Fatal("B did not take over a released lease well before A's 30 s expiry")
	}
	if m := w.mostAtOnce(); m != 1 {
		t.Fatalf("%d copies ran at once", m)
	}
}

// A holder whose lease was taken from it (it could not renew in time)
// stops its job.
func TestLeaseLostStopsTheJob(t *testing.T) {
	st := servers(t, 1)
	w := newWorker()
	g := NewGroup(st[0], "a", quietLog())
	g.TTL = ttl
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); g.Wait() }()
	g.Go(ctx, "detect", w.on("a"))
	if !waitFor(2*time.Second, func() bool { return w.runningOn("a") }) {
		t.Fatal("never ran")
	}
	// Another server takes it (as if A's renewals had stopped reaching the
	// database and the lease had expired).
	bctx := context.Background()
	if err := st[0].ReleaseLease(bctx, "detect", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, err := st[0].AcquireLease(bctx, "detect", "b", time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if !waitFor(ttl, func() bool { return !w.runningOn("a") }) {
		t.Fatal("the job kept running after its lease was taken")
	}
	if len(g.Held()) != 0 {
		t.Fatalf("still says it holds %v", g.Held())
	}
}

// hanging is a server whose lease calls stop getting answers once hang is set
// (a database that no longer replies, a network that drops the packets):
// each waits until its context ends.
type hanging struct {
	Store
	hang atomic.Bool
}

func (h *hanging) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if h.hang.Load() {
		<-ctx.Done()
		return false, ctx.Err()
	}
	return h.Store.AcquireLease(ctx, name, holder, ttl)
}

func (h *hanging) RenewLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if h.hang.Load() {
		<-ctx.Done()
		return false, ctx.Err()
	}
	return h.Store.RenewLease(ctx, name, holder, ttl)
}

// A holder whose renewal hangs stops its job before the lease can expire,
// so the server that takes the lease over never runs the job beside it.
func TestLeaseRenewalHangingStopsTheJob(t *testing.T) {
	st := servers(t, 2)
	w := newWorker()
	ha := &hanging{Store: st[0]}
	ga := NewGroup(ha, "a", quietLog())
	gb := NewGroup(st[1], "b", quietLog())
	ga.TTL, gb.TTL = ttl, ttl
	actx, stopA := context.WithCancel(context.Background())
	defer func() { stopA(); ga.Wait() }()
	ga.Go(actx, "mail", w.on("a"))
	if !waitFor(2*time.Second, func() bool { return w.runningOn("a") }) {
		t.Fatal("A never ran the job")
	}
	bctx, stopB := context.WithCancel(context.Background())
	defer func() { stopB(); gb.Wait() }()
	gb.Go(bctx, "mail", w.on("b"))
	time.Sleep(ttl / 2)
	ha.hang.Store(true)
	if !waitFor(3*ttl, func() bool { return w.runningOn("b") }) {
		t.Fatal("B never took the job over")
	}
	if !waitFor(ttl, func() bool { return !w.runningOn("a") }) {
		t.Fatal("A's job kept running while its renewal hung")
	}
	if m := w.mostAtOnce(); m != 1 {
		t.Fatalf("%d copies of the job ran at once: A's ran on after its lease expired", m)
	}
}
