// Package dbtest opens, for a domain package's tests, a fresh database of
// the suite's engine (internal/testdb: a PostgreSQL database of its own
// when CROWDCARE_TEST_DATABASE_URL is set, else a SQLite file in the
// test's temporary directory), migrated and with its pools as models.Open
// makes them, but without a store: the packages under models take a
// *db.DB, and their tests give them this one.
package dbtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/migrations"
)

// LockWait is how long a write waits for a lock in these databases.
const LockWait = 5 * time.Second

// Open is a fresh, migrated database named name (a file name on SQLite),
// closed when the test ends. Its hooks are none: nothing counts commits.
func Open(t testing.TB, name string) *db.DB {
	t.Helper()
	ctx := context.Background()
	loc := testdb.Location(t, name)
	if testdb.Postgres() {
		// testdb's PostgreSQL database is a copy of a migrated template.
		pool, err := db.OpenPostgres(ctx, loc, db.PostgresOptions{MaxConns: 4, LockTimeout: LockWait})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pool.Close() })
		return db.New(db.Postgres, pool, pool, pool, LockWait, db.Hooks{})
	}
	// testdb's SQLite file is empty: migrate it as the store does.
	w, err := db.OpenSQLite(loc, db.ConnWriter, LockWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	p, err := goose.NewProvider(goose.DialectSQLite3, w, migrations.SQLite())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := db.OpenSQLite(loc, db.ConnReader, LockWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	d := db.New(db.SQLite, w, nil, nil, LockWait, db.Hooks{})
	d.SetReaders(r, nil)
	return d
}

// Concurrently runs fn(0) … fn(n-1) in n goroutines released together, and
// fails the test with each error.
func Concurrently(t testing.TB, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := fn(i); err != nil {
				errs <- fmt.Errorf("call %d: %w", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
