package social_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/storetest"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/social"
)

// clock is a test's time: it stands still until moved on.
type clock struct{ unix atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.unix.Store(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).UnixMilli())
	return c
}

func (c *clock) now() time.Time      { return time.UnixMilli(c.unix.Load()) }
func (c *clock) add(d time.Duration) { c.unix.Add(d.Milliseconds()) }
func (c *clock) deps() social.Deps {
	return social.Deps{Now: c.now, NotFound: models.ErrNotFound, SharedKey: models.SharedKey}
}
func openStore(t *testing.T, location string, c *clock) *models.Store {
	return storetest.OpenAt(t, location, c.now)
}

// jobsDB is social listening's storage over a fresh database (migrated by
// the store, which also makes the member who queues the uploads), on the
// test's clock.
func jobsDB(t *testing.T, c *clock) (*social.Social, *models.Store, int64) {
	t.Helper()
	s := openStore(t, testdb.Location(t, "jobs.db"), c)
	u, err := s.CreateUser(context.Background(), models.NewUser{Username: "amy", Email: "amy@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	return social.New(s.DB(), c.deps()), s, u.ID
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func loadJob(t *testing.T, so *social.Social, id int64) *social.ImportJob {
	t.Helper()
	j, err := so.ImportJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestImportJobLifecycle: a queued upload keeps its file and options; a
// claim takes it once and says who runs it; a heartbeat renews it for its
// holder only; a job whose heartbeat is late is interrupted by whoever
// looks (its file removed, what it stored counted) and stays interrupted;
// a finished job keeps its summary and gives up its file; a requeued job
// waits again; an interrupted import waits until a later one resumes it.
func TestImportJobLifecycle(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	so, st, amy := jobsDB(t, c)
	dir := t.TempDir()
	file := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("id,text\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first, second := file("first.csv"), file("second.csv")
	opts := social.ImportJobOptions{Category: "billing", BrandHandles: []string{"NorthwindHelp"}}
	id1, err := so.QueueJob(ctx, amy, "first.csv", first, opts, false)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := so.QueueJob(ctx, amy, "second.csv", second, social.ImportJobOptions{}, true)
	if err != nil {
		t.Fatal(err)
	}
	j := loadJob(t, so, id1)
	if j.Status != social.JobQueued || !j.Running() || j.UserID != amy || j.Source != "upload" || j.Path != first ||
		j.Options.Category != "billing" || !slices.Equal(j.Options.BrandHandles, opts.BrandHandles) || j.Triage {
		t.Fatalf("queued job: %+v", j)
	}
	if files, err := so.ImportJobFiles(ctx); err != nil || !slices.Equal(sorted(files), []string{first, second}) {
		t.Fatalf("files of queued jobs: %v %v", files, err)
	}

	holder := social.JobHolder(os.Getpid()) // this process: alive, judged by its heartbeat only
	j, err = so.ClaimImportJob(ctx, holder)
	if err != nil || j.ID != id1 || j.Status != social.JobRunning || j.Holder != holder || j.PID != os.Getpid() ||
		!j.HeartbeatAt.Equal(c.now()) {
		t.Fatalf("claimed %+v %v", j, err)
	}
	if err := so.SetJobImport(ctx, id1, 41); err != nil {
		t.Fatal(err)
	}
	if err := so.ProgressImportJob(ctx, id1, 120); err != nil {
		t.Fatal(err)
	}
	c.add(social.ImportHeartbeatEvery)
	if ok, err := so.HeartbeatImportJob(ctx, id1, holder); err != nil || !ok {
		t.Fatalf("heartbeat of the holder: %v %v", ok, err)
	}
	if ok, err := so.HeartbeatImportJob(ctx, id1, social.JobHolder(os.Getpid())); err != nil || ok {
		t.Fatalf("heartbeat of another holder: %v %v", ok, err)
	}
	if j := loadJob(t, so, id1); j.ImportID != 41 || j.Processed != 120 || !j.HeartbeatAt.Equal(c.now()) {
		t.Fatalf("running job: %+v", j)
	}

	// Not late yet: left running. Late: interrupted, its file removed.
	c.add(social.ImportJobTTL - time.Second)
	if gone, err := so.RecoverImportJobs(ctx, "", social.ImportJobTTL); err != nil || len(gone) != 0 {
		t.Fatalf("recovered before the TTL: %+v %v", gone, err)
	}
	c.add(time.Second)
	gone, err := so.RecoverImportJobs(ctx, "", social.ImportJobTTL)
	if err != nil || len(gone) != 1 || gone[0].ID != id1 || gone[0].Status != social.JobInterrupted || gone[0].Stored != 0 {
		t.Fatalf("recovered %+v %v", gone, err)
	}
	if _, err := os.Stat(first); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the interrupted job's file is still there: %v", err)
	}
	if err := so.FinishImportJob(ctx, id1, &social.ImportSummary{Read: 1}, nil); err != nil {
		t.Fatal(err)
	}
	if j := loadJob(t, so, id1); j.Status != social.JobInterrupted || j.Path != "" || j.FinishedAt.IsZero() || j.Summary != nil {
		t.Fatalf("interrupted job after a late finish: %+v", j)
	}
	publish, triage, err := social.LeftWaiting(ctx, st.DB().Primary())
	if err != nil || !slices.Equal(publish, []int64{41}) || len(triage) != 0 {
		t.Fatalf("left waiting: %v %v %v", publish, triage, err)
	}

	// The second: claimed, put back in the queue, claimed again, finished.
	if _, err := so.ClaimImportJob(ctx, holder); err != nil {
		t.Fatal(err)
	}
	if err := so.RequeueImportJob(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if j := loadJob(t, so, id2); j.Status != social.JobQueued || j.Holder != "" || j.PID != 0 {
		t.Fatalf("requeued job: %+v", j)
	}
	if j, err := so.ClaimImportJob(ctx, holder); err != nil || j.ID != id2 || !j.Triage {
		t.Fatalf("claimed again: %+v %v", j, err)
	}
	if _, err := so.ClaimImportJob(ctx, holder); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("claim with nothing queued: %v, want the store's ErrNotFound", err)
	}
	sum := &social.ImportSummary{Read: 3, Imported: 2, Filtered: map[string]int{social.FilterSpam: 1},
		Skipped: []social.SkippedRecord{{File: "second.csv", Line: 4, Reason: "no text"}}}
	if err := so.FinishImportJob(ctx, id2, sum, nil); err != nil {
		t.Fatal(err)
	}
	j = loadJob(t, so, id2)
	if j.Status != social.JobDone || j.Path != "" || j.Summary == nil || j.Summary.Read != 3 || j.Summary.FilteredTotal() != 1 ||
		fmt.Sprint(j.Summary.Skipped) != "[second.csv line 4: no text]" {
		t.Fatalf("finished job: %+v %+v", j, j.Summary)
	}
	if files, err := so.ImportJobFiles(ctx); err != nil || len(files) != 0 {
		t.Fatalf("files after the jobs ended: %v %v", files, err)
	}

	// A command-line run, interrupted; a later import resumes the first.
	cli, err := so.StartImportJob(ctx, "root", "archive.zip", false, holder)
	if err != nil {
		t.Fatal(err)
	}
	if err := so.InterruptImportJob(ctx, cli); err != nil {
		t.Fatal(err)
	}
	if j := loadJob(t, so, cli); j.Source != "cli" || j.Operator != "root" || j.Status != social.JobInterrupted {
		t.Fatalf("interrupted command-line job: %+v", j)
	}
	if err := so.ResumedBy(ctx, cli, []int64{41}); err != nil {
		t.Fatal(err)
	}
	if j := loadJob(t, so, id1); j.ResumedBy != cli {
		t.Fatalf("resumed by %d, want %d", j.ResumedBy, cli)
	}
	if publish, triage, err := social.LeftWaiting(ctx, st.DB().Primary()); err != nil || len(publish)+len(triage) != 0 {
		t.Fatalf("left waiting after the resume: %v %v %v", publish, triage, err)
	}
	if _, err := so.ImportJob(ctx, 999); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a job that is not there: %v", err)
	}
}

// TestConcurrentClaimsTakeEachJobOnce: import workers (several goroutines,
// two app servers on PostgreSQL) claiming queued uploads at once take every
// job exactly once.
func TestConcurrentClaimsTakeEachJobOnce(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	so, st, amy := jobsDB(t, c)
	const jobs, workers = 30, 6
	for i := 0; i < jobs; i++ {
		if _, err := so.QueueJob(ctx, amy, fmt.Sprintf("upload%d.csv", i), fmt.Sprintf("/nonexistent/upload%d", i), social.ImportJobOptions{}, false); err != nil {
			t.Fatal(err)
		}
	}
	// Another app server on PostgreSQL; on SQLite one process, one writer.
	servers := []*social.Social{so, so}
	if testdb.Postgres() {
		servers[1] = social.New(openStore(t, st.Path(), c).DB(), c.deps())
	}
	claimed := make([][]int64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, err := servers[w%2].ClaimImportJob(ctx, social.JobHolder(1000+w))
				if errors.Is(err, models.ErrNotFound) {
					return
				}
				if err != nil {
					errs[w] = err
					return
				}
				if j.PID != 1000+w || j.Status != social.JobRunning {
					errs[w] = fmt.Errorf("claimed %+v", j)
					return
				}
				claimed[w] = append(claimed[w], j.ID)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	all := slices.Concat(claimed...)
	slices.Sort(all)
	var want []int64
	for i := int64(1); i <= jobs; i++ {
		want = append(want, i)
	}
	if !slices.Equal(all, want) {
		t.Errorf("claimed %v, want each of 1..%d once", all, jobs)
	}
	var byWorker []string
	for w := 0; w < workers; w++ {
		var n int
		if err := st.DB().Primary().QueryRowContext(ctx, `SELECT COUNT(*) FROM import_jobs WHERE status = 'running' AND pid = ?`,
			1000+w).Scan(&n); err != nil {
			t.Fatal(err)
		}
		byWorker = append(byWorker, fmt.Sprintf("%d:%d", 1000+w, n))
		if n != len(claimed[w]) {
			t.Errorf("worker %d claimed %d jobs, the table says %d", 1000+w, len(claimed[w]), n)
		}
	}
	t.Logf("jobs per worker: %s", strings.Join(byWorker, " "))
}
