package models

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Import jobs with several app servers (issue 19): a job is claimed by one
// server's worker, which renews its heartbeat; another server marks it
// interrupted only once the heartbeat is older than the TTL, never while it
// is renewed, and once however many look at the same time.
func TestImportJobRecoveryAcrossServers(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	advance := func(d time.Duration) { clock.Add(int64(d)) }
	st := servers(t, now)
	ctx := context.Background()
	amy := userWithRole(t, st[0], "amy", RoleAmbassador)
	queue := func(name string) int64 {
		id, err := st[0].QueueImportJob(ctx, amy, name, filepath.Join(t.TempDir(), name), ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first, second := queue("first.csv"), queue("second.csv")
	// Two servers on other hosts than this test's (so only their heartbeats
	// can tell whether they live), and a third that looks.
	holderA, holderB, judge := "server-a.example/4242/aaaa", "server-b.example/4343/bbbb", "server-c.example/99/cccc"
	ja, err := st[0].ClaimImportJob(ctx, holderA)
	if err != nil || ja.ID != first || ja.Holder != holderA || !ja.HeartbeatAt.Equal(time.UnixMilli(now().UnixMilli())) {
		t.Fatalf("server A's claim: %+v %v", ja, err)
	}
	jb, err := st[1].ClaimImportJob(ctx, holderB)
	if err != nil || jb.ID != second || jb.Holder != holderB {
		t.Fatalf("server B's claim: %+v %v", jb, err)
	}
	running := func(id int64) string {
		t.Helper()
		j, err := st[0].ImportJob(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return j.Status
	}

	// Both renew for a while: nothing is interrupted, however late it is.
	for range 6 {
		advance(ImportHeartbeatEvery)
		for i, h := range []string{holderA, holderB} {
			if ok, err := st[i].HeartbeatImportJob(ctx, []int64{first, second}[i], h); !ok || err != nil {
				t.Fatalf("heartbeat of %s: %v %v", h, ok, err)
			}
		}
		if gone, err := st[1].RecoverImportJobs(ctx, judge, ImportJobTTL); err != nil || len(gone) != 0 {
			t.Fatalf("recovery while both renew: %v %v", gone, err)
		}
	}
	// Server B dies: its heartbeat ages; A keeps renewing.
	advance(ImportJobTTL / 2)
	if ok, err := st[0].HeartbeatImportJob(ctx, first, holderA); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if gone, err := st[0].RecoverImportJobs(ctx, judge, ImportJobTTL); err != nil || len(gone) != 0 {
		t.Fatalf("recovery before B's heartbeat is %v old: %v %v", ImportJobTTL, gone, err)
	}
	advance(ImportJobTTL / 2)
	// Every server looks at once: B's job is interrupted once, A's stays.
	results := make([][]ImportJob, 8)
	errs := atOnce(len(results), st, func(i int, s *Store) error {
		var err error
		results[i], err = s.RecoverImportJobs(ctx, judge, ImportJobTTL)
		return err
	})
	wantOutcomes(t, "recoveries at once", errs, map[string]int{"ok": len(results)})
	interrupted := 0
	for _, r := range results {
		for _, j := range r {
			if j.ID != second || j.Status != JobInterrupted {
				t.Errorf("recovery returned %+v", j)
			}
			interrupted++
		}
	}
	if interrupted != 1 {
		t.Errorf("B's job reported interrupted %d times, want once", interrupted)
	}
	if s := running(second); s != JobInterrupted {
		t.Errorf("B's job is %s", s)
	}
	if s := running(first); s != JobRunning {
		t.Errorf("A's job, renewed, is %s", s)
	}
	// B comes back (it was only stalled): its job is no longer its, and
	// its outcome does not overwrite the interruption.
	if ok, err := st[1].HeartbeatImportJob(ctx, second, holderB); ok || err != nil {
		t.Errorf("B renewed a job marked interrupted: %v %v", ok, err)
	}
	if err := st[1].FinishImportJob(ctx, second, &ImportSummary{}, nil); err != nil {
		t.Fatal(err)
	}
	if s := running(second); s != JobInterrupted {
		t.Errorf("B's late finish made its job %s", s)
	}
	// A holder never judges its own job, however old its heartbeat.
	advance(10 * ImportJobTTL)
	if gone, err := st[0].RecoverImportJobs(ctx, holderA, ImportJobTTL); err != nil || len(gone) != 0 {
		t.Fatalf("A judged its own job: %v %v", gone, err)
	}
	if gone, err := st[1].RecoverImportJobs(ctx, judge, ImportJobTTL); err != nil || len(gone) != 1 || gone[0].ID != first {
		t.Fatalf("A's job, its heartbeat stopped: %v %v", gone, err)
	}
}

// A job whose holder ran on this host in a process that has ended is
// interrupted at once (a server restarted on the same machine), not after
// the TTL; one of a live process of this host is not.
func TestImportJobOfADeadProcessOnThisHostIsInterruptedAtOnce(t *testing.T) {
	st := servers(t, fixedClock())
	ctx := context.Background()
	amy := userWithRole(t, st[0], "amy", RoleAmbassador)
	for _, name := range []string{"dead.csv", "alive.csv"} {
		if _, err := st[0].QueueImportJob(ctx, amy, name, "", ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dead, err := st[0].ClaimImportJob(ctx, JobHolder(0)) // no process has id 0
	if err != nil {
		t.Fatal(err)
	}
	alive, err := st[1].ClaimImportJob(ctx, JobHolder(1)) // pid 1: init, alive
	if err != nil {
		t.Fatal(err)
	}
	gone, err := st[1].RecoverImportJobs(ctx, JobHolder(1), ImportJobTTL)
	if err != nil || len(gone) != 1 || gone[0].ID != dead.ID {
		t.Fatalf("recovered %+v %v, want job %d only", gone, err, dead.ID)
	}
	if j, err := st[0].ImportJob(ctx, alive.ID); err != nil || j.Status != JobRunning {
		t.Fatalf("the live process's job: %+v %v", j, err)
	}
}
