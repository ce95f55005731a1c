package exports

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/media/mediatest"
	"github.com/crowdcare/crowdcare/models"
)

func newStore(t *testing.T) (*models.Store, *atomic.Int64) {
	t.Helper()
	skew := new(atomic.Int64)
	s, err := models.Open(context.Background(), testdb.Location(t, "x.db"), models.Options{PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, skew
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// archiveDir is the directory a test's worker keeps archives in: "" (beside
// the database file) on SQLite; a PostgreSQL database has no file to be
// beside, so a directory of the test's.
func archiveDir(t *testing.T) string {
	if testdb.Postgres() {
		return filepath.Join(t.TempDir(), "exports")
	}
	return ""
}

// The worker's life: a queued export becomes a ZIP beside the database,
// ready with an email; past its 24 hours the sweep expires it and removes
// the file, and files no export needs go too.
func TestWorkerMakesExpiresAndSweeps(t *testing.T) {
	s, skew := newStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, models.NewUser{Username: "alice", Email: "alice@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		if _, err := s.CreateThread(ctx, u, models.NewThread{Title: "Router question number " + strings.Repeat("x", i%5+1), CategorySlug: "general",
			Body: "The router reboots itself every night at about 2am, **again**."}); err != nil {
			t.Fatal(err)
		}
	}
	w := New(s, archiveDir(t), Config{SiteName: "Example", BaseURL: "https://forum.example/"}, quiet())
	if !testdb.Postgres() && w.Dir() != s.Path()+".exports" {
		t.Fatalf("archives in %s, want beside the database", w.Dir())
	}
	if did, err := w.RunOnce(ctx); did || err != nil {
		t.Fatalf("nothing queued: %v %v", did, err)
	}
	j, err := s.RequestExport(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := s.RequestExport(ctx, u); err != nil || again.ID != j.ID {
		t.Fatalf("asking again while one waits: %+v %v", again, err)
	}
	if did, err := w.RunOnce(ctx); !did || err != nil {
		t.Fatalf("run: %v %v", did, err)
	}
	j, err = s.ExportJob(ctx, j.ID)
	if err != nil || !j.Downloadable(s.Now()) || filepath.Dir(j.Path) != w.Dir() {
		t.Fatalf("after the run: %+v %v", j, err)
	}
	z, err := zip.OpenReader(j.Path)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]*zip.File{}
	for _, f := range z.File {
		names[f.Name] = f
	}
	if len(names) != 7+30 { // README, six JSON files, a Markdown file per post
		t.Errorf("%d files in the archive", len(names))
	}
	r, err := names["posts.json"].Open()
	if err != nil {
		t.Fatal(err)
	}
	var posts []models.ExportPost
	if err := json.NewDecoder(r).Decode(&posts); err != nil || len(posts) != 30 {
		t.Fatalf("posts.json: %d, %v", len(posts), err)
	}
	z.Close()
	c, err := s.ClaimEmail(ctx, false)
	if err != nil || c.To != "alice@example.com" || !strings.Contains(c.Body, "https://forum.example/settings/export") {
		t.Fatalf("ready email: %+v %v", c, err)
	}
	// A stray file (an export whose finish was never recorded) goes once it is old.
	stray := filepath.Join(w.Dir(), "export-99-stray.zip")
	if err := os.WriteFile(stray, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * models.ExportLease)
	if err := os.Chtimes(stray, old, old); err != nil {
		t.Fatal(err)
	}
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Fatal("the stray file stayed")
	}
	if _, err := os.Stat(j.Path); err != nil {
		t.Fatalf("the sweep removed a live export: %v", err)
	}
	skew.Add(int64(models.ExportTTL + time.Minute))
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(j.Path); !os.IsNotExist(err) {
		t.Fatal("the expired export's file stayed")
	}
	if j, _ := s.ExportJob(ctx, j.ID); j.Status != models.ExportExpired || j.Path != "" {
		t.Fatalf("expired job: %+v", j)
	}
}

// Stopping mid-export queues it again, with no file left behind.
func TestWorkerStoppingRequeues(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, models.NewUser{Username: "alice", Email: "alice@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	j, err := s.RequestExport(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	w := New(s, archiveDir(t), Config{SiteName: "Example", BaseURL: "https://forum.example"}, quiet())
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	// The claim itself needs the context: nothing is taken.
	if did, _ := w.RunOnce(stopped); did {
		t.Fatal("a stopped worker claimed an export")
	}
	if j, _ := s.ExportJob(ctx, j.ID); j.Status != models.ExportQueued {
		t.Fatalf("after a stopped run: %+v", j)
	}
	// Claimed, then stopped while writing.
	claimed, err := s.ClaimExport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path, _, err := w.build(stopped, claimed)
	if err == nil {
		t.Fatal("a stopped build succeeded")
	}
	w.remove(path)
	if err := s.RequeueExport(ctx, claimed); err != nil {
		t.Fatal(err)
	}
	if j, _ := s.ExportJob(ctx, j.ID); j.Status != models.ExportQueued {
		t.Fatalf("requeued: %+v", j)
	}
	entries, _ := os.ReadDir(w.Dir())
	if len(entries) != 0 {
		t.Fatalf("files left: %v", entries)
	}
	// Run makes it, and stops when asked.
	runCtx, stop := context.WithCancel(ctx)
	go w.Run(runCtx)
	w.Wake()
	if !w.WaitFor(ctx, j.ID, 10*time.Second) {
		t.Fatal("the running worker did not make the export")
	}
	stop()
	if err := w.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// Workers on two app servers (two stores on one database, one directory
// for the archives) make each export once.
func TestWorkersOnTwoServersMakeEachExportOnce(t *testing.T) {
	s, _ := newStore(t)
	other, err := models.Open(context.Background(), s.Path(), models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	ctx := context.Background()
	const members = 12
	for i := range members {
		u, err := s.CreateUser(ctx, models.NewUser{Username: fmt.Sprintf("member%d", i), Email: fmt.Sprintf("m%d@example.com", i), Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RequestExport(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "exports")
	var made atomic.Int64
	var wg sync.WaitGroup
	for i := range 4 {
		store := []*models.Store{s, other}[i%2]
		w := New(store, dir, Config{SiteName: "Example", BaseURL: "https://forum.example"}, quiet())
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				did, err := w.RunOnce(ctx)
				if err != nil {
					t.Errorf("worker %d: %v", i, err)
					return
				}
				if !did {
					return
				}
				made.Add(1)
			}
		}()
	}
	wg.Wait()
	if made.Load() != members {
		t.Errorf("%d exports made, want %d", made.Load(), members)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != members {
		t.Errorf("%d archives, want %d: %v", len(entries), members, err)
	}
	ready := 0
	for {
		c, err := s.ClaimEmail(ctx, false)
		if errors.Is(err, models.ErrNotFound) {
			break
		}
		if err != nil || c.Kind != models.EmailExportReady {
			t.Fatalf("email: %+v %v", c, err)
		}
		ready++
	}
	if ready != members {
		t.Errorf("%d ready emails, want %d", ready, members)
	}
}

// With the archives in a bucket the servers share (gofakes3 here): the
// archive is written there, streamed, and read back from there; the sweep
// deletes it when it expires, and deletes an archive no export names only
// once it is old (another server may be about to record it).
func TestWorkerKeepsArchivesInASharedBucket(t *testing.T) {
	s, skew := newStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, models.NewUser{Username: "alice", Email: "alice@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := media.OpenStorage(ctx, mediatest.FakeS3(t, "crowdcare-shared"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bucket.Close() })
	local := filepath.Join(t.TempDir(), "exports")
	w := New(s, local, Config{SiteName: "Example", BaseURL: "https://forum.example"}, quiet())
	w.UseStorage(bucket)
	if _, err := s.RequestExport(ctx, u); err != nil {
		t.Fatal(err)
	}
	if did, err := w.RunOnce(ctx); !did || err != nil {
		t.Fatalf("RunOnce: %v %v", did, err)
	}
	j, err := s.ExportJob(ctx, 1)
	if err != nil || !j.Downloadable(s.Now()) {
		t.Fatalf("export: %+v %v", j, err)
	}
	key, shared := models.SharedKey(j.Path)
	if !shared || !strings.HasPrefix(key, SharedPrefix) {
		t.Fatalf("the archive is at %q, want in the bucket under %s", j.Path, SharedPrefix)
	}
	if _, err := os.Stat(local); !os.IsNotExist(err) {
		t.Fatalf("the worker's local directory was used: %v", err)
	}
	r, err := w.Open(ctx, j.Path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	r.Close()
	if err != nil || int64(len(data)) != j.Size {
		t.Fatalf("read %d bytes (%v), the export says %d", len(data), err, j.Size)
	}
	z, err := zip.NewReader(strings.NewReader(string(data)), int64(len(data)))
	if err != nil || len(z.File) == 0 {
		t.Fatalf("not a ZIP: %v", err)
	}
	stray := SharedPrefix + "export-99-stray.zip"
	if err := bucket.Put(ctx, stray, "application/zip", []byte("PK")); err != nil {
		t.Fatal(err)
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
		slices.Sort(out)
		return out
	}
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := keys(), []string{key, stray}; !slices.Equal(got, want) {
		t.Fatalf("after a sweep the bucket holds %v, want %v (the young stray kept)", got, want)
	}
	skew.Store(int64(models.ExportTTL + time.Minute))
	w.strayAfter = time.Nanosecond
	if err := w.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keys(); len(got) != 0 {
		t.Fatalf("after the expiry the bucket holds %v", got)
	}
	if _, err := w.Open(ctx, j.Path); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("opening the expired archive: %v, want ErrNotFound", err)
	}
}

// A worker that took longer than ExportLease loses its job to another,
// which claims it again: the first one's late finish (or requeue) changes
// nothing, and only the second's archive is offered.
func TestLateFinishOfATakenOverExportChangesNothing(t *testing.T) {
	s, skew := newStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, models.NewUser{Username: "slowpoke", Email: "slowpoke@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestExport(ctx, u); err != nil {
		t.Fatal(err)
	}
	first, err := s.ClaimExport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	skew.Add(int64(models.ExportLease + time.Minute))
	second, err := s.ClaimExport(ctx)
	if err != nil || second.ID != first.ID {
		t.Fatalf("the stale claim was not taken over: %+v %v", second, err)
	}
	compose := func(string, time.Time) (string, string) { return "Ready", "Ready." }
	if err := s.FinishExport(ctx, first, "/nowhere/first.zip", 1, errors.New("slow and failed"), compose); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("the first worker's late failure: %v, want ErrNotFound", err)
	}
	if err := s.RequeueExport(ctx, first); err != nil {
		t.Fatal(err)
	}
	if j, _ := s.ExportJob(ctx, first.ID); j.Status != models.ExportRunning {
		t.Fatalf("after the first worker's late moves: %+v, want still running for the second", j)
	}
	if err := s.FinishExport(ctx, second, "/somewhere/second.zip", 2, nil, compose); err != nil {
		t.Fatal(err)
	}
	j, err := s.ExportJob(ctx, first.ID)
	if err != nil || j.Status != models.ExportReady || j.Path != "/somewhere/second.zip" {
		t.Fatalf("after the second worker's finish: %+v %v", j, err)
	}
	if err := s.FinishExport(ctx, first, "/nowhere/first.zip", 1, nil, compose); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("the first worker's late success: %v, want ErrNotFound", err)
	}
}
