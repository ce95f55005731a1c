// Package imports runs uploaded imports as jobs the server owns: one at a
// time, from a queue kept in the database, their files in a directory
// beside the database, so a restart finds both, or, when the attachments
// are in a bucket, in that bucket (under imports/), so any server may run
// any job. With several app servers, each runs a worker: a job is claimed
// by one, which renews its heartbeat while it runs it; any worker marks
// interrupted a job whose heartbeat stopped (its server died).
package imports

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/crowdcare/crowdcare/internal/lease"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// Worker runs queued import jobs. Start it with Run; Stopped is closed when
// Run has returned.
type Worker struct {
	store *models.Store
	// dir holds the uploads on this server's disk; with a shared
	// storage, only the copies being checked or read.
	dir string
	// shared is the bucket the uploads wait in, nil to keep them in dir.
	shared *media.Storage
	log    *slog.Logger
	holder string // this worker's name on the jobs it claims (models.JobHolder)
	wake   chan struct{}
	done   chan struct{}
	// OnDone is told what each job did (the metrics); nil for nothing.
	OnDone func(*models.ImportSummary)
	// HeartbeatEvery and TTL: how often a running job's heartbeat is
	// renewed, and how old another's may get before it is interrupted;
	// zero: models.ImportHeartbeatEvery and models.ImportJobTTL. Set before Run.
	HeartbeatEvery, TTL time.Duration
	// strayAfter is strayAge unless set (tests).
	strayAfter time.Duration
	// onLost is told when a job this worker runs was found interrupted by
	// another process (tests).
	onLost func(job int64)
}

// New makes a worker keeping uploads in dir ("": the store's, beside a
// SQLite file DB.imports).
func New(store *models.Store, dir string, log *slog.Logger) *Worker {
	if dir == "" {
		dir = store.FilesPath("imports")
	}
	return &Worker{store: store, dir: dir, log: log, holder: models.JobHolder(os.Getpid()), wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// SharedPrefix starts the keys of the uploads kept in a shared storage.
const SharedPrefix = "imports/"

// strayAge is how old an upload in the shared storage that no job names
// must be before a worker deletes it: another server may have stored it a
// moment ago and be about to queue its job.
const strayAge = time.Hour

func (w *Worker) strayAge() time.Duration {
	if w.strayAfter > 0 {
		return w.strayAfter
	}
	return strayAge
}

// UseStorage keeps the uploads in st when it is a bucket (several servers
// share it): the server that took the upload stores it there, the one that
// runs its job reads it from there and deletes it at the end. A local
// directory changes nothing (the uploads stay in the worker's directory).
// Call before Run.
func (w *Worker) UseStorage(st *media.Storage) {
	if st != nil && st.Dir() == "" {
		w.shared = st
	}
}

// Holder is the name this worker claims jobs under.
func (w *Worker) Holder() string { return w.holder }

func (w *Worker) heartbeatEvery() time.Duration {
	if w.HeartbeatEvery > 0 {
		return w.HeartbeatEvery
	}
	return models.ImportHeartbeatEvery
}

func (w *Worker) ttl() time.Duration {
	if w.TTL > 0 {
		return w.TTL
	}
	return models.ImportJobTTL
}

// Dir is where uploads wait for their job.
func (w *Worker) Dir() string { return w.dir }

// CreateFile makes the file an upload is copied to.
func (w *Worker) CreateFile(ext string) (*os.File, error) {
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		return nil, fmt.Errorf("imports directory: %w", err)
	}
	return os.CreateTemp(w.dir, "upload-*"+ext)
}

// Keep hands the checked upload at path (made by CreateFile) to the
// storage the jobs read: with a shared storage it is copied there
// (streamed) and the local file removed, and the path to queue the job
// with is returned; otherwise it stays where it is. On failure, path is
// removed.
func (w *Worker) Keep(ctx context.Context, path string) (string, error) {
	if w.shared == nil {
		return path, nil
	}
	defer os.Remove(path)
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("keep upload: %w", err)
	}
	defer f.Close()
	key := SharedPrefix + "upload-" + rand.Text() + filepath.Ext(path)
	if err := w.shared.PutFrom(ctx, key, "application/octet-stream", f); err != nil {
		return "", fmt.Errorf("keep upload: %w", err)
	}
	return models.SharedPath(key), nil
}

// Discard deletes an upload Keep returned whose job will not run (or has
// ended), wherever it is.
func (w *Worker) Discard(ctx context.Context, path string) error {
	if key, ok := models.SharedKey(path); ok {
		if w.shared == nil {
			return fmt.Errorf("remove %s: no shared storage configured", path)
		}
		return w.shared.Delete(ctx, key)
	}
	if path == "" {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// local makes job's upload readable as a file on this server: a shared one
// is copied (streamed) to a temporary file in the worker's directory, which
// done removes; a local one is read in place.
func (w *Worker) local(ctx context.Context, path string) (local string, done func(), err error) {
	key, ok := models.SharedKey(path)
	if !ok {
		return path, func() {}, nil
	}
	if w.shared == nil {
		return "", nil, fmt.Errorf("read %s: no shared storage configured (--uploads-url)", path)
	}
	r, err := w.shared.Open(ctx, key)
	if err != nil {
		return "", nil, fmt.Errorf("read the upload: %w", err)
	}
	defer r.Close()
	f, err := w.CreateFile(filepath.Ext(key))
	if err != nil {
		return "", nil, err
	}
	done = func() { os.Remove(f.Name()) }
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		done()
		return "", nil, fmt.Errorf("copy the upload from %s: %w", w.shared, err)
	}
	return f.Name(), done, nil
}

// Wake tells the worker a job was queued.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Recover marks interrupted the jobs whose process died (removing their
// files) and removes the files no queued job needs: uploads whose job was
// never recorded. Run calls it first.
func (w *Worker) Recover(ctx context.Context) ([]models.ImportJob, error) {
	gone, err := w.recoverJobs(ctx)
	if err != nil {
		return gone, err
	}
	keep, err := w.store.ImportJobFiles(ctx)
	if err != nil {
		return gone, err
	}
	if w.shared != nil {
		// Uploads no job names, old enough not to be one being queued.
		objs, err := w.shared.List(ctx, SharedPrefix)
		if err != nil {
			return gone, err
		}
		for _, o := range objs {
			if !slices.Contains(keep, models.SharedPath(o.Key)) && time.Since(o.ModTime) > w.strayAge() {
				if err := w.shared.Delete(ctx, o.Key); err != nil {
					return gone, err
				}
			}
		}
	}
	entries, err := os.ReadDir(w.dir)
	if errors.Is(err, os.ErrNotExist) {
		return gone, nil
	}
	if err != nil {
		return gone, err
	}
	// A file no job names is removed once it is as old as a stray in the
	// shared storage: servers on one host may share this directory
	// (--data-dir), and another's upload may be about to be queued, or be
	// the working copy of a job it runs.
	for _, e := range entries {
		p := filepath.Join(w.dir, e.Name())
		if slices.Contains(keep, p) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return gone, err
		}
		if time.Since(info.ModTime()) <= w.strayAge() {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return gone, err
		}
	}
	return gone, nil
}

// Run recovers, then runs queued jobs one at a time until ctx ends. A job
// running then stops at its next record: what it stored stays and it is
// queued again with its file, so the next start runs it to the end (what
// was stored counts as already imported).
func (w *Worker) Run(ctx context.Context) {
	defer close(w.done)
	gone, err := w.Recover(context.WithoutCancel(ctx))
	if err != nil {
		w.log.Error("imports: recover interrupted jobs", "err", err)
	}
	w.logInterrupted(gone)
	for ctx.Err() == nil {
		job, err := w.store.ClaimImportJob(context.WithoutCancel(ctx), w.holder)
		switch {
		case err == nil:
			w.runJob(ctx, job)
			continue
		case !errors.Is(err, models.ErrNotFound):
			w.log.Error("imports: claim a job", "err", err)
		}
		// Between jobs, look for other processes' dead jobs now and then
		// (only the database's: an upload just copied in, its job not yet
		// queued, must not be taken for a stray file).
		t := time.NewTimer(w.ttl() / 2)
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-t.C:
			gone, err := w.recoverJobs(context.WithoutCancel(ctx))
			if err != nil {
				w.log.Error("imports: recover interrupted jobs", "err", err)
			}
			w.logInterrupted(gone)
		}
		t.Stop()
	}
}

// recoverJobs marks interrupted the jobs whose process died and deletes
// their uploads (models removes the local ones).
func (w *Worker) recoverJobs(ctx context.Context) ([]models.ImportJob, error) {
	// Called only between jobs: none runs here, so one left running in this
	// worker's name (its end could not be recorded) is judged too.
	gone, err := w.store.RecoverImportJobs(ctx, "", w.ttl())
	for _, j := range gone {
		if _, ok := models.SharedKey(j.Path); ok {
			if derr := w.Discard(ctx, j.Path); derr != nil {
				w.log.Error("imports: remove an interrupted job's upload", "job", j.ID, "err", derr)
			}
		}
	}
	return gone, err
}

func (w *Worker) logInterrupted(gone []models.ImportJob) {
	for _, j := range gone {
		w.log.Warn("imports: an import was interrupted (its process ended); importing the file again finishes it",
			"job", j.ID, "file", j.Filename, "stored", j.Stored, "holder", j.Holder)
	}
}

// Heartbeat renews job id's heartbeat in holder's name every `every` until
// ctx ends; when the job is no longer holder's (another process found the
// heartbeat late and marked it interrupted), it calls lost and returns.
// A failed renewal is logged and tried again at the next tick.
func Heartbeat(ctx context.Context, store *models.Store, id int64, holder string, every time.Duration, log *slog.Logger, lost func()) {
	heartbeat(ctx, store, id, holder, every, 0, log, func(bool) { lost() })
}

// heartbeat is Heartbeat that, when giveUp is not 0, also gives the job up
// (lost(true)) once no renewal succeeded for giveUp: a renewal waits no
// longer than that, so a database that stopped answering cannot keep the
// job running here past the TTL, when another process takes it for dead.
func heartbeat(ctx context.Context, store *models.Store, id int64, holder string, every, giveUp time.Duration, log *slog.Logger,
	lost func(gaveUp bool)) {
	gone, gaveUp := lease.Renew(ctx, every, giveUp, time.Now(), nil, func(rctx context.Context) (bool, error) {
		return store.HeartbeatImportJob(rctx, id, holder)
	}, func(err error) { log.Error("imports: renew a job's heartbeat", "job", id, "err", err) })
	if gone {
		lost(gaveUp)
	}
}

// Stopped is closed when Run has returned.
func (w *Worker) Stopped() <-chan struct{} { return w.done }

// Wait waits until Run has returned or ctx ends.
func (w *Worker) Wait(ctx context.Context) error {
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// uploadRead reads an upload alone: its directory's other files are
// nobody's account.js. Inside a ZIP, the archive's own are used.
func uploadRead() tweets.Options { return tweets.Options{Alone: true} }

// CheckFile says what the job would make of an upload without reading a
// tweet (see tweets.CheckFile), read as the job will read it, so a wrong
// file is refused on the form.
func (w *Worker) CheckFile(path string) (tweets.Format, error) {
	return tweets.CheckFile(path, uploadRead())
}

func (w *Worker) runJob(parent context.Context, job *models.ImportJob) {
	quiet := context.WithoutCancel(parent)
	// The job runs while its heartbeat is renewed; it stops if another
	// process marked it interrupted (this one seemed dead for a while).
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var lost, gaveUp atomic.Bool
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		// Given up at 2/3 of the TTL without a renewal: before another
		// process may take the job for dead and mark it interrupted.
		heartbeat(ctx, w.store, job.ID, w.holder, w.heartbeatEvery(), w.ttl()*2/3, w.log, func(gave bool) {
			gaveUp.Store(gave)
			lost.Store(true)
			cancel()
			if w.onLost != nil {
				w.onLost(job.ID)
			}
		})
	}()
	defer func() { cancel(); <-beat }()
	user, err := w.store.UserByID(quiet, job.UserID)
	var im *models.Importer
	if err == nil {
		im, err = w.store.NewImporter(quiet, models.ImportOptions{BrandHandles: job.Options.BrandHandles, Category: job.Options.Category,
			Triage: job.Triage, Actor: user, Source: "upload", Files: []string{job.Filename}, Job: job.ID})
	}
	if err != nil {
		w.end(quiet, job, nil, err)
		return
	}
	path, done, err := w.local(ctx, job.Path)
	if err != nil && lost.Load() {
		w.stopLost(quiet, job, im, gaveUp.Load(), 0)
		return
	}
	if err != nil && ctx.Err() != nil {
		// Stopping while copying: queued again with its upload.
		im.Abandon()
		if rerr := w.store.RequeueImportJob(quiet, job.ID); rerr != nil {
			w.log.Error("imports: requeue", "job", job.ID, "err", rerr)
		}
		return
	}
	if err != nil {
		w.end(quiet, job, im.Abandon(), err)
		return
	}
	defer done()
	read := 0
	res, err := tweets.ReadFileWith(path, uploadRead(), func(t tweets.Tweet) error {
		read++
		if read%5000 == 0 {
			if err := w.store.ProgressImportJob(quiet, job.ID, read); err != nil {
				w.log.Error("import progress", "job", job.ID, "err", err)
			}
		}
		return im.Add(ctx, t)
	})
	if err != nil && lost.Load() {
		w.stopLost(quiet, job, im, gaveUp.Load(), read)
		return
	}
	if err != nil && ctx.Err() != nil {
		// Stopping: what was stored stays; the job runs again on start.
		im.Abandon()
		if rerr := w.store.RequeueImportJob(quiet, job.ID); rerr != nil {
			w.log.Error("imports: requeue", "job", job.ID, "err", rerr)
		}
		w.log.Info("imports: stopped a job; the next start runs it again", "job", job.ID, "read", read)
		return
	}
	var sum *models.ImportSummary
	if err == nil {
		im.Skip("", res.Skipped) // the job page names the upload
		sum, err = im.Finish(quiet)
	} else {
		sum = im.Abandon() // what was stored before the file failed
	}
	w.end(quiet, job, sum, err)
}

// stopLost ends a job stopped because it is no longer this worker's:
// another process marked it interrupted, or (gaveUp) its heartbeat could
// not be renewed in time, and it is marked so here, as far as the database
// answers (else another process does, once the heartbeat is old).
func (w *Worker) stopLost(ctx context.Context, job *models.ImportJob, im *models.Importer, gaveUp bool, read int) {
	im.Abandon()
	if !gaveUp {
		w.log.Warn("imports: another server marked the job interrupted (its heartbeat was late); stopped it", "job", job.ID, "read", read)
		return
	}
	w.log.Warn("imports: the job's heartbeat could not be renewed in time; stopped it before another server takes it for dead",
		"job", job.ID, "read", read)
	if err := w.store.InterruptImportJob(ctx, job.ID); err != nil {
		w.log.Error("imports: mark a job interrupted", "job", job.ID, "err", err)
		return
	}
	if err := w.Discard(ctx, job.Path); err != nil {
		w.log.Error("imports: remove an interrupted job's upload", "job", job.ID, "err", err)
	}
}

func (w *Worker) end(ctx context.Context, job *models.ImportJob, sum *models.ImportSummary, failure error) {
	if w.OnDone != nil {
		w.OnDone(sum)
	}
	if err := w.store.FinishImportJob(ctx, job.ID, sum, failure); err != nil {
		w.log.Error("finish import job", "job", job.ID, "err", err)
	}
	if err := w.Discard(ctx, job.Path); err != nil {
		w.log.Error("remove import file", "job", job.ID, "err", err)
	}
}
