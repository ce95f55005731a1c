package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/color"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/media/mediatest"
	"github.com/crowdcare/crowdcare/models"
)

// formFile is one file a form sends, typed as a browser types a file it
// does not know (application/octet-stream).
type formFile struct {
	field, name string
	data        []byte
}

// multipart sends a multipart form with files, as a browser sends a form
// with enctype="multipart/form-data", with a valid CSRF token unless the
// fields set _csrf (postForm, branding_test.go).
func (c *client) multipart(path string, fields url.Values, files ...formFile) *response {
	c.app.t.Helper()
	typed := make([]file, 0, len(files))
	for _, f := range files {
		typed = append(typed, file{field: f.field, name: f.name, ctype: "application/octet-stream", data: f.data})
	}
	return c.postForm(path, fields, typed...)
}

// uploadJSON is the composer's upload: one file to POST /uploads.
func (c *client) uploadJSON(name string, data []byte) (*response, map[string]string) {
	c.app.t.Helper()
	res := c.multipart("/uploads", nil, formFile{"file", name, data})
	var out map[string]string
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		c.app.t.Fatalf("upload %s: %d, not JSON: %s", name, res.Code, res.Body)
	}
	return res, out
}

var uploadLink = regexp.MustCompile(`/uploads/[a-z2-7]{26}/[^")\s]+`)

func photoWithGPS() []byte {
	return mediatest.WithEXIF(mediatest.JPEG(mediatest.Photo(300, 200, 1), 90), 1)
}

// TestUploadForTheComposer: POST /uploads answers JSON with the Markdown;
// the file is its owner's until posted, then everyone's who may read the
// post; it is served with its type, never sniffed, sandboxed, and cached.
func TestUploadForTheComposer(t *testing.T) {
	a := newApp(t)
	alice, bob, visitor := a.client(), a.client(), a.client()
	alice.register("alice")
	bob.register("bob")
	res, out := alice.uploadJSON("IMG_0042.JPG", photoWithGPS())
	if res.Code != http.StatusCreated || !strings.HasPrefix(out["markdown"], "![IMG\\_0042](/uploads/") || !strings.HasSuffix(out["url"], "/IMG_0042.jpg") {
		t.Fatalf("upload: %d %v", res.Code, out)
	}
	img := alice.get(out["url"])
	if img.Code != http.StatusOK {
		t.Fatalf("owner fetches the upload: %d", img.Code)
	}
	for k, want := range map[string]string{"Content-Type": "image/jpeg", "X-Content-Type-Options": "nosniff",
		"Cross-Origin-Resource-Policy": "same-origin", "Cache-Control": "private, max-age=31536000, immutable"} {
		if got := img.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if csp := img.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if cd := img.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") {
		t.Errorf("an image's disposition: %q", cd)
	}
	if mediatest.HasEXIF([]byte(img.Body)) {
		t.Error("the served photo still has its EXIF (GPS, owner)")
	}
	// Not posted yet: nobody else's.
	if r := bob.get(out["url"]); r.Code != http.StatusNotFound {
		t.Fatalf("another member fetches an unposted upload: %d", r.Code)
	}
	if r := visitor.get(out["url"]); r.Code != http.StatusNotFound {
		t.Fatalf("a visitor fetches an unposted upload: %d", r.Code)
	}
	// Posted in a public question: everyone's.
	q := alice.post("/ask", url.Values{"title": {"What do these router lights mean"}, "category": {"general"},
		"body": {"My router shows these lights:\n\n" + out["markdown"]}})
	if q.Code != http.StatusSeeOther {
		t.Fatalf("ask: %d", q.Code)
	}
	// A new member's first post with an image waits for approval, like one
	// with a link; until then its image is the author's and staff's.
	if r := visitor.get(out["url"]); r.Code != http.StatusNotFound {
		t.Fatalf("a queued post's image reached a visitor: %d", r.Code)
	}
	th, _ := a.store.Thread(context.Background(), threadID(q.Location))
	mod := a.roleClient("mod", models.RoleModerator)
	mustContain(t, mod.get("/mod/queue").Body, `src="`+out["url"]+`"`)
	if r := mod.post("/p/"+itoa(th.QuestionID)+"/approve", url.Values{"approve": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Code)
	}
	page := visitor.get(q.Location)
	mustContain(t, page.Body, `<img src="`+out["url"]+`" alt="IMG_0042" loading="lazy">`)
	seen := visitor.get(out["url"])
	if seen.Code != http.StatusOK || seen.Body != img.Body {
		t.Fatalf("a visitor fetches a posted image: %d", seen.Code)
	}
	// Revalidation answers 304 without the file.
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+out["url"], nil)
	req.Header.Set("If-None-Match", seen.Header.Get("ETag"))
	if r := visitor.do(req); r.Code != http.StatusNotModified || r.Body != "" {
		t.Errorf("If-None-Match: %d", r.Code)
	}
	// The name in the address is not what is looked up.
	key := strings.Split(out["url"], "/")[2]
	if r := visitor.get("/uploads/" + key + "/anything.html"); r.Code != http.StatusOK || r.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("another name: %d %q", r.Code, r.Header.Get("Content-Type"))
	}
	for _, bad := range []string{"/uploads/" + strings.ToUpper(key) + "/x.jpg", "/uploads/../../etc/passwd", "/uploads/" + key + "/thumb"} {
		if r := visitor.get(bad); r.Code != http.StatusNotFound {
			t.Errorf("%s: %d", bad, r.Code)
		}
	}
}

func TestUploadRefusals(t *testing.T) {
	a := newApp(t)
	alice := a.client()
	alice.register("alice")
	for _, tc := range []struct {
		name string
		data []byte
		code int
		want string
	}{
		{"logo.svg", []byte(mediatest.SVGWithScript), http.StatusUnprocessableEntity, "SVG images are not accepted"},
		{"cat.png", []byte(mediatest.HTMLPage), http.StatusUnprocessableEntity, "HTML, SVG and XML files are not accepted"},
		{"bomb.png", mediatest.BombPNG(100000, 100000), http.StatusUnprocessableEntity, "too large (100000 × 100000 pixels)"},
		{"tool.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), http.StatusUnprocessableEntity, "not accepted"},
		{"empty.txt", nil, http.StatusUnprocessableEntity, "empty"},
	} {
		res, out := alice.uploadJSON(tc.name, tc.data)
		if res.Code != tc.code || !strings.Contains(out["error"], tc.want) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, res.Code, out["error"], tc.code, tc.want)
		}
	}
	// Without a CSRF token, or logged out: JSON too.
	res := alice.multipart("/uploads", url.Values{"_csrf": {"forged"}}, formFile{"file", "a.txt", []byte("text")})
	if res.Code != http.StatusForbidden || !strings.Contains(res.Body, `"error"`) {
		t.Errorf("forged token: %d %s", res.Code, res.Body)
	}
	visitor := a.client()
	res = visitor.multipart("/uploads", nil, formFile{"file", "a.txt", []byte("text")})
	if res.Code != http.StatusUnauthorized || !strings.Contains(res.Body, `"error"`) {
		t.Errorf("visitor: %d %s", res.Code, res.Body)
	}
	// Limits an admin set: a file over the size is 413; past the day's total, 429.
	admin := a.roleClient("boss", models.RoleAdmin)
	if r := admin.post("/admin/uploads", url.Values{"per_file_mb": {"1"}, "per_post_mb": {"1"}, "per_day_mb": {"2"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("save limits: %d %s", r.Code, r.Body)
	}
	big := bytes.Repeat([]byte("log line 0123456789\n"), 60_000) // 1.2 MB
	res, out := alice.uploadJSON("big.log", big)
	if res.Code != http.StatusRequestEntityTooLarge || !strings.Contains(out["error"], "1.0 MB") {
		t.Errorf("over the file limit: %d %v", res.Code, out)
	}
	chunk := bytes.Repeat([]byte("log line 0123456789\n"), 45_000) // 900 KB
	for i := 0; i < 2; i++ {
		if res, out := alice.uploadJSON(fmt.Sprintf("part%d.log", i), chunk); res.Code != http.StatusCreated {
			t.Fatalf("upload %d: %d %v", i, res.Code, out)
		}
	}
	res, out = alice.uploadJSON("part3.log", chunk)
	if res.Code != http.StatusTooManyRequests || !strings.Contains(out["error"], "in the last 24 hours") {
		t.Errorf("over the daily limit: %d %v", res.Code, out)
	}
	// An unconfirmed member may not post, so may not upload.
	newbie := a.client()
	newbie.registerUnverified("newbie")
	newbie.login("newbie")
	if res, out := newbie.uploadJSON("a.txt", []byte("text")); res.Code != http.StatusForbidden || out["error"] == "" {
		t.Errorf("unconfirmed member: %d %v", res.Code, out)
	}
}

// TestFilesInTheFormWithoutJavaScript: the ask form takes files in its
// "files" field; images show in the post, other files are links served as
// downloads; a refused file brings the form back with the text kept and
// the accepted files' Markdown in it.
func TestFilesInTheFormWithoutJavaScript(t *testing.T) {
	a := newApp(t)
	// No approval queue: the files are public at once.
	if r := a.roleClient("boss", models.RoleAdmin).post("/admin/settings", adminSettings(nil)); r.Code != http.StatusSeeOther {
		t.Fatalf("settings: %d", r.Code)
	}
	alice := a.client()
	alice.register("alice")
	fields := url.Values{"title": {"Speed test drops every evening at eight"}, "category": {"general"},
		"body": {"Here is my speed test screenshot and the modem log."}}
	res := alice.multipart("/ask", fields, formFile{"files", "speedtest.jpg", photoWithGPS()},
		formFile{"files", "modem.log", []byte("20:00:01 DSL sync lost\n20:00:45 DSL sync 40000/10000\n")},
		formFile{"files", "", nil}) // an empty file input, as browsers send it
	if res.Code != http.StatusSeeOther {
		t.Fatalf("ask with files: %d %s", res.Code, res.Body)
	}
	page := alice.get(res.Location)
	links := uploadLink.FindAllString(page.Body, -1)
	if len(links) != 2 || !strings.Contains(page.Body, `<img src="`+links[0]+`"`) || !strings.HasSuffix(links[1], "/modem.log") {
		t.Fatalf("the post shows %v", links)
	}
	mustContain(t, page.Body, ">modem.log</a> (53 bytes)")
	log := a.client().get(links[1])
	if log.Code != http.StatusOK || !strings.HasPrefix(log.Header.Get("Content-Disposition"), `attachment; filename=modem.log`) ||
		log.Header.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.Contains(log.Body, "DSL sync lost") {
		t.Errorf("the log: %d %q %q", log.Code, log.Header.Get("Content-Disposition"), log.Header.Get("Content-Type"))
	}
	if img := a.client().get(links[0]); mediatest.HasEXIF([]byte(img.Body)) {
		t.Error("a photo sent through the form keeps its EXIF")
	}

	// One file refused: the form again (422), the text as typed, the file
	// that was taken already in it, the refused one named.
	fields.Set("title", "Second question with a picture")
	res = alice.multipart("/ask", fields, formFile{"files", "router.png", mediatest.PNG(mediatest.Solid(20, 20, color.Black))},
		formFile{"files", "logo.svg", []byte(mediatest.SVGWithScript)})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a refused file: %d", res.Code)
	}
	mustContain(t, res.Body, "SVG images are not accepted", "The other files are attached", "Here is my speed test screenshot",
		`value="Second question with a picture"`, `/router.png)</textarea>`)
	if n, _ := a.store.Threads(context.Background(), models.ThreadQuery{}); n.Total != 1 {
		t.Errorf("%d threads after a refused file, want 1", n.Total)
	}
}

// TestPreviewWithoutJavaScript: the Preview button shows the text as it
// will be published, with the form as typed, and saves nothing.
func TestPreviewWithoutJavaScript(t *testing.T) {
	a := newApp(t)
	alice := a.client()
	alice.register("alice")
	body := "Try **this** first:\n\n```\nping 192.168.1.1\n```\n\n<script>alert(1)</script>"
	res := alice.post("/ask", url.Values{"title": {"How do I ping my router"}, "category": {"general"}, "body": {body}, "preview": {"1"}})
	if res.Code != http.StatusOK {
		t.Fatalf("preview: %d", res.Code)
	}
	mustContain(t, res.Body, `<h2 id="preview-heading">Preview</h2>`, "<strong>this</strong>", "<pre><code>ping 192.168.1.1",
		">"+html.EscapeString(body)+"</textarea>", `value="How do I ping my router"`)
	mustNotContain(t, res.Body, "<script>alert(1)</script>")
	if n, _ := a.store.Threads(context.Background(), models.ThreadQuery{}); n.Total != 0 {
		t.Fatal("the preview posted the question")
	}
	// The answer form and the edit form preview too.
	thread := alice.ask("Router reboots itself every night")
	id := itoa(threadID(thread))
	res = alice.post("/t/"+id+"/answers", url.Values{"body": {"Turn off the _maintenance_ window."}, "preview": {"1"}})
	if res.Code != http.StatusOK {
		t.Fatalf("answer preview: %d", res.Code)
	}
	mustContain(t, res.Body, "<em>maintenance</em>", ">Turn off the _maintenance_ window.</textarea>")
	th, _ := a.store.Thread(context.Background(), threadID(thread))
	if th.AnswerCount != 0 {
		t.Fatal("the preview posted the answer")
	}
	res = alice.post("/p/"+itoa(th.QuestionID)+"/edit", url.Values{"title": {th.Title}, "body": {"Now **every** night at 2am."}, "preview": {"1"}})
	if res.Code != http.StatusOK {
		t.Fatalf("edit preview: %d", res.Code)
	}
	mustContain(t, res.Body, "<strong>every</strong>")
	// The live preview's endpoint renders the same, for members.
	live := alice.post("/preview", url.Values{"body": {"A [link](javascript:alert(1)) and **bold**"}})
	if live.Code != http.StatusOK || !strings.Contains(live.Body, "<strong>bold</strong>") || strings.Contains(live.Body, "javascript:") {
		t.Errorf("live preview: %d %s", live.Code, live.Body)
	}
	if r := a.client().post("/preview", url.Values{"body": {"x"}}); r.Code != http.StatusSeeOther {
		t.Errorf("a visitor's preview: %d", r.Code)
	}
}

// TestAttachmentsOfPrivateAndHiddenPosts: a private category's image is a
// 404 for others, even by its address; a hidden post's too.
func TestAttachmentsOfPrivateAndHiddenPosts(t *testing.T) {
	a := newApp(t)
	partner := partnersCategory(t, a, "partner")
	outsider, visitor := a.client(), a.client()
	outsider.register("outsider")
	_, out := partner.uploadJSON("pricing.pdf", []byte("%PDF-1.4\nprices\n%%EOF\n"))
	thread := partner.askIn("partners", "Partner pricing for the Hub 3", "The price list is attached: "+out["markdown"])
	if r := partner.get(out["url"]); r.Code != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("the partner's own file: %d", r.Code)
	}
	for _, c := range []*client{outsider, visitor} {
		if r := c.get(out["url"]); r.Code != http.StatusNotFound || strings.Contains(r.Body, "prices") {
			t.Errorf("a private category's file reached an outsider: %d", r.Code)
		}
	}
	mod := a.roleClient("mod", models.RoleModerator)
	if r := mod.get(out["url"]); r.Code != http.StatusOK {
		t.Errorf("staff who see private categories: %d", r.Code)
	}
	_ = thread

	// A hidden post's image: its author and staff only.
	alice := a.client()
	alice.register("alice")
	_, shot := alice.uploadJSON("shot.png", mediatest.PNG(mediatest.Solid(30, 30, color.White)))
	q := alice.post("/ask", url.Values{"title": {"Screenshot of the error message"}, "category": {"general"}, "body": {"See: " + shot["markdown"]}})
	th, _ := a.store.Thread(context.Background(), threadID(q.Location))
	if r := mod.post("/p/"+itoa(th.QuestionID)+"/hide", url.Values{"reason": {"personal data"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("hide: %d", r.Code)
	}
	if r := visitor.get(shot["url"]); r.Code != http.StatusNotFound {
		t.Errorf("a hidden post's image reached a visitor: %d", r.Code)
	}
	if r := alice.get(shot["url"]); r.Code != http.StatusOK {
		t.Errorf("its author: %d", r.Code)
	}
}

// TestModeratorRemovesAnAttachment: the moderation page lists a post's
// files; removing one is audited and its address is a 404 from then on.
func TestModeratorRemovesAnAttachment(t *testing.T) {
	a := newApp(t)
	alice := a.client()
	alice.register("alice")
	_, shot := alice.uploadJSON("label.png", mediatest.PNG(mediatest.Solid(30, 30, color.White)))
	thread := alice.ask("Router reboots itself every night")
	ans := alice.answer(thread, "The label on mine says this: "+shot["markdown"])
	mod := a.roleClient("mod", models.RoleModerator)
	page := mod.get(thread)
	mustContain(t, page.Body, `href="/p/`+ans+`/attachments"`)
	mustNotContain(t, alice.get(thread).Body, `/attachments"`)
	list := mod.get("/p/" + ans + "/attachments")
	key := strings.Split(shot["url"], "/")[2]
	mustContain(t, list.Body, "label.png", `action="/uploads/`+key+`/remove"`)
	if r := alice.post("/uploads/"+key+"/remove", nil); r.Code != http.StatusForbidden {
		t.Fatalf("a member removes a file: %d", r.Code)
	}
	res := mod.post("/uploads/"+key+"/remove", url.Values{"reason": {"shows the serial number"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.Code)
	}
	if r := a.client().get(shot["url"]); r.Code != http.StatusNotFound {
		t.Errorf("a removed file: %d", r.Code)
	}
	log := a.roleClient("boss", models.RoleAdmin).get("/mod/log")
	mustContain(t, log.Body, "Removed the attachment label.png: shows the serial number")
}

// storageApp is a test app on the given uploads storage (a directory or
// an S3 bucket), with a cleaner over the same store and storage that the
// test runs by hand.
func storageApp(t *testing.T, where string) (*testApp, *media.Storage, *media.Cleaner) {
	t.Helper()
	st, err := media.OpenStorage(context.Background(), where)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	app := newAppWith(t, testdb.Location(t, "test.db"), Config{Uploads: st})
	return app, st, media.NewCleaner(app.store, st, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// TestStoragesAndCleanUp runs uploads on a local directory and on an S3
// bucket (gofakes3 in the test process): the files land there and are
// served from there; an orphan is removed after a day, the files of a
// deleted account at once.
func TestStoragesAndCleanUp(t *testing.T) {
	for _, tc := range []struct{ name, where string }{
		{"local directory", filepath.Join(t.TempDir(), "uploads")},
		{"S3 bucket", mediatest.FakeS3(t, "crowdcare-uploads")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			a, st, cleaner := storageApp(t, tc.where)
			alice := a.client()
			alice.register("alice")
			big := mediatest.JPEG(mediatest.Photo(1600, 1200, 3), 85)
			_, photo := alice.uploadJSON("big.jpg", big)
			_, orphan := alice.uploadJSON("never-posted.txt", []byte("left behind"))
			if !strings.HasPrefix(photo["markdown"], "[![big](/uploads/") || !strings.Contains(photo["markdown"], "/thumb)](/uploads/") {
				t.Fatalf("a large photo's Markdown: %q", photo["markdown"])
			}
			alice.ask("Router reboots itself every night") // a post, so the account has one
			thread := alice.post("/ask", url.Values{"title": {"Photo of the back of the router"}, "category": {"general"},
				"body": {"The back:\n\n" + photo["markdown"]}})
			if thread.Code != http.StatusSeeOther {
				t.Fatalf("ask: %d", thread.Code)
			}
			keys, err := st.Keys(ctx)
			if err != nil || len(keys) != 3 { // photo, its thumbnail, the orphan
				t.Fatalf("stored %v (%v)", keys, err)
			}
			thumbURL := strings.TrimSuffix(strings.Split(photo["url"], "/big.jpg")[0], "/") + "/thumb"
			th := a.client().get(thumbURL)
			if th.Code != http.StatusOK || th.Header.Get("Content-Type") != "image/jpeg" || len(th.Body) >= len(big) {
				t.Fatalf("thumbnail: %d %q %d bytes", th.Code, th.Header.Get("Content-Type"), len(th.Body))
			}
			if r := a.client().get(photo["url"]); r.Code != http.StatusOK || r.Header.Get("Accept-Ranges") != "bytes" {
				t.Fatalf("photo from %s: %d", st, r.Code)
			}
			// A range, as a PDF reader or a resumed download asks.
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+photo["url"], nil)
			req.Header.Set("Range", "bytes=0-9")
			if r := a.client().do(req); r.Code != http.StatusPartialContent || len(r.Body) != 10 {
				t.Errorf("range: %d %d bytes", r.Code, len(r.Body))
			}
			// A day later the orphan goes; the posted photo stays.
			if n, err := cleaner.Clean(ctx); err != nil || n != 0 {
				t.Fatalf("clean before a day: %d %v", n, err)
			}
			a.advance(25 * time.Hour)
			if n, err := cleaner.Clean(ctx); err != nil || n != 1 {
				t.Fatalf("clean after a day: %d %v", n, err)
			}
			if keys, _ := st.Keys(ctx); len(keys) != 2 {
				t.Fatalf("after the clean-up: %v", keys)
			}
			if r := alice.get(orphan["url"]); r.Code != http.StatusNotFound {
				t.Errorf("the orphan's address: %d", r.Code)
			}
			// Deleting the account deletes its files.
			if r := alice.post("/settings/delete", url.Values{"password": {"correct horse"}}); r.Code != http.StatusSeeOther {
				t.Fatalf("delete account: %d %s", r.Code, r.Body)
			}
			if _, err := cleaner.Clean(ctx); err != nil {
				t.Fatal(err)
			}
			if keys, _ := st.Keys(ctx); len(keys) != 0 {
				t.Fatalf("files left after the account's deletion: %v", keys)
			}
			if r := a.client().get(photo["url"]); r.Code != http.StatusNotFound {
				t.Errorf("a deleted member's photo: %d", r.Code)
			}
		})
	}
}

// TestFormWithFilesAfterTheSessionEnded: a question sent with files after
// the session ended elsewhere keeps its text through the login (the files
// are not taken from a visitor); the login page says to attach them again.
func TestFormWithFilesAfterTheSessionEnded(t *testing.T) {
	a := newApp(t)
	laptop := a.client()
	laptop.register("alice")
	endSessionElsewhere(t, a, "alice")
	res := laptop.multipart("/ask", url.Values{"title": {"Lights blink orange after the update"}, "category": {"general"},
		"body": {"Since last night the lights blink orange; photo attached."}}, formFile{"files", "lights.jpg", photoWithGPS()})
	if res.Code != http.StatusUnauthorized {
		t.Fatalf("after the session ended: %d", res.Code)
	}
	mustContain(t, res.Body, "Your session ended before your question was sent", "attach them again")
	login := laptop.post("/login", loginForm(t, res.Body, "alice"))
	page := laptop.follow(login)
	mustContain(t, page.Body, "ready to send", "Since last night the lights blink orange; photo attached.</textarea>",
		`value="Lights blink orange after the update"`)
	// Too large for a visitor's body (1 MB): refused unread, never stored.
	// Just over the limit, so the whole body is in the socket's buffers
	// before the server answers and closes (a body still being written
	// then may be cut by a reset, before the client reads the answer).
	endSessionElsewhere(t, a, "alice")
	big := bytes.Repeat([]byte{'x'}, 1<<20+16<<10)
	res = laptop.multipart("/ask", url.Values{"body": {"text"}}, formFile{"files", "big.log", big})
	if res.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a visitor's large form: %d", res.Code)
	}
}

// TestAvatarUpload: a photo becomes the member's picture, square, without
// its EXIF, shown to everyone; a non-image is refused on the settings page.
func TestAvatarUpload(t *testing.T) {
	a := newApp(t)
	alice := a.client()
	alice.register("alice")
	res := alice.multipart("/settings/avatar", nil, formFile{"avatar", "me.jpg", mediatest.WithEXIF(mediatest.JPEG(mediatest.Photo(600, 400, 2), 90), 6)})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("avatar: %d %s", res.Code, res.Body)
	}
	u, _ := a.store.UserByUsername(context.Background(), "alice")
	if !strings.HasPrefix(u.AvatarURL, "/uploads/") {
		t.Fatalf("avatar URL %q", u.AvatarURL)
	}
	img := a.client().get(u.AvatarURL)
	if img.Code != http.StatusOK || mediatest.HasEXIF([]byte(img.Body)) {
		t.Fatalf("the avatar: %d, EXIF %v", img.Code, mediatest.HasEXIF([]byte(img.Body)))
	}
	mustContain(t, alice.get("/settings").Body, `src="`+u.AvatarURL+`"`)
	res = alice.multipart("/settings/avatar", nil, formFile{"avatar", "me.svg", []byte(mediatest.SVGWithScript)})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("an SVG avatar: %d", res.Code)
	}
	mustContain(t, res.Body, "a profile picture must be a PNG, JPEG or WebP image")
	// Replaced, then removed: the earlier one's address is gone.
	alice.multipart("/settings/avatar", nil, formFile{"avatar", "new.png", mediatest.PNG(mediatest.Solid(300, 300, color.White))})
	if r := a.client().get(u.AvatarURL); r.Code != http.StatusNotFound {
		t.Errorf("the replaced avatar: %d", r.Code)
	}
	if r := alice.post("/settings/avatar", url.Values{"remove": {"1"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.Code)
	}
	if u, _ := a.store.UserByUsername(context.Background(), "alice"); u.AvatarURL != "" {
		t.Errorf("after removal: %q", u.AvatarURL)
	}
}
