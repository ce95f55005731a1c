package ops_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/dbtest"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/ops"
)

// errNotFound stands for the store's not-found error in these tests.
var errNotFound = errors.New("test: not found")

// twoServers opens two stores on one fresh database, as two app servers
// (on SQLite two processes sharing the file), and runs the operations over
// each one's database layer.
func twoServers(t *testing.T) (*ops.Ops, *ops.Ops) {
	t.Helper()
	loc := testdb.Location(t, "leases.db")
	var out [2]*ops.Ops
	for i := range out {
		s, err := models.Open(context.Background(), loc, models.Options{PasswordCost: bcrypt.MinCost, MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = ops.New(s.DB(), ops.Config{Location: loc, NotFound: errNotFound})
	}
	return out[0], out[1]
}

func TestLeaseOneHolderAtATime(t *testing.T) {
	a, b := twoServers(t)
	ctx := context.Background()
	const ttl = 800 * time.Millisecond

	// Sixteen holders on two servers try at once: one gets it.
	var won atomic.Int32
	var winner atomic.Value
	dbtest.Concurrently(t, 16, func(i int) error {
		s := []*ops.Ops{a, b}[i%2]
		ok, err := s.AcquireLease(ctx, "mail", fmt.Sprintf("h%d", i), ttl)
		if ok {
			won.Add(1)
			winner.Store(fmt.Sprintf("h%d", i))
		}
		return err
	})
	if won.Load() != 1 {
		t.Fatalf("%d holders took one lease at once, want 1", won.Load())
	}
	h := winner.Load().(string)
	if got, _, err := b.LeaseHolder(ctx, "mail"); err != nil || got != h {
		t.Fatalf("LeaseHolder = %q, %v; want %q", got, err, h)
	}
	// Another name is another lease.
	if ok, err := b.AcquireLease(ctx, "poller", "other", ttl); err != nil || !ok {
		t.Fatalf("a second lease: %v, %v", ok, err)
	}
	// The holder renews and takes again; the others cannot renew.
	if ok, err := a.RenewLease(ctx, "mail", h, ttl); err != nil || !ok {
		t.Fatalf("holder's renewal: %v, %v", ok, err)
	}
	if ok, err := b.AcquireLease(ctx, "mail", h, ttl); err != nil || !ok {
		t.Fatalf("holder takes its lease again (from the other server): %v, %v", ok, err)
	}
	if ok, err := b.RenewLease(ctx, "mail", "other", ttl); err != nil || ok {
		t.Fatalf("a non-holder renewed: %v, %v", ok, err)
	}
	if ok, err := b.AcquireLease(ctx, "mail", "other", ttl); err != nil || ok {
		t.Fatalf("taken before it expired: %v, %v", ok, err)
	}
	// Not renewed: another takes it once it expired, and the old holder
	// can no longer renew it.
	time.Sleep(ttl + 50*time.Millisecond)
	if ok, err := b.AcquireLease(ctx, "mail", "other", ttl); err != nil || !ok {
		t.Fatalf("not taken after expiry: %v, %v", ok, err)
	}
	if ok, err := a.RenewLease(ctx, "mail", h, ttl); err != nil || ok {
		t.Fatalf("the old holder renewed a lease another took: %v, %v", ok, err)
	}
	// Released by someone else: nothing; by its holder: free at once.
	if err := a.ReleaseLease(ctx, "mail", h); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := a.LeaseHolder(ctx, "mail"); got != "other" {
		t.Fatalf("a non-holder's release changed the holder to %q", got)
	}
	if err := b.ReleaseLease(ctx, "mail", "other"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.LeaseHolder(ctx, "mail"); !errors.Is(err, errNotFound) {
		t.Fatalf("released lease: %v, want the not-found error", err)
	}
	if ok, err := a.AcquireLease(ctx, "mail", h, ttl); err != nil || !ok {
		t.Fatalf("a released lease is free at once: %v, %v", ok, err)
	}
}
