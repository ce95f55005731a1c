package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// TestOwnWriteSeenOnAnotherServer: two app servers over one database, and a
// member whose answer goes through server A while their next page comes
// from server B before B has heard of the write. On PostgreSQL server B is
// deaf (models.Options.Deaf: the change signal has not arrived yet); on
// SQLite two stores on one file hear nothing of each other's commits
// anyway. The recent-write mark in the session sends the member's page
// past B's caches, while the pages B keeps for others are still the old
// ones (the control: without the mark the member would get those).
func TestOwnWriteSeenOnAnotherServer(t *testing.T) {
	loc := testdb.Location(t, "servers.db")
	a := newAppAt(t, loc)
	b := newAppOpts(t, loc, models.Options{Deaf: testdb.Postgres()})

	asker := a.client()
	asker.register("asker")
	thread := asker.ask("Router reboots every night")
	writerA := a.client()
	writerA.register("writer")
	other := b.client()
	other.register("bystander")

	// Warm server B's caches: the visitors' page, the thread cache (a
	// member who sees the thread as visitors do) and the writer's own.
	visitor := b.client()
	writerB := writerA.on(b)
	for range 2 {
		if res := visitor.get(thread); res.Code != http.StatusOK {
			t.Fatalf("visitor on B: %d", res.Code)
		}
		other.get(thread)
	}
	// Everyone's own marks (registering, logging in) go stale: both
	// servers' clocks move on past the window.
	a.advance(2 * recentWriteWindow)
	b.advance(2 * recentWriteWindow)
	before := writerB.get(thread)
	if before.Code != http.StatusOK || strings.Contains(before.Body, "Flash the firmware") {
		t.Fatalf("before the answer: %d", before.Code)
	}

	// The answer goes through A; the next page comes from B at once.
	writerA.answer(thread, "Flash the firmware to version 2.4, then reset.")
	mine := writerB.get(thread)
	if mine.Code != http.StatusOK {
		t.Fatalf("the writer's thread on B: %d", mine.Code)
	}
	mustContain(t, mine.Body, "Flash the firmware to version 2.4")

	// The control: B has not heard of the write, so what it keeps for
	// others is the old page (within the caches' 10 s), which is what the
	// writer would have got without the mark.
	if res := visitor.get(thread); res.Header.Get("X-Cache") == "" || strings.Contains(res.Body, "Flash the firmware") {
		t.Errorf("the control failed: a visitor on B got X-Cache %q, the answer shown: %v; server B heard of the write, so this test proves nothing",
			res.Header.Get("X-Cache"), strings.Contains(res.Body, "Flash the firmware"))
	}
	if res := other.get(thread); strings.Contains(res.Body, "Flash the firmware") {
		t.Error("the control failed: another member on B saw the answer from B's thread cache; server B heard of the write, so this test proves nothing")
	}
}

// TestOwnWriteSeenOnOneServer: with one server the write moves the
// version its caches trust, so the writer (and everyone) sees it at once;
// the mark changes nothing there.
func TestOwnWriteSeenOnOneServer(t *testing.T) {
	a := newApp(t)
	asker := a.client()
	asker.register("asker")
	thread := asker.ask("Router reboots every night")
	writer := a.client()
	writer.register("writer")
	visitor := a.client()
	visitor.get(thread)
	writer.get(thread)
	writer.answer(thread, "Flash the firmware to version 2.4, then reset.")
	mustContain(t, writer.get(thread).Body, "Flash the firmware to version 2.4")
	mustContain(t, visitor.get(thread).Body, "Flash the firmware to version 2.4")
}

// TestRecentWriteMark: a successful write leaves the mark in the session
// (the Set-Cookie of the write replaces the handler's own), a refused one
// does not, and a visitor who only sets a preference gets no session.
func TestRecentWriteMark(t *testing.T) {
	a := newApp(t)
	writer := a.client()
	writer.register("writer")
	thread := writer.ask("Router reboots every night")

	res := writer.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"Flash the firmware to version 2.4."}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("answer: %d", res.Code)
	}
	// The answer's handler saves no session of its own: the cookie is the
	// mark's, once.
	if n := sessionCookies(res.Header); n != 1 {
		t.Errorf("the answer's response sets the session cookie %d times, want once (the recent-write mark)", n)
	}
	// A login saves the session itself: still one cookie, the mark's.
	if res := writer.post("/login", url.Values{"username": {"writer"}, "password": {"correct horse"}}); sessionCookies(res.Header) != 1 {
		t.Errorf("a login's response sets the session cookie %d times, want once", sessionCookies(res.Header))
	}
	// A visitor's colour scheme: no session is made for it.
	visitor := a.client()
	visitor.get("/")
	res = visitor.postRaw("/theme", url.Values{"theme": {"dark"}}.Encode())
	if n := sessionCookies(res.Header); n != 0 {
		t.Errorf("a visitor's theme choice set the session cookie (%d): it would cost them the page cache", n)
	}
	// A refused write (a missing CSRF token) marks nothing.
	other := a.client()
	other.register("other")
	res = other.postRaw("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"No token."}}.Encode())
	if res.Code != http.StatusForbidden {
		t.Fatalf("answer without a token: %d", res.Code)
	}
	if n := sessionCookies(res.Header); n != 0 {
		t.Errorf("a refused write set the session cookie")
	}
}

func sessionCookies(h http.Header) int {
	n := 0
	for _, v := range h.Values("Set-Cookie") {
		if strings.HasPrefix(v, sessionName+"=") {
			n++
		}
	}
	return n
}
