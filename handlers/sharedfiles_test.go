package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/exports"
	"github.com/crowdcare/crowdcare/imports"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/media/mediatest"
	"github.com/crowdcare/crowdcare/models"
)

// sharedServer is one app server of several sharing a database and a
// bucket: its router, its own handle on the bucket, its workers (run by
// the test), and the directory on its own disk they may use.
type sharedServer struct {
	app     *testApp
	storage *media.Storage
	imports *imports.Worker
	exports *exports.Worker
	disk    string
}

// newSharedServer starts a server on the database at loc whose attachments
// (and so imports' uploads and exports' archives) are in the bucket at
// bucket. Its workers use a store of their own on the server's clock.
func newSharedServer(t *testing.T, loc, bucket string) *sharedServer {
	t.Helper()
	ctx := context.Background()
	st, err := media.OpenStorage(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The workers' clock is the router's (testApp.advance), once it exists.
	skew := new(atomic.Pointer[atomic.Int64])
	disk := t.TempDir()
	workStore, err := models.Open(ctx, loc, models.Options{PasswordCost: bcrypt.MinCost, FilesDir: disk,
		Now: func() time.Time {
			if d := skew.Load(); d != nil {
				return time.Now().Add(time.Duration(d.Load()))
			}
			return time.Now()
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { workStore.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &sharedServer{storage: st, disk: disk,
		imports: imports.New(workStore, disk+"/imports", log),
		exports: exports.New(workStore, disk+"/exports", exports.Config{SiteName: "Example", BaseURL: "http://forum.test"}, log)}
	s.imports.UseStorage(st)
	s.exports.UseStorage(st)
	s.app = newAppFull(t, loc, Config{Uploads: st, Imports: s.imports, Exports: s.exports}, models.Options{FilesDir: disk})
	skew.Store(s.app.skew)
	return s
}

// run runs fn (a worker's Run) until the test ends, and waits for it.
func run(t *testing.T, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// filesOnDisk lists the files under dir (none when it does not exist).
func filesOnDisk(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func keysUnder(t *testing.T, st *media.Storage, prefix string) []string {
	t.Helper()
	objs, err := st.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	return keys
}

// Two app servers, one database, one S3 bucket (gofakes3 in the test
// process): an import uploaded through server A waits in the bucket, not
// on A's disk, and server B's worker runs it to the end; a member's data
// export made by A's worker downloads through B; the files are deleted from
// the bucket when the job ends, when the download expires and when its
// account is deleted.
func TestImportsAndExportsMoveBetweenServers(t *testing.T) {
	loc := testdb.Location(t, "servers.db")
	bucket := mediatest.FakeS3(t, "crowdcare-shared")
	a, b := newSharedServer(t, loc, bucket), newSharedServer(t, loc, bucket)
	ctx := context.Background()

	// An import uploaded through A (an archive ZIP: read out of order),
	// with no import worker running there; a refused file leaves nothing.
	amb := a.app.roleClient("amy", models.RoleAmbassador)
	if res := amb.upload("/mod/social/import", "photos.zip", zipOf(t, "IMG_0001.jpg", "\xff\xd8\xff"), url.Values{"category": {"general"}}); res.Code != 422 {
		t.Fatalf("a ZIP that is no archive: %d", res.Code)
	}
	if got := keysUnder(t, a.storage, imports.SharedPrefix); len(got) != 0 {
		t.Fatalf("a refused upload left %v in the bucket", got)
	}
	archive := zipOf(t, "data/tweets.js", archiveJS, "data/account.js", accountJS)
	res := amb.upload("/mod/social/import", "twitter-2024-01-01.zip", archive, url.Values{"category": {"general"}, "triage": {"0"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("upload through A: %d %s", res.Code, res.Body)
	}
	j, err := a.app.store.ImportJob(ctx, 1)
	if err != nil || j.Status != models.JobQueued {
		t.Fatalf("job after the upload: %+v %v", j, err)
	}
	key, shared := models.SharedKey(j.Path)
	if got := keysUnder(t, a.storage, imports.SharedPrefix); !shared || len(got) != 1 || got[0] != key {
		t.Fatalf("the queued job's file is %q; the bucket holds %v under %s", j.Path, got, imports.SharedPrefix)
	}
	if got := filesOnDisk(t, a.disk+"/imports"); len(got) != 0 {
		t.Fatalf("the upload left files on A's disk: %v", got)
	}
	// B's worker claims it and runs it to the end.
	run(t, b.imports.Run)
	amb.app = b.app // the same browser, through B
	page := waitForJob(t, amb, res.Location)
	mustContain(t, page, "Threads this import created (1)")
	if j, err = b.app.store.ImportJob(ctx, 1); err != nil || j.Status != models.JobDone || j.Holder != b.imports.Holder() || j.Path != "" {
		t.Fatalf("job after B ran it: %+v %v (B is %s)", j, err, b.imports.Holder())
	}
	if list, err := a.app.store.Threads(ctx, models.ThreadQuery{}); err != nil || list.Total != 1 || list.Threads[0].Author.Username != "ExampleFan" {
		t.Fatalf("threads made by the import: %d %v", list.Total, err)
	}
	// The worker deletes the upload, and its copy, just after it records the end.
	var left, copies []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		left, copies = keysUnder(t, b.storage, imports.SharedPrefix), filesOnDisk(t, b.disk+"/imports")
		if len(left)+len(copies) == 0 {
			break
		}
	}
	if len(left) != 0 || len(copies) != 0 {
		t.Fatalf("after its job, the upload is still in the bucket (%v) or B's copy on its disk (%v)", left, copies)
	}

	// A member's export, made by A's worker (the only one running)...
	run(t, a.exports.Run)
	alice := a.app.client()
	alice.register("alice")
	if res := alice.post("/settings/export", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("ask for an export through A: %d", res.Code)
	}
	var link string
	for deadline := time.Now().Add(10 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := downloadLink.FindStringSubmatch(alice.get("/settings/export").Body); m != nil {
			link = m[1]
		}
	}
	if link == "" {
		t.Fatal("the export was not made")
	}
	archives := keysUnder(t, a.storage, exports.SharedPrefix)
	if len(archives) != 1 || len(filesOnDisk(t, a.disk+"/exports")) != 0 {
		t.Fatalf("archives in the bucket: %v; on A's disk: %v", archives, filesOnDisk(t, a.disk+"/exports"))
	}
	// ...downloads through B, for its member only.
	alice.app = b.app
	dl := alice.get(link)
	if dl.Code != http.StatusOK || dl.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download through B: %d %s", dl.Code, dl.Header.Get("Content-Type"))
	}
	files := readZip(t, dl.Body)
	if !strings.Contains(files["profile.json"], `"alice"`) {
		t.Fatalf("the archive's profile.json: %q", files["profile.json"])
	}
	peer := b.app.client()
	peer.register("peer")
	if res := peer.get(link); res.Code != http.StatusNotFound {
		t.Fatalf("another member downloading it through B: %d, want 404", res.Code)
	}
	// Expired: B's sweep deletes it from the bucket; no server serves it.
	a.app.advance(models.ExportTTL + time.Minute)
	b.app.advance(models.ExportTTL + time.Minute)
	if err := b.exports.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keysUnder(t, b.storage, exports.SharedPrefix); len(got) != 0 {
		t.Fatalf("the expired archive is still in the bucket: %v", got)
	}
	for _, s := range []*sharedServer{a, b} {
		alice.app = s.app
		if res := alice.get(link); res.Code != http.StatusNotFound {
			t.Fatalf("the expired download: %d, want 404", res.Code)
		}
	}
	// An account deleted through B takes its archive, made by A, with it.
	peer.app = a.app
	if res := peer.post("/settings/export", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("ask for an export through A: %d", res.Code)
	}
	ready := false
	for deadline := time.Now().Add(10 * time.Second); !ready && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ready = downloadLink.MatchString(peer.get("/settings/export").Body)
	}
	if made := keysUnder(t, a.storage, exports.SharedPrefix); !ready || len(made) != 1 {
		t.Fatalf("the second export: ready %v, archives %v", ready, made)
	}
	peer.app = b.app
	if res := peer.post("/settings/delete", url.Values{"password": {"correct horse"}, "posts": {"keep"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("delete the account through B: %d", res.Code)
	}
	if got := keysUnder(t, b.storage, exports.SharedPrefix); len(got) != 0 {
		t.Fatalf("a deleted account's archive is still in the bucket: %v", got)
	}
}
