// Package imports runs uploaded imports as jobs the server owns: one at a
// time, from a queue kept in the database, their files in a directory
// beside the database, so a restart finds both. With several app servers,
// each runs a worker: a job is claimed by one, which renews its heartbeat
// while it runs it; any worker marks interrupted a job whose heartbeat
// stopped (its server died).
package imports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// Worker runs queued import jobs. Start it with Run; Stopped is closed when
// Run has returned.
type Worker struct {
	store  *models.Store
	dir    string
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
	gone, err := w.store.RecoverImportJobs(ctx, w.holder, w.ttl())
	if err != nil {
		return gone, err
	}
	keep, err := w.store.ImportJobFiles(ctx)
	if err != nil {
		return gone, err
	}
	entries, err := os.ReadDir(w.dir)
	if errors.Is(err, os.ErrNotExist) {
		return gone, nil
	}
	if err != nil {
		return gone, err
	}
	for _, e := range entries {
		p := filepath.Join(w.dir, e.Name())
		if !slices.Contains(keep, p) {
			if err := os.Remove(p); err != nil {
				return gone, err
			}
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
			gone, err := w.store.RecoverImportJobs(context.WithoutCancel(ctx), w.holder, w.ttl())
			if err != nil {
				w.log.Error("imports: recover interrupted jobs", "err", err)
			}
			w.logInterrupted(gone)
		}
		t.Stop()
	}
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
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := store.HeartbeatImportJob(ctx, id, holder)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("imports: renew a job's heartbeat", "job", id, "err", err)
		case err == nil && !ok:
			lost()
			return
		}
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
	var lost atomic.Bool
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		Heartbeat(ctx, w.store, job.ID, w.holder, w.heartbeatEvery(), w.log, func() {
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
	read := 0
	res, err := tweets.ReadFileWith(job.Path, uploadRead(), func(t tweets.Tweet) error {
		read++
		if read%5000 == 0 {
			if err := w.store.ProgressImportJob(quiet, job.ID, read); err != nil {
				w.log.Error("import progress", "job", job.ID, "err", err)
			}
		}
		return im.Add(ctx, t)
	})
	if err != nil && lost.Load() {
		im.Abandon()
		w.log.Warn("imports: another server marked the job interrupted (its heartbeat was late); stopped it", "job", job.ID, "read", read)
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

func (w *Worker) end(ctx context.Context, job *models.ImportJob, sum *models.ImportSummary, failure error) {
	if w.OnDone != nil {
		w.OnDone(sum)
	}
	if err := w.store.FinishImportJob(ctx, job.ID, sum, failure); err != nil {
		w.log.Error("finish import job", "job", job.ID, "err", err)
	}
	if err := os.Remove(job.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		w.log.Error("remove import file", "job", job.ID, "err", err)
	}
}
