package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/imports"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// The upload form asks whether to publish or triage, the inbox chosen
// unless the moderator picks publishing; "1" (the old checkbox's value)
// still triages. The job page lists the threads this import created.
func TestUploadChoiceDefaultsToInbox(t *testing.T) {
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	mustContain(t, amb.get("/mod/social/import").Body, `<input type="radio" name="triage" value="1" checked>`,
		`<input type="radio" name="triage" value="0">`)

	res := amb.upload("/mod/social/import", "tweets.js", archiveJS, url.Values{"category": {"general"}, "triage": {"1"}})
	page := waitForJob(t, amb, res.Location)
	mustContain(t, page, "Threads this import created (0)", "everything waits in the inbox", "ended ")
	if list, err := a.store.Threads(context.Background(), models.ThreadQuery{}); err != nil || list.Total != 0 {
		t.Fatalf("triage=1 made threads: %d %v", list.Total, err)
	}

	a = newApp(t)
	amb = a.roleClient("amy", models.RoleAmbassador)
	res = amb.upload("/mod/social/import", "tweets.js", archiveJS, url.Values{"category": {"general"}, "triage": {"0"}})
	page = waitForJob(t, amb, res.Location)
	list, err := a.store.Threads(context.Background(), models.ThreadQuery{})
	if err != nil || list.Total != 1 {
		t.Fatalf("triage=0: %d threads %v", list.Total, err)
	}
	mustContain(t, page, "Threads this import created (1)", `href="`+list.Threads[0].URL()+`"`)
}

// A job whose process died while it ran is marked interrupted when the
// server starts, its file removed, and an old upload no job names with it
// (a young one may be another server's, sharing the directory); its page
// says so and when.
func TestServerStartMarksDeadJobInterrupted(t *testing.T) {
	path := testdb.Location(t, "site.db")
	ctx := context.Background()
	a := newAppWith(t, path, Config{Imports: imports.New(nil0(t, path), "", slog.New(slog.NewTextHandler(io.Discard, nil)))})
	amb := a.roleClient("amy", models.RoleAmbassador)
	u, err := a.store.UserByUsername(ctx, "amy")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(a.store.FilesPath("imports"), "upload-1.csv")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("tweet_id,text\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(a.store.FilesPath("imports"), "upload-2.csv") // uploaded two hours ago, never queued
	young := filepath.Join(a.store.FilesPath("imports"), "upload-3.csv") // another server's upload on this disk, about to be queued
	for _, f := range []string{stray, young} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(stray, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	id, err := a.store.QueueImportJob(ctx, u, "big.csv", file, models.ImportOptions{Triage: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.ClaimImportJob(ctx, models.JobHolder(0)); err != nil { // running, in no process alive on this host
		t.Fatal(err)
	}
	mustContain(t, amb.get("/mod/social/import/1").Body, "Working:")

	// The server starts again on the same database.
	b := newAppAt(t, path)
	amb = b.login("amy")
	var j *models.ImportJob
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if j, err = b.store.ImportJob(ctx, id); err != nil || j.Status != models.JobRunning {
			break
		}
	}
	if err != nil || j.Status != models.JobInterrupted || j.FinishedAt.IsZero() || j.Path != "" {
		t.Fatalf("after the start: %+v %v", j, err)
	}
	for _, f := range []string{file, stray} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", f, err)
		}
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("a young upload no job names yet was removed: %v", err)
	}
	page := amb.get("/mod/social/import/1").Body
	mustContain(t, page, "The import was interrupted", "marked so at", "Upload the same file again")
	mustNotContain(t, page, `http-equiv="refresh"`)
}

// nil0 is a store on path for a worker that never runs.
func nil0(t *testing.T, path string) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), path, models.Options{FilesDir: filesDirFor(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Stopping the server stops the running job at its next record and queues
// it again with its file; the next start runs it to the end.
func TestShutdownLeavesTheJobQueued(t *testing.T) {
	path := testdb.Location(t, "site.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := newAppWith(t, path, Config{Imports: imports.New(nil0(t, path), "", log)})
	amb := a.roleClient("amy", models.RoleAmbassador)
	res := amb.upload("/mod/social/import", "tweets.js", archiveJS, url.Values{"category": {"general"}, "triage": {"0"}})
	if res.Code != 303 {
		t.Fatalf("upload: %d", res.Code)
	}
	ctx := context.Background()
	j, err := a.store.ImportJob(ctx, 1)
	if err != nil || j.Status != models.JobQueued {
		t.Fatalf("queued: %+v %v", j, err)
	}
	// The worker starts as the server is told to stop.
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	w := imports.New(a.store, "", log)
	w.Run(stopped)
	if j, err = a.store.ImportJob(ctx, 1); err != nil || j.Status != models.JobQueued {
		t.Fatalf("after the stop: %+v %v", j, err)
	}
	if _, err := os.Stat(j.Path); err != nil {
		t.Fatalf("the upload's file: %v", err)
	}
	// The next start finishes it.
	b := newAppAt(t, path)
	page := waitForJob(t, b.login("amy"), "/mod/social/import/1")
	mustContain(t, page, "Done. 2 new items from 2 read", "Threads this import created (1)")
	if _, err := os.Stat(j.Path); !os.IsNotExist(err) {
		t.Errorf("the file stays after the job: %v", err)
	}
}

// login logs in a user an earlier app on the same database created.
func (a *testApp) login(name string) *client {
	a.t.Helper()
	c := a.client()
	if res := c.post("/login", url.Values{"username": {name}, "password": {"correct horse"}}); res.Code != 303 {
		a.t.Fatalf("login %s: %d", name, res.Code)
	}
	return c
}
