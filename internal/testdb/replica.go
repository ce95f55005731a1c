package testdb

import (
	"context"
	"testing"

	"github.com/crowdcare/crowdcare/internal/pgcluster"
)

// ReplicaPair starts a throw-away PostgreSQL primary and a streaming
// replica of it, stopped when the test ends. It skips, saying why, on the
// SQLite pass (replicas are PostgreSQL's) and where PostgreSQL's server
// programs are not installed.
func ReplicaPair(t testing.TB) (primary, replica *pgcluster.Cluster) {
	t.Helper()
	if !Postgres() {
		t.Skip("read replicas are PostgreSQL's (--db-replica): this runs on the PostgreSQL pass (CROWDCARE_TEST_DATABASE_URL)")
	}
	if _, err := pgcluster.BinDir(); err != nil {
		t.Skipf("no streaming replica can be started here: %v", err)
	}
	ctx := context.Background()
	p, err := pgcluster.StartPrimary(ctx, pgcluster.Options{})
	if err != nil {
		t.Fatalf("start a primary: %v", err)
	}
	t.Cleanup(p.Stop)
	r, err := p.StartReplica(ctx)
	if err != nil {
		t.Fatalf("start a replica: %v", err)
	}
	t.Cleanup(r.Stop)
	return p, r
}
