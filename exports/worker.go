// Package exports makes members' "download my data" archives in the
// background: one at a time, from a queue kept in the database, each a ZIP
// in a directory beside the database, or, when the attachments are in a
// bucket, in that bucket (under exports/) so that any server serves its
// download; it is removed when its download expires (24 hours) or the
// account is deleted.
package exports

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
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/models"
)

// Config is what the "your data is ready" email says.
type Config struct {
	SiteName string
	BaseURL  string
	// Every is how often expired downloads are removed while nothing is
	// queued (DefaultEvery if <= 0).
	Every time.Duration
}

// DefaultEvery is the pause between sweeps for expired downloads.
const DefaultEvery = time.Minute

// Worker makes queued exports. Start it with Run; Wake it when one is queued.
type Worker struct {
	store *models.Store
	dir   string
	// shared is the bucket the archives are kept in, nil to keep them in dir.
	shared *media.Storage
	cfg    Config
	log    *slog.Logger
	wake   chan struct{}
	done   chan struct{}
	// strayAfter is how old an archive in the shared storage no export
	// names must be before the sweep deletes it (models.ExportLease unless
	// set: tests).
	strayAfter time.Duration
}

// New makes a worker keeping archives in dir ("": the store's, beside a
// SQLite file DB.exports).
func New(store *models.Store, dir string, cfg Config, log *slog.Logger) *Worker {
	if dir == "" {
		dir = store.FilesPath("exports")
	}
	if cfg.Every <= 0 {
		cfg.Every = DefaultEvery
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Worker{store: store, dir: dir, cfg: cfg, log: log, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// SharedPrefix starts the keys of the archives kept in a shared storage.
const SharedPrefix = "exports/"

// UseStorage keeps the archives in st when it is a bucket (several servers
// share it), so that any server serves a download and sweeps expired
// ones; a local directory changes nothing (the archives stay in the
// worker's directory). Call before Run.
func (w *Worker) UseStorage(st *media.Storage) {
	if st != nil && st.Dir() == "" {
		w.shared = st
	}
}

// Open reads the archive at path (an export's Path): models.ErrNotFound
// when it is gone.
func (w *Worker) Open(ctx context.Context, path string) (io.ReadCloser, error) {
	if key, ok := models.SharedKey(path); ok {
		if w.shared == nil {
			return nil, fmt.Errorf("read %s: no shared storage configured (--uploads-url)", path)
		}
		f, err := w.shared.Open(ctx, key)
		if errors.Is(err, media.ErrMissing) {
			return nil, models.ErrNotFound
		}
		return f, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, models.ErrNotFound
	}
	return f, err
}

// Dir is where the archives are kept.
func (w *Worker) Dir() string { return w.dir }

// Wake tells the worker an export was queued.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sweeps, then makes queued exports one at a time until ctx ends,
// sweeping expired downloads every cfg.Every. An export being made when ctx
// ends is queued again for the next start; one whose process died is made
// again once its claim is older than models.ExportLease.
func (w *Worker) Run(ctx context.Context) {
	defer close(w.done)
	for ctx.Err() == nil {
		if err := w.Sweep(context.WithoutCancel(ctx)); err != nil {
			w.log.Error("exports: sweep", "err", err)
		}
		for ctx.Err() == nil {
			did, err := w.RunOnce(ctx)
			if err != nil {
				w.log.Error("exports: make an export", "err", err)
			}
			if !did || err != nil {
				break
			}
		}
		t := time.NewTimer(w.cfg.Every)
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Wait waits until Run has returned or ctx ends.
func (w *Worker) Wait(ctx context.Context) error {
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WaitFor waits up to d for export id to be finished (ready or failed),
// looking every few milliseconds, and reports whether it was: a request
// shows a small export's download at once that way.
func (w *Worker) WaitFor(ctx context.Context, id int64, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		j, err := w.store.ExportJob(ctx, id)
		if err != nil || !j.Pending() {
			return err == nil
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// RunOnce makes the next queued export, if any, and reports whether there was one.
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	job, err := w.store.ClaimExport(ctx)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	quiet := context.WithoutCancel(ctx)
	build := w.build
	if w.shared != nil {
		build = w.buildShared
	}
	path, size, buildErr := build(ctx, job)
	if buildErr != nil && ctx.Err() != nil {
		// Stopping: queued again, the next start makes it.
		w.remove(path)
		return true, w.store.RequeueExport(quiet, job)
	}
	if buildErr != nil {
		w.log.Error("exports: export failed", "job", job.ID, "user_id", job.UserID, "err", buildErr)
		w.remove(path)
		path, size = "", 0
	}
	err = w.store.FinishExport(quiet, job, path, size, buildErr, w.readyEmail)
	if err != nil {
		// Gone meanwhile (the account was deleted): nobody may have the file.
		w.remove(path)
		if errors.Is(err, models.ErrNotFound) {
			err = nil
		}
	} else if buildErr == nil {
		w.log.Info("exports: export ready", "job", job.ID, "user_id", job.UserID, "bytes", size)
	}
	return true, err
}

func (w *Worker) readyEmail(username string, expires time.Time) (string, string) {
	return "Your data from " + w.cfg.SiteName + " is ready", fmt.Sprintf("Hello %s,\n\nThe copy of your data you asked for is ready. "+
		"Log in and download it here until %s:\n\n%s/settings/export\n\nIf you did not ask for it, change your password: "+
		"someone who knows it asked for your data.\n", username, expires.UTC().Format("2 Jan 2006 15:04 UTC"), w.cfg.BaseURL)
}

// build writes job's archive to a new file in the directory and returns
// its path and size; on failure whatever was written is path, to remove.
func (w *Worker) build(ctx context.Context, job *models.ExportJob) (string, int64, error) {
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		return "", 0, fmt.Errorf("exports directory: %w", err)
	}
	f, err := os.CreateTemp(w.dir, fmt.Sprintf("export-%d-*.zip", job.ID))
	if err != nil {
		return "", 0, fmt.Errorf("create archive: %w", err)
	}
	path := f.Name()
	if err := writeArchive(ctx, w.store, job.UserID, w.cfg, f); err != nil {
		f.Close()
		return path, 0, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return path, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return path, 0, err
	}
	return path, st.Size(), f.Close()
}

// buildShared writes job's archive to the shared storage, streamed, and
// returns its path and size; on failure nothing is stored.
func (w *Worker) buildShared(ctx context.Context, job *models.ExportJob) (string, int64, error) {
	key := fmt.Sprintf("%sexport-%d-%s.zip", SharedPrefix, job.ID, rand.Text())
	f, err := w.shared.Create(ctx, key, "application/zip")
	if err != nil {
		return "", 0, fmt.Errorf("create archive: %w", err)
	}
	out := &counter{w: f}
	if err := writeArchive(ctx, w.store, job.UserID, w.cfg, out); err != nil {
		f.Abort()
		return "", 0, err
	}
	if err := f.Close(); err != nil {
		return "", 0, err
	}
	return models.SharedPath(key), out.n, nil
}

func (w *Worker) strayAge() time.Duration {
	if w.strayAfter > 0 {
		return w.strayAfter
	}
	return models.ExportLease
}

// counter counts what is written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Sweep marks expired downloads and removes their files, and removes the
// files no export needs (a deleted account's, one whose finish was never
// recorded).
func (w *Worker) Sweep(ctx context.Context) error {
	expired, err := w.store.ExpireExports(ctx)
	if err != nil {
		return err
	}
	w.Remove(expired)
	keep, err := w.store.ExportFiles(ctx)
	if err != nil {
		return err
	}
	if w.shared != nil {
		objs, err := w.shared.List(ctx, SharedPrefix)
		if err != nil {
			return err
		}
		for _, o := range objs {
			// One another server has just stored has no row yet: leave the young ones.
			if !slices.Contains(keep, models.SharedPath(o.Key)) && time.Since(o.ModTime) >= w.strayAge() {
				w.remove(models.SharedPath(o.Key))
			}
		}
	}
	entries, err := os.ReadDir(w.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(w.dir, e.Name())
		if slices.Contains(keep, p) {
			continue
		}
		// A file a running export is writing has no row yet: leave the young ones.
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) < models.ExportLease {
			continue
		}
		w.remove(p)
	}
	return nil
}

// Remove deletes the archives at paths (a deleted account's), logging failures.
func (w *Worker) Remove(paths []string) {
	for _, p := range paths {
		w.remove(p)
	}
}

func (w *Worker) remove(p string) {
	if p == "" {
		return
	}
	if key, ok := models.SharedKey(p); ok {
		if w.shared == nil {
			w.log.Error("exports: remove archive: no shared storage configured (--uploads-url)", "path", p)
		} else if err := w.shared.Delete(context.Background(), key); err != nil {
			w.log.Error("exports: remove archive", "path", p, "err", err)
		}
		return
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		w.log.Error("exports: remove archive", "path", p, "err", err)
	}
}
