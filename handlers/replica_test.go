package handlers

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// eventually polls cond every 20 ms for at most d.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// health reads /healthz.
func (c *client) health() (int, healthReport) {
	c.app.t.Helper()
	res := c.get("/healthz")
	var r healthReport
	if err := json.Unmarshal([]byte(res.Body), &r); err != nil {
		c.app.t.Fatalf("/healthz: %v: %s", err, res.Body)
	}
	return res.Code, r
}

// TestReplicaReadYourWrites serves a forum on a throw-away primary with a
// streaming replica (--db-replica). With the replica's replay paused, a
// member's answer is on their next page (read from the primary: the
// recent-write mark) while a visitor's page, read from the replica, does
// not show it yet; /healthz shows the lag. Resumed, the visitor sees it.
// With the replica stopped, every page reads from the primary and
// /healthz says degraded.
func TestReplicaReadYourWrites(t *testing.T) {
	primary, replica := testdb.ReplicaPair(t)
	ctx := context.Background()
	a := newAppOpts(t, primary.URL("postgres"), models.Options{MaxConns: 8,
		ReplicaURL: replica.URL("postgres"), ReplicaCheckEvery: 20 * time.Millisecond})
	monitor := a.client()
	if !eventually(10*time.Second, func() bool {
		_, r := monitor.health()
		return r.Database.Replica != nil && r.Database.Replica.InUse
	}) {
		_, r := monitor.health()
		t.Fatalf("the replica is not in use: %+v", r.Database.Replica)
	}

	asker, writer, visitor, member := a.client(), a.client(), a.client(), a.client()
	asker.register("asker")
	thread := asker.ask("Router reboots every night")
	writer.register("writer")
	member.register("member")
	// The members' own marks (registering, asking) go stale: the member
	// reads as anyone does, from the replica through the thread cache.
	a.advance(2 * recentWriteWindow)
	if !eventually(10*time.Second, func() bool { return strings.Contains(visitor.get(thread).Body, "Router reboots every night") }) {
		t.Fatal("the visitor never saw the question")
	}

	raw, err := sql.Open("pgx", replica.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	const answer = "Flash the firmware to version 2.4, then reset."
	writer.answer(thread, answer)
	if res := writer.get(thread); res.Code != http.StatusOK || !strings.Contains(res.Body, answer) {
		t.Fatalf("the writer's next page lacks their answer: %d", res.Code)
	}
	if res := visitor.get(thread); res.Code != http.StatusOK || strings.Contains(res.Body, answer) {
		t.Fatalf("a visitor saw the answer the paused replica has not replayed (%d): their page did not read from the replica", res.Code)
	}
	if res := member.get(thread); res.Code != http.StatusOK || strings.Contains(res.Body, answer) {
		t.Fatalf("another member saw the answer the paused replica has not replayed (%d)", res.Code)
	}
	// Once more while it lags: the pages rendered from the lagging replica
	// (kept under the older version the replica shows, not the store's).
	visitor.get(thread)
	member.get(thread)
	if !eventually(5*time.Second, func() bool {
		_, r := monitor.health()
		return r.Database.Replica != nil && r.Database.Replica.LagBytes > 0 && r.Database.Replica.Paused
	}) {
		_, r := monitor.health()
		t.Errorf("/healthz does not show the paused replica's lag: %+v", r.Database.Replica)
	}

	if _, err := raw.ExecContext(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	// No page is asked for until the replica has caught up: then the very
	// next one shows the answer. Had the copy rendered from the lagging
	// replica been kept as current, it would be served (for up to 10 s).
	if !eventually(10*time.Second, func() bool {
		_, r := monitor.health()
		h := r.Database.Replica
		return h != nil && h.InUse && !h.Paused && h.LagBytes == 0 && h.LagSeconds == 0
	}) {
		_, r := monitor.health()
		t.Fatalf("the replica did not catch up after its replay resumed: %+v", r.Database.Replica)
	}
	if res := visitor.get(thread); !strings.Contains(res.Body, answer) {
		t.Fatalf("after the replica caught up a visitor still got the page without the answer (X-Cache %q)", res.Header.Get("X-Cache"))
	}
	if res := member.get(thread); !strings.Contains(res.Body, answer) {
		t.Fatal("after the replica caught up another member still got the thread without the answer (the thread cache kept the replica's old copy as current)")
	}
	raw.Close()

	// The replica goes away: pages read from the primary.
	if err := replica.Kill(); err != nil {
		t.Fatal(err)
	}
	if !eventually(10*time.Second, func() bool {
		code, r := monitor.health()
		return code == http.StatusOK && r.Status == "degraded" && r.Database.Replica != nil && !r.Database.Replica.InUse && !r.Database.Replica.OK
	}) {
		code, r := monitor.health()
		t.Fatalf("/healthz with the replica down: %d %+v %+v", code, r, r.Database.Replica)
	}
	const second = "Or turn off the nightly maintenance window."
	writer.answer(thread, second)
	// Once the writer's mark is stale too, everyone reads the primary.
	a.advance(2 * recentWriteWindow)
	for who, c := range map[string]*client{"the writer": writer, "a visitor": visitor} {
		if res := c.get(thread); res.Code != http.StatusOK || !strings.Contains(res.Body, second) {
			t.Errorf("%s with the replica down: %d, the new answer shown: %v", who, res.Code, strings.Contains(res.Body, second))
		}
	}
}
