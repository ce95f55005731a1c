package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// Several app servers started at once on a database nobody opened yet
// (issue 19): the migrations run once, and the secrets made on first start
// (the session keys, the avatar key) are made once, so a login made
// through one server is a login on every other. On PostgreSQL the servers
// are three stores and routers in this process over one empty database:
// goose's advisory lock orders the migrations, and each secret is an
// insert-if-absent read back in the same transaction. On SQLite they are
// three processes' worth of connections to one new file, which SQLite's
// file lock orders (one server per file is what runs in production).
func TestServersStartingTogetherMigrateOnceAndShareTheirKeys(t *testing.T) {
	loc := testdb.EmptyLocation(t, "fresh.db")
	ctx := context.Background()
	const n = 3
	apps := make([]*testApp, n)
	errs := make([]error, n)
	filesDir := filesDirFor(t, loc)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			store, err := models.Open(ctx, loc, models.Options{PasswordCost: bcrypt.MinCost, FilesDir: filesDir, MaxConns: 4})
			if err != nil {
				errs[i] = fmt.Errorf("open: %w", err)
				return
			}
			e, err := New(ctx, Config{BaseURL: "http://forum.test"}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				store.Close()
				errs[i] = fmt.Errorf("start: %w", err)
				return
			}
			apps[i] = &testApp{t: t, srv: httptest.NewServer(e), store: store, skew: new(atomic.Int64), logs: &logBuffer{}}
		}()
	}
	close(start)
	wg.Wait()
	for _, a := range apps {
		if a != nil {
			t.Cleanup(func() { a.srv.Close(); a.store.Close() })
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
	}
	// Every migration is recorded once.
	raw := testdb.Raw(t, loc)
	var versions, rows int
	if err := raw.QueryRow(`SELECT COUNT(DISTINCT version_id), COUNT(*) FROM goose_db_version`).Scan(&versions, &rows); err != nil {
		t.Fatal(err)
	}
	if versions < 2 || rows != versions {
		t.Fatalf("goose_db_version holds %d rows for %d versions: a migration ran more than once", rows, versions)
	}
	// One value per secret, and every server uses it: a login through
	// the first server is a login on the others.
	var keys int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM settings WHERE key IN ('session_hash_key', 'session_block_key', 'avatar_key')`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != 3 {
		t.Fatalf("%d of the 3 secrets stored", keys)
	}
	if _, err := apps[0].store.CreateUser(ctx, models.NewUser{Username: "amy", Email: "amy@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	c := apps[0].login("amy")
	for i, a := range apps {
		c.app = a // the same browser (its cookies), another server
		res := c.get("/settings")
		if res.Code != 200 {
			t.Fatalf("server %d answered %d to a member logged in through server 0", i, res.Code)
		}
		mustContain(t, res.Body, "amy")
	}
}

// Wrong passwords for one account sent at once through two app servers
// over one database, from one address: exactly as many are checked as the
// throttle allows, every other attempt is told to wait (429), whichever
// server it reached; and the right password is refused too until then.
func TestLoginThrottleHoldsAcrossServers(t *testing.T) {
	loc := testdb.Location(t, "servers.db")
	apps := []*testApp{newAppAt(t, loc), newAppAt(t, loc)}
	if _, err := apps[0].store.CreateUser(context.Background(), models.NewUser{Username: "amy", Email: "amy@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	const n = 16
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = apps[i%2].client()
	}
	codes := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = c.post("/login", url.Values{"username": {"amy"}, "password": {"wrong"}}).Code
		}()
	}
	close(start)
	wg.Wait()
	got := map[int]int{}
	for _, code := range codes {
		got[code]++
	}
	const free = 5 // models.loginFreeFailures
	if got[http.StatusUnprocessableEntity] != free || got[http.StatusTooManyRequests] != n-free {
		t.Fatalf("answers to %d wrong passwords at once over two servers: %v, want %d wrong and %d throttled", n, got, free, n-free)
	}
	for i, a := range apps {
		if res := a.client().post("/login", url.Values{"username": {"amy"}, "password": {"correct horse"}}); res.Code != http.StatusTooManyRequests {
			t.Errorf("the right password through server %d at once: %d, want 429", i, res.Code)
		}
	}
}
