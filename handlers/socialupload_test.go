package handlers

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// zipOf builds a ZIP in memory from name/content pairs.
func zipOf(t *testing.T, files ...string) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	for i := 0; i < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// waitForJob follows an upload to its job page until it is done.
func waitForJob(t *testing.T, c *client, location string) string {
	t.Helper()
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if body = c.get(location).Body; !strings.Contains(body, "Working:") && !strings.Contains(body, "Waiting:") {
			return body
		}
	}
	t.Fatal("the import did not finish")
	return ""
}

const accountJS = `window.YTD.account.part0 = [ {"account": {"username": "ExampleFan", "accountId": "4242", "accountDisplayName": "Example Fan"}} ]`

// The archive ZIP X hands out is accepted as it is: its account.js names the
// tweets' author, media files are ignored, and a skipped record names the
// file inside the ZIP. The upload's own temporary directory is never
// searched for an account.js.
func TestUploadArchiveZip(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// A stray account.js where uploads are stored must not claim them.
	if err := os.WriteFile(filepath.Join(tmp, "account.js"), []byte(strings.ReplaceAll(accountJS, "ExampleFan", "Intruder")), 0o644); err != nil {
		t.Fatal(err)
	}
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	form := amb.get("/mod/social/import")
	mustContain(t, form.Body, `accept=".zip,`, ".gz", "<code>.zip</code>")

	res := amb.upload("/mod/social/import", "tweets.js", archiveJS, url.Values{"category": {"general"}})
	waitForJob(t, amb, res.Location)
	list, err := a.store.Threads(context.Background(), models.ThreadQuery{})
	if err != nil || list.Total != 1 || list.Threads[0].Author.Username == "Intruder" {
		t.Fatalf("tweets.js alone: %d threads, %v, by %+v", list.Total, err, list.Threads[0].Author)
	}

	a = newApp(t)
	amb = a.roleClient("amy", models.RoleAmbassador)
	broken := strings.Replace(archiveJS, "]", `, {"tweet": {"id_str": "503", "full_text": "x", "created_at": "someday"}}]`, 1)
	archive := zipOf(t, "data/tweets.js", broken, "data/account.js", accountJS,
		"data/tweets_media/501-abc.jpg", "\xff\xd8\xff\xe0", "Your archive.html", "<!DOCTYPE html>")
	res = amb.upload("/mod/social/import", "twitter-2024-01-01.zip", archive, url.Values{"category": {"general"}})
	if res.Code != 303 {
		t.Fatalf("upload: %d %s", res.Code, res.Body)
	}
	page := waitForJob(t, amb, res.Location)
	mustContain(t, page, "Done. 2 new items from 2 read", "data/tweets.js line 4: unparseable date &#34;someday&#34; (record 3)")
	list, err = a.store.Threads(context.Background(), models.ThreadQuery{})
	if err != nil || list.Total != 1 || list.Threads[0].Author.Username != "ExampleFan" {
		t.Fatalf("archive ZIP: %d threads, %v, by %+v", list.Total, err, list.Threads[0].Author)
	}
}

// A zip bomb, and a ZIP without tweets, are refused on the form.
func TestUploadRefusesZipBombAndOtherZips(t *testing.T) {
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	bomb := zipOf(t, "data/tweets.js", "window.YTD.tweets.part0 = ["+strings.Repeat(" ", 16<<20)+"]")
	res := amb.upload("/mod/social/import", "archive.zip", bomb, url.Values{"category": {"general"}})
	if res.Code != 422 {
		t.Fatalf("bomb: %d", res.Code)
	}
	mustContain(t, res.Body, "This file was refused (over an import limit: data/tweets.js in the ZIP says it expands", "a zip bomb", "Nothing was imported.")
	res = amb.upload("/mod/social/import", "photos.zip", zipOf(t, "IMG_0001.jpg", "\xff\xd8\xff"), url.Values{"category": {"general"}})
	if res.Code != 422 {
		t.Fatalf("photos: %d", res.Code)
	}
	mustContain(t, res.Body, "in no format Crowdcare knows (not a known tweet format: a ZIP that is not an X archive")
}
