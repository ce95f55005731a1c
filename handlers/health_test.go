package handlers

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/lease"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/media"
)

// leasesOf lists a lease group's leases once the test made it.
type leasesOf struct{ g atomic.Pointer[lease.Group] }

func (l *leasesOf) Holder() string { return l.g.Load().Holder() }
func (l *leasesOf) Held() []string { return l.g.Load().Held() }

// /healthz lists the leases this server holds: the background jobs it runs.
func TestHealthzListsLeases(t *testing.T) {
	l := &leasesOf{}
	uploads, err := media.OpenStorage(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := newAppWith(t, testdb.Location(t, "leases.db"), Config{Leases: l, Uploads: uploads})
	g := lease.NewGroup(a.store, "web-1", slog.New(slog.DiscardHandler))
	l.g.Store(g)
	health := func() (holder string, leases []string) {
		t.Helper()
		res := a.client().get("/healthz")
		var h struct {
			Holder string   `json:"lease_holder"`
			Leases []string `json:"leases"`
		}
		if err := json.Unmarshal([]byte(res.Body), &h); err != nil || res.Code != 200 || h.Leases == nil {
			t.Fatalf("healthz: %d %s %v", res.Code, res.Body, err)
		}
		return h.Holder, h.Leases
	}
	if holder, leases := health(); holder != "web-1" || len(leases) != 0 {
		t.Fatalf("before any job: holder %q, leases %v", holder, leases)
	}
	// Another server holds "poller"; this one takes "mail".
	if ok, err := a.store.AcquireLease(context.Background(), "poller", "web-2", time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); g.Wait() }()
	idle := func(ctx context.Context) { <-ctx.Done() }
	g.Go(ctx, "mail", idle)
	g.Go(ctx, "poller", idle)
	deadline := time.Now().Add(3 * time.Second)
	for len(g.Held()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, leases := health(); len(leases) != 1 || leases[0] != "mail" {
		t.Fatalf("healthz lists %v, want [mail] (poller is web-2's)", leases)
	}
}
