package media_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/lease"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/models"
)

// countingStore counts the cleaner's rounds on one server.
type countingStore struct {
	*models.Store
	rounds *atomic.Int64
}

func (c countingStore) DropOrphanAttachments(ctx context.Context) (int, error) {
	c.rounds.Add(1)
	return c.Store.DropOrphanAttachments(ctx)
}

// dyingLeases is a server killed: it never gives its leases up.
type dyingLeases struct{ lease.Store }

func (dyingLeases) ReleaseLease(context.Context, string, string) error { return nil }

// Two app servers sharing one database and one storage, each with an
// uploads cleaner under the lease serve gives it: only the holder cleans,
// and when it dies the other takes the lease over and cleans what is
// queued since.
func TestUploadsCleanerRunsOnOneServer(t *testing.T) {
	ctx := context.Background()
	loc := testdb.Location(t, "cleaner.db")
	storage, err := media.OpenStorage(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer storage.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var stores [2]*models.Store
	var rounds [2]atomic.Int64
	var groups [2]*lease.Group
	var cancels [2]context.CancelFunc
	for i := range stores {
		s, err := models.Open(ctx, loc, models.Options{PasswordCost: bcrypt.MinCost, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	start := func(i int, leases lease.Store) {
		g := lease.NewGroup(leases, []string{"a", "b"}[i], log)
		g.TTL = 600 * time.Millisecond
		c := media.NewCleaner(countingStore{stores[i], &rounds[i]}, storage, 20*time.Millisecond, log)
		cctx, cancel := context.WithCancel(ctx)
		g.Go(cctx, "uploads-cleaner", c.Loop)
		groups[i], cancels[i] = g, cancel
		t.Cleanup(func() { cancel(); g.Wait() })
	}
	start(0, dyingLeases{stores[0]})
	if !waitFor(5*time.Second, func() bool { return rounds[0].Load() > 0 }) {
		t.Fatal("server A never cleaned")
	}
	start(1, stores[1])
	raw := testdb.Raw(t, loc)
	trash := func(key string) {
		t.Helper()
		if err := storage.Put(ctx, media.FileKey(key), "image/png", []byte("png")); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`INSERT INTO upload_trash (key, queued_at) VALUES ('` + key + `', 1)`); err != nil {
			t.Fatal(err)
		}
	}
	gone := func(key string) func() bool {
		return func() bool {
			ok, err := storage.Exists(ctx, media.FileKey(key))
			return err == nil && !ok
		}
	}
	trash("aa01")
	if !waitFor(5*time.Second, gone("aa01")) {
		t.Fatal("the trashed file was never deleted")
	}
	time.Sleep(200 * time.Millisecond) // B would have had ten rounds by now
	if n := rounds[1].Load(); n != 0 {
		t.Fatalf("server B cleaned %d times while A held the lease", n)
	}
	// A dies (kill -9: its lease is not given up); B takes over within TTL + TTL/3.
	cancels[0]()
	groups[0].Wait()
	trash("bb02")
	if !waitFor(5*time.Second, gone("bb02")) {
		t.Fatal("after A died, the trashed file was never deleted")
	}
	if rounds[1].Load() == 0 || !slices.Equal(groups[1].Held(), []string{"uploads-cleaner"}) {
		t.Fatalf("B did not take the cleaning over: %d rounds, holds %v", rounds[1].Load(), groups[1].Held())
	}
}

// waitFor polls cond until it holds or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}
