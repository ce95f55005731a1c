package imports

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/media/mediatest"
	"github.com/crowdcare/crowdcare/models"
)

// Two app servers on one database: an import claimed by a server that
// then died (on another host, so only its heartbeat can tell) is marked
// interrupted by the other server's worker once the heartbeat is older
// than the TTL, while that worker runs; not before.
func TestWorkerInterruptsADeadServersJob(t *testing.T) {
	ctx := context.Background()
	st, amy := twoServers(t, nil)
	id, err := st[0].QueueImportJob(ctx, amy, "big.csv", filepath.Join(t.TempDir(), "upload-1.csv"), models.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Server A claims it, then dies: no heartbeat after the claim.
	claimed := time.Now()
	if _, err := st[0].ClaimImportJob(ctx, "server-a.example/4242/aaaa"); err != nil {
		t.Fatal(err)
	}
	// Server B's worker, with a short TTL.
	w := New(st[1], t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.HeartbeatEvery, w.TTL = 50*time.Millisecond, 600*time.Millisecond
	wctx, stop := context.WithCancel(ctx)
	defer func() { stop(); w.Wait(ctx) }()
	go w.Run(wctx)
	var j *models.ImportJob
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if j, err = st[1].ImportJob(ctx, id); err != nil || j.Status != models.JobRunning {
			break
		}
	}
	if err != nil || j.Status != models.JobInterrupted {
		t.Fatalf("the dead server's job: %+v %v", j, err)
	}
	if waited := time.Since(claimed); waited < w.TTL {
		t.Errorf("interrupted %v after the last heartbeat, before the TTL %v", waited, w.TTL)
	}
}

// A job left running in the worker's own name (its end, or its
// interruption, could not be recorded: the database refused the write) is
// marked interrupted by that worker too once its heartbeat is older than
// the TTL: between jobs the worker runs none, so nobody renews it, and
// with one server nobody else would ever mark it.
func TestWorkerInterruptsItsOwnStaleJob(t *testing.T) {
	ctx := context.Background()
	s, err := models.Open(ctx, testdb.Location(t, "imports.db"), models.Options{PasswordCost: bcrypt.MinCost, MaxConns: 4, FilesDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	amy, err := s.CreateUser(ctx, models.NewUser{Username: "amy", Email: "amy@example.com", Password: "correct horse", Role: models.RoleAmbassador})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.QueueImportJob(ctx, amy, "big.csv", filepath.Join(t.TempDir(), "upload-1.csv"), models.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := New(s, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.HeartbeatEvery, w.TTL = 50*time.Millisecond, 300*time.Millisecond
	// Claimed in the worker's name, then its end never recorded.
	if _, err := s.ClaimImportJob(ctx, w.Holder()); err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	defer func() { stop(); w.Wait(ctx) }()
	go w.Run(wctx)
	var j *models.ImportJob
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if j, err = s.ImportJob(ctx, id); err != nil || j.Status != models.JobRunning {
			break
		}
	}
	if err != nil || j.Status != models.JobInterrupted {
		t.Fatalf("the job left running in the worker's name: %+v %v", j, err)
	}
}

// With the uploads in a bucket the servers share (gofakes3 here): a dead
// server's job is marked interrupted by another server's worker, which
// deletes its upload from the bucket; an upload no job names is deleted
// only once it is old (another server may be about to queue its job); a
// queued job's upload is kept however old.
func TestSharedUploadsAreDeletedWithTheirJobs(t *testing.T) {
	ctx := context.Background()
	skew := new(atomic.Int64)
	st, amy := twoServers(t, func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
	bucket, err := media.OpenStorage(ctx, mediatest.FakeS3(t, "crowdcare-shared"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bucket.Close() })
	const dead, queued, stray = SharedPrefix + "upload-dead.csv", SharedPrefix + "upload-queued.csv", SharedPrefix + "upload-stray.csv"
	for _, k := range []string{dead, queued, stray} {
		if err := bucket.Put(ctx, k, "text/csv", []byte("tweet_id,text\n1,hello\n")); err != nil {
			t.Fatal(err)
		}
	}
	deadJob, err := st[0].QueueImportJob(ctx, amy, "dead.csv", models.SharedPath(dead), models.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Server A claims the first job and dies (another host: only its heartbeat can tell).
	if _, err := st[0].ClaimImportJob(ctx, "server-a.example/4242/aaaa"); err != nil {
		t.Fatal(err)
	}
	if _, err := st[0].QueueImportJob(ctx, amy, "queued.csv", models.SharedPath(queued), models.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	w := New(st[1], t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.UseStorage(bucket)
	skew.Store(int64(2 * models.ImportJobTTL)) // the dead server's heartbeat is old
	gone, err := w.Recover(ctx)
	if err != nil || len(gone) != 1 || gone[0].ID != deadJob {
		t.Fatalf("recovered %+v %v, want job %d", gone, err, deadJob)
	}
	keys := func() []string {
		objs, err := bucket.List(ctx, SharedPrefix)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range objs {
			out = append(out, o.Key)
		}
		return out
	}
	if got := keys(); !slices.Equal(got, []string{queued, stray}) {
		t.Fatalf("the bucket after recovery holds %v, want the queued job's and the young stray", got)
	}
	w.strayAfter = time.Nanosecond // now the stray is old
	if _, err := w.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keys(); !slices.Equal(got, []string{queued}) {
		t.Fatalf("the bucket holds %v, want the queued job's upload only", got)
	}
}

// twoServers opens two stores on one fresh database, as two app servers
// would (each with its own files directory and the clock now), and makes
// amy, an ambassador, through the first.
func twoServers(t *testing.T, now func() time.Time) ([2]*models.Store, *models.User) {
	t.Helper()
	ctx := context.Background()
	loc := testdb.Location(t, "imports.db")
	var st [2]*models.Store
	for i := range st {
		s, err := models.Open(ctx, loc, models.Options{PasswordCost: bcrypt.MinCost, MaxConns: 4, FilesDir: t.TempDir(), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st[i] = s
	}
	amy, err := st[0].CreateUser(ctx, models.NewUser{Username: "amy", Email: "amy@example.com", Password: "correct horse", Role: models.RoleAmbassador})
	if err != nil {
		t.Fatal(err)
	}
	return st, amy
}
