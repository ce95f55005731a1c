package handlers

import (
	"context"
	"fmt"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/models"
)

// countingReader counts what the client managed to send.
type countingReader struct {
	r    io.Reader
	sent atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.sent.Add(int64(n))
	return n, err
}

// repeatReader yields line n times without holding it n times.
type repeatReader struct {
	line string
	left int
	cur  *strings.Reader
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for r.cur == nil || r.cur.Len() == 0 {
		if r.left == 0 {
			return 0, io.EOF
		}
		r.left--
		r.cur = strings.NewReader(r.line)
	}
	return r.cur.Read(p)
}

// hugeUpload is a multipart upload of a CSV file of about size bytes, made
// as it is sent. The CSRF token comes first, as a browser sends the form.
func hugeUpload(csrf string, size int) (body *countingReader, contentType string) {
	var head strings.Builder
	w := multipart.NewWriter(&head)
	w.WriteField("_csrf", csrf)
	w.WriteField("category", "general")
	w.CreateFormFile("file", "huge.csv")
	head.WriteString("tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n")
	line := "12,jo_k,True,Tue Oct 31 22:08:27 +0000 2017,@ExampleCare my broadband has been down since this morning,,\n"
	tail := "\r\n--" + w.Boundary() + "--\r\n"
	r := io.MultiReader(strings.NewReader(head.String()), &repeatReader{line: line, left: size / len(line)}, strings.NewReader(tail))
	return &countingReader{r: r}, w.FormDataContentType()
}

// postStream sends body as c would, chunked unless length is set. A server
// may answer and close before the body is sent; the response, if the client
// got one, is returned.
func (c *client) postStream(path string, body io.Reader, contentType string, length int64) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, c.app.srv.URL+path, body)
	if err != nil {
		c.app.t.Fatal(err)
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", contentType)
	res, err := c.http.Do(req)
	if err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	return res, err
}

// spooled lists the temporary files of multipart parsing in dir.
func spooled(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "multipart-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// socketSlack is what loopback socket buffers can take from a client that
// the server never read.
const socketSlack = 16 << 20

// A visitor's 200 MB upload is refused after reading at most the limit,
// with no temporary file made: who may send a large body is checked first.
func TestVisitorUploadRefusedUnread(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	a := newApp(t)
	visitor := a.client()
	for _, chunked := range []bool{true, false} {
		body, ct := hugeUpload("not-a-token", 200<<20)
		length := int64(0)
		if !chunked {
			length = 200<<20 + 1024 // declared, and above the limit
		}
		res, err := visitor.postStream("/mod/social/import", body, ct, length)
		if err == nil && res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked=%v: status %d, want a login redirect or 413", chunked, res.StatusCode)
		}
		if sent := body.sent.Load(); sent > socketSlack {
			t.Errorf("chunked=%v: the server took %d MB of a visitor's upload", chunked, sent>>20)
		}
	}
	if f := spooled(t, tmp); len(f) != 0 {
		t.Errorf("temporary files left by a visitor's upload: %v", f)
	}
	// A member without the permission is refused the same way.
	member := a.roleClient("mem", models.RoleMember)
	body, ct := hugeUpload(member.token(), 200<<20)
	res, err := member.postStream("/mod/social/import", body, ct, 0)
	if err == nil && res.StatusCode != http.StatusForbidden {
		t.Errorf("member: status %d, want 403", res.StatusCode)
	}
	if sent := body.sent.Load(); sent > socketSlack {
		t.Errorf("member: the server took %d MB", sent>>20)
	}
	if f := spooled(t, tmp); len(f) != 0 {
		t.Errorf("temporary files left by a member's upload: %v", f)
	}
}

// An ambassador's chunked 70 MB upload is cut at the 64 MB limit: 413, no
// import job, no thread, nothing spooled left behind.
func TestChunkedUploadOverLimitRefused(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	body, ct := hugeUpload(amb.token(), 70<<20)
	res, err := amb.postStream("/mod/social/import", body, ct, 0)
	if err == nil && res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
	if sent := body.sent.Load(); sent > MaxUpload+socketSlack {
		t.Errorf("the server read %d MB of a 64 MB route", sent>>20)
	}
	if _, err := a.store.ImportJob(context.Background(), 1); err == nil {
		t.Error("an import job was started for a refused upload")
	}
	page, err := a.store.Threads(context.Background(), threadQueryAll())
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 0 {
		t.Errorf("%d threads imported from a refused upload", page.Total)
	}
	if f := spooled(t, tmp); len(f) != 0 {
		t.Errorf("temporary files left: %v", f)
	}
	// Under the limit, chunked, it is taken.
	small, ct := hugeUpload(amb.token(), 1<<20)
	res, err = amb.postStream("/mod/social/import", small, ct, 0)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a 1 MB chunked upload: %v %v", res, err)
	}
}

// Small forms are cut at the site's limit whether or not they say their
// length.
func TestChunkedFormOverLimitRefused(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	form := url.Values{"_csrf": {c.token()}, "title": {"Big one here"}, "body": {strings.Repeat("z", 2<<20)}}
	body := &countingReader{r: strings.NewReader(form.Encode())}
	res, err := c.postStream("/ask", body, "application/x-www-form-urlencoded", 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
}

// A body that trickles is given up on: a small form's body has seconds to
// arrive, not the minute a slow client could hold a connection for.
func TestSlowFormBodyTimesOut(t *testing.T) {
	ctx := context.Background()
	store, err := models.Open(ctx, testdb.Location(t, "t.db"), withFilesDir(t, models.Options{PasswordCost: bcrypt.MinCost}))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, e, err := newHandler(ctx, Config{BaseURL: "http://forum.test"}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h.formWait = 200 * time.Millisecond
	srv := httptest.NewServer(e)
	defer srv.Close()

	pr, pw := io.Pipe()
	defer pw.Close()
	go fmt.Fprint(pw, "_csrf=x&username=al") // then nothing more
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/login", pr)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	type result struct {
		res *http.Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("no answer to a stalled body: %v", r.err)
		}
		r.res.Body.Close()
		if r.res.StatusCode != http.StatusRequestTimeout {
			t.Fatalf("status %d, want 408", r.res.StatusCode)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server still waits for a stalled body after 30 s")
	}
}

// An accepted upload larger than what multipart parsing keeps in memory
// leaves no temporary file behind once its request is over.
func TestAcceptedUploadLeavesNoTempFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	a := newApp(t)
	amb := a.roleClient("amy", models.RoleAmbassador)
	body, ct := hugeUpload(amb.token(), 4<<20)
	res, err := amb.postStream("/mod/social/import", body, ct, 0)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a 4 MB upload: %v %v", res, err)
	}
	// The next request on the same connection is served once the first is
	// wholly over, temporary files removed.
	amb.get("/mod/social/import")
	if f := spooled(t, tmp); len(f) != 0 {
		t.Errorf("temporary files left by an accepted upload: %v", f)
	}
}
