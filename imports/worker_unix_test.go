//go:build linux || darwin

package imports

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// syncBuffer is a log both the worker and the test use.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A job that runs long on server A (its upload is a pipe nobody writes
// yet): A's heartbeat keeps server B's worker from taking it for dead
// however long it runs. When A stalls and B marks the job interrupted, A
// finds its heartbeat refused, stops the job, and its end does not
// overwrite the interruption.
func TestWorkerHeartbeatKeepsItsJobAndStopsWhenItIsTaken(t *testing.T) {
	ctx := context.Background()
	st, amy := twoServers(t, nil)
	pipe := filepath.Join(t.TempDir(), "upload-1.csv")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := st[0].QueueImportJob(ctx, amy, "slow.csv", pipe, models.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	logA := &syncBuffer{}
	lost := make(chan int64, 1)
	start := func(s *models.Store, log *syncBuffer) *Worker {
		w := New(s, t.TempDir(), slog.New(slog.NewTextHandler(log, nil)))
		w.HeartbeatEvery, w.TTL = 40*time.Millisecond, 300*time.Millisecond
		wctx, stop := context.WithCancel(ctx)
		go w.Run(wctx)
		t.Cleanup(func() {
			stop()
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			w.Wait(wctx)
		})
		return w
	}
	a := start(st[0], logA)
	a.onLost = func(job int64) { lost <- job }
	var j *models.ImportJob
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if j, err = st[0].ImportJob(ctx, id); err != nil || j.Status != models.JobQueued {
			break
		}
	}
	if err != nil || j.Status != models.JobRunning || j.Holder != a.Holder() {
		t.Fatalf("A's claim: %+v %v", j, err)
	}
	claimed := j.HeartbeatAt
	// Run first at the end (cleanups run last in, first out): a reader
	// still waiting for the pipe's writer gets one that closes at once.
	t.Cleanup(func() {
		if f, err := os.OpenFile(pipe, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	b := start(st[1], &syncBuffer{})
	// Three TTLs while A's job waits for its file: B looks every TTL/2.
	time.Sleep(3 * b.TTL)
	if j, err = st[1].ImportJob(ctx, id); err != nil || j.Status != models.JobRunning || !j.HeartbeatAt.After(claimed) {
		t.Fatalf("after %v of A's heartbeats: %+v %v", 3*b.TTL, j, err)
	}
	// A stalls, and is taken for dead: the job is marked interrupted.
	if err := st[1].InterruptImportJob(ctx, id); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-lost:
		if got != id {
			t.Fatalf("A lost job %d, want %d", got, id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("A never found its heartbeat refused")
	}
	// The file comes at last: A stops at its first record.
	f, err := os.OpenFile(pipe, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("tweet_id,text\n1,My router drops the connection every evening\n")
	f.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(logA.String(), "stopped it"); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logA.String(), "another server marked the job interrupted") {
		t.Fatalf("A did not say it stopped the job: %s", logA.String())
	}
	if j, err = st[0].ImportJob(ctx, id); err != nil || j.Status != models.JobInterrupted {
		t.Fatalf("the job after A stopped: %+v %v", j, err)
	}
}

// A job whose heartbeat cannot be renewed (the database holds its row
// locked and answers nothing in time) is given up by its own worker before
// the heartbeat is old enough for another server to take it for dead, so
// it never runs on after that; once the database answers, the worker marks
// it interrupted itself.
func TestWorkerGivesUpAJobWhoseHeartbeatFails(t *testing.T) {
	ctx := context.Background()
	loc := testdb.Location(t, "imports.db")
	s, err := models.Open(ctx, loc, models.Options{PasswordCost: bcrypt.MinCost, MaxConns: 4, FilesDir: t.TempDir(),
		LockWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	amy, err := s.CreateUser(ctx, models.NewUser{Username: "amy", Email: "amy@example.com", Password: "correct horse", Role: models.RoleAmbassador})
	if err != nil {
		t.Fatal(err)
	}
	pipe := filepath.Join(t.TempDir(), "upload-1.csv")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := s.QueueImportJob(ctx, amy, "slow.csv", pipe, models.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	logA := &syncBuffer{}
	w := New(s, t.TempDir(), slog.New(slog.NewTextHandler(logA, nil)))
	w.HeartbeatEvery, w.TTL = 40*time.Millisecond, 900*time.Millisecond
	lost := make(chan time.Time, 1)
	w.onLost = func(int64) { lost <- time.Now() }
	wctx, stop := context.WithCancel(ctx)
	go w.Run(wctx)
	t.Cleanup(func() {
		stop()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		w.Wait(wctx)
	})
	t.Cleanup(func() {
		if f, err := os.OpenFile(pipe, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	var j *models.ImportJob
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if j, err = s.ImportJob(ctx, id); err != nil || j.Status != models.JobQueued {
			break
		}
	}
	if err != nil || j.Status != models.JobRunning {
		t.Fatalf("the claim: %+v %v", j, err)
	}
	time.Sleep(3 * w.HeartbeatEvery)
	// The job's row is locked by another connection: every renewal fails.
	raw := testdb.Raw(t, loc)
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE import_jobs SET processed = processed WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	var gaveUp time.Time
	select {
	case gaveUp = <-lost:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker kept running a job whose heartbeat it could not renew")
	}
	if j, err = s.ImportJob(ctx, id); err != nil || j.Status != models.JobRunning {
		t.Fatalf("the job when given up: %+v %v", j, err)
	}
	if age := gaveUp.Sub(j.HeartbeatAt); age >= w.TTL {
		t.Fatalf("given up %v after its last heartbeat: another server could take it for dead from %v", age, w.TTL)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// The file comes at last: the job stops at its first record.
	f, err := os.OpenFile(pipe, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("tweet_id,text\n1,My router drops the connection every evening\n")
	f.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if j, err = s.ImportJob(ctx, id); err != nil || j.Status != models.JobRunning {
			break
		}
	}
	if err != nil || j.Status != models.JobInterrupted {
		t.Fatalf("the job after it was given up: %+v %v\n%s", j, err, logA.String())
	}
	if !strings.Contains(logA.String(), "could not be renewed in time") {
		t.Fatalf("the worker did not say why it stopped the job: %s", logA.String())
	}
}
