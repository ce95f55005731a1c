package exports

import (
	"archive/zip"
	"context"
	"encoding/json"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

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
	w := New(s, "", Config{SiteName: "Example", BaseURL: "https://forum.example/"}, quiet())
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
	if err != nil || !j.Downloadable(s.Now()) || filepath.Dir(j.Path) != s.FilesPath("exports") {
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
	w := New(s, "", Config{SiteName: "Example", BaseURL: "https://forum.example"}, quiet())
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
	if err := s.RequeueExport(ctx, claimed.ID); err != nil {
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
