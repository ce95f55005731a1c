package handlers

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"
	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
)

// Tests of the database refusing writes: a full disk (SQLite's own size
// limit, Options.MaxSize, with the tables a login writes filled to the
// last page: SQLite files only) and a busy database (another connection
// holding the write lock with BEGIN IMMEDIATE, as another process would;
// on PostgreSQL every table locked against writes, as an operator's LOCK
// TABLE or a long migration would).

// rawDB opens the database file on a connection of the test's own.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// holdWriteLock takes the database's write lock as another process would,
// until the returned function gives it back. PostgreSQL has no lock for the
// whole database: there every table is locked in EXCLUSIVE mode, which
// lets reads through and makes every write wait.
func holdWriteLock(t *testing.T, location string) (release func()) {
	t.Helper()
	ctx := context.Background()
	var conn *sql.Conn
	var err error
	if strings.Contains(location, "://") {
		if conn, err = testdb.Raw(t, location).Conn(ctx); err != nil {
			t.Fatal(err)
		}
		var tables string
		if err := conn.QueryRowContext(ctx, `SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables
			WHERE schemaname = current_schema()`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "LOCK TABLE "+tables+" IN EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
	} else {
		if conn, err = rawDB(t, location).Conn(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
	}
	var once atomic.Bool
	release = func() {
		if once.CompareAndSwap(false, true) {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
		}
	}
	t.Cleanup(release)
	return release
}

// fillDisk leaves the database at path with no free page and no room on
// the last pages of the tables a login writes: with the file capped at its
// size (Options.MaxSize), every failed-login record and every session
// record then fails with SQLITE_FULL, "database or disk is full".
func fillDisk(t *testing.T, path string, userID int64) {
	t.Helper()
	db := rawDB(t, path)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "VACUUM"); err != nil {
		t.Fatal(err)
	}
	var pages int64
	if err := db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	far := time.Now().Add(365 * 24 * time.Hour).Unix()
	fills := []struct {
		table, insert string
		args          func(i int) []any
	}{
		// Long ago: they count against nobody's limits.
		{"login_failures", `INSERT INTO login_failures (username, ip, at) VALUES (?, ?, 1)`,
			func(i int) []any { return []any{fmt.Sprintf("filler%08x", i*2654435761%1<<32), "192.0.2.1"} }},
		// Live, or a login would delete them as expired and make room.
		{"sessions", `INSERT INTO sessions (id_hash, user_id, started_at, expires_at) VALUES (?, ?, 1, ?)`,
			func(i int) []any { return []any{fmt.Sprintf("%064x", uint64(i)*11400714819323198485), userID, far} }},
	}
	for _, f := range fills {
		// Until many inserts in a row fail: the rows go to every leaf of
		// the table and its indexes, so each leaf fills up.
		misses := 0
		for i := 0; misses < 300; i++ {
			_, err := db.ExecContext(ctx, f.insert, f.args(i)...)
			var se sqlite3.Error
			switch {
			case err == nil:
				misses = 0
			case errors.As(err, &se) && se.Code == sqlite3.ErrFull:
				misses++
			default:
				t.Fatalf("fill %s: %v", f.table, err)
			}
		}
	}
	var after int64
	if err := db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&after); err != nil || after != pages {
		t.Fatalf("the filled database has %d pages, want %d: %v", after, pages, err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
}

func countRows(t *testing.T, path, table string) int {
	t.Helper()
	var n int
	if err := rawDB(t, path).QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFullDiskStillLetsTheAdminIn: with the disk full, a login cannot
// record its attempt or its session. A correct password is let in all the
// same (fail open for the record, never for the check): the admin reaches
// /admin/settings; a wrong password is refused, and repeated ones are
// throttled as always. The session is unrecorded: no row was written.
func TestFullDiskStillLetsTheAdminIn(t *testing.T) {
	path := testdb.SQLiteFile(t, "full.db") // SQLite's size cap stands for the full disk
	ctx := context.Background()
	setup, err := models.Open(ctx, path, models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := setup.CreateUser(ctx, models.NewUser{Username: "root", Email: "root@example.com", Password: "correct horse", Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	// The session keys are made on the first start, before the disk fills.
	if _, err := New(ctx, Config{}, setup, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if err := setup.Close(); err != nil {
		t.Fatal(err)
	}
	fillDisk(t, path, admin.ID)
	sessions := countRows(t, path, "sessions")

	a := newAppOpts(t, path, models.Options{MaxSize: 1}) // capped at its size: full
	intruder := a.client()
	res := intruder.post("/login", url.Values{"username": {"root"}, "password": {"wrong horse"}})
	if res.Code != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Wrong username or password.") {
		t.Fatalf("wrong password on a full disk: %d, want 422 with the form", res.Code)
	}
	if res := intruder.get("/admin/settings"); res.Code != http.StatusSeeOther {
		t.Fatalf("after a wrong password: /admin/settings %d, want a redirect to the login", res.Code)
	}
	if since, fault := a.store.WritesFailing(); since.IsZero() || fault != models.FaultFull {
		t.Fatalf("the store does not know its writes fail: %v %v", since, fault)
	}
	admin2 := a.client()
	res = admin2.post("/login", url.Values{"username": {"root"}, "password": {"correct horse"}, "next": {"/admin/settings"}})
	if res.Code != http.StatusSeeOther || res.Location != "/admin/settings" {
		t.Fatalf("correct password on a full disk: %d %q, want 303 to /admin/settings\n%s", res.Code, res.Location, res.Body)
	}
	page := admin2.get("/admin/settings")
	if page.Code != http.StatusOK {
		t.Fatalf("/admin/settings on a full disk: %d", page.Code)
	}
	mustContain(t, page.Body, "root")
	if n := countRows(t, path, "sessions"); n != sessions {
		t.Fatalf("sessions: %d rows, %d before: the test's disk was not full", n, sessions)
	}
	// The limits still count the failures nobody could record.
	throttled := false
	for i := 0; i < 8 && !throttled; i++ {
		throttled = intruder.post("/login", url.Values{"username": {"root"}, "password": {"wrong horse"}}).Code == http.StatusTooManyRequests
	}
	if !throttled {
		t.Fatal("unrecorded failed logins are never throttled")
	}
	// Logging out ends it, though nothing can be written.
	if res := admin2.post("/logout", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("logout on a full disk: %d", res.Code)
	}
	if res := admin2.get("/admin/settings"); res.Code != http.StatusSeeOther {
		t.Fatalf("after logging out: /admin/settings %d", res.Code)
	}
}

// TestUnrecordedSessionEndsWithTheOutage: a session made while the
// database refused writes counts no longer once a write works again.
func TestUnrecordedSessionEndsWithTheOutage(t *testing.T) {
	path := testdb.Location(t, "busy.db")
	a := newAppOpts(t, path, models.Options{LockWait: 50 * time.Millisecond})
	if _, err := a.store.CreateUser(context.Background(), models.NewUser{Username: "root", Email: "root@example.com",
		Password: "correct horse", Role: models.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.token() // the login form's CSRF cookie, before the lock
	release := holdWriteLock(t, path)
	if res := c.post("/login", url.Values{"username": {"root"}, "password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("login while the database is locked: %d", res.Code)
	}
	if res := c.get("/admin/settings"); res.Code != http.StatusOK {
		t.Fatalf("/admin/settings while locked: %d", res.Code)
	}
	release()
	deadline := time.Now().Add(20 * time.Second)
	for since, _ := a.store.WritesFailing(); !since.IsZero(); since, _ = a.store.WritesFailing() {
		if time.Now().After(deadline) {
			t.Fatal("the store never saw that writes work again")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res := c.get("/admin/settings"); res.Code != http.StatusSeeOther {
		t.Fatalf("the unrecorded session outlived the outage: /admin/settings %d", res.Code)
	}
}

var submissionValue = `name="_submission" value="([A-Z2-7]{26})"`

// TestBusyDatabaseKeepsTheForm: while another process holds the write lock
// past the wait, posting a question or an answer gets 503 with Retry-After
// and the form again with what was typed and its key; sent again once the
// lock is free, it is saved once.
func TestBusyDatabaseKeepsTheForm(t *testing.T) {
	path := testdb.Location(t, "busy.db")
	a := newAppOpts(t, path, models.Options{LockWait: 50 * time.Millisecond})
	asker := a.client()
	asker.register("asker")
	thread := asker.ask("Router reboots itself every night")
	askForm := asker.get("/ask")
	key := regexpFind(t, askForm.Body, submissionValue)
	tok := csrfInput.FindStringSubmatch(askForm.Body)[1]
	threadPage := asker.get(thread)
	answerKey := regexpFind(t, threadPage.Body, submissionValue)

	release := holdWriteLock(t, path)
	question := url.Values{"_csrf": {tok}, "_submission": {key}, "title": {"Wi-Fi drops whenever the microwave runs"}, "category": {"general"},
		"body": {"Every time the microwave runs the laptop loses Wi-Fi <for a minute>."}, "tags": {"wifi"}}
	res := asker.post("/ask", question)
	if res.Code != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("ask while locked: %d, Retry-After %q; want 503 with Retry-After", res.Code, res.Header.Get("Retry-After"))
	}
	mustContain(t, res.Body, "Wi-Fi drops whenever the microwave runs", "the laptop loses Wi-Fi &lt;for a minute&gt;.",
		`name="_submission" value="`+key+`"`, "Nothing you typed was lost.")
	answer := url.Values{"_csrf": {tok}, "_submission": {answerKey}, "body": {"Try channel 11: microwaves sit on channel 9 or so."}}
	res = asker.post("/t/"+itoa(threadID(thread))+"/answers", answer)
	if res.Code != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("answer while locked: %d, Retry-After %q", res.Code, res.Header.Get("Retry-After"))
	}
	mustContain(t, res.Body, "Try channel 11: microwaves sit on channel 9 or so.", `name="_submission" value="`+answerKey+`"`)
	release()

	first := asker.post("/ask", question)
	again := asker.post("/ask", question)
	if first.Code != http.StatusSeeOther || again.Code != http.StatusSeeOther || first.Location != again.Location {
		t.Fatalf("ask sent again: %d %q, then %d %q; want both to the same thread", first.Code, first.Location, again.Code, again.Location)
	}
	a1, a2 := asker.post("/t/"+itoa(threadID(thread))+"/answers", answer), asker.post("/t/"+itoa(threadID(thread))+"/answers", answer)
	if a1.Code != http.StatusSeeOther || a1.Location != a2.Location {
		t.Fatalf("answer sent again: %d %q, then %d %q", a1.Code, a1.Location, a2.Code, a2.Location)
	}
	if list, err := a.store.Threads(context.Background(), threadQueryAll()); err != nil || list.Total != 2 {
		t.Fatalf("threads: %v %v, want 2", list, err)
	}
	if th, err := a.store.Thread(context.Background(), threadID(thread)); err != nil || th.AnswerCount != 1 {
		t.Fatalf("answers: %v %v, want 1", th, err)
	}
}

// TestRetriedSubmissionWritesOnce: each form that posts content carries a
// fresh key, and the same key sent again leads to the first result without
// writing: a question, an answer, an edit. A new form is a new key.
func TestRetriedSubmissionWritesOnce(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	c := a.client()
	c.register("asker")
	k1 := regexpFind(t, c.get("/ask").Body, submissionValue)
	k2 := regexpFind(t, c.get("/ask").Body, submissionValue)
	if k1 == k2 {
		t.Fatal("two ask forms got the same key")
	}
	q := url.Values{"_submission": {k1}, "title": {"Router reboots itself every night"}, "category": {"general"},
		"body": {"The router reboots itself every night at about 2am."}}
	r1, r2 := c.post("/ask", q), c.post("/ask", q)
	if r1.Code != http.StatusSeeOther || r1.Location != r2.Location {
		t.Fatalf("the same question twice: %d %q, %d %q", r1.Code, r1.Location, r2.Code, r2.Location)
	}
	q.Set("_submission", k2)
	if r3 := c.post("/ask", q); r3.Code != http.StatusSeeOther || r3.Location == r1.Location {
		t.Fatalf("a new form's question: %d %q, want a second thread", r3.Code, r3.Location)
	}
	if list, _ := a.store.Threads(ctx, threadQueryAll()); list.Total != 2 {
		t.Fatalf("%d threads, want 2", list.Total)
	}

	page := c.get(r1.Location)
	ak := regexpFind(t, page.Body, submissionValue)
	// Each member's page has its own key, also when the page around the
	// posts comes from the thread cache.
	if again := regexpFind(t, c.get(r1.Location).Body, submissionValue); again == ak {
		t.Fatal("the thread page gave the same answer key twice")
	}
	ans := url.Values{"_submission": {ak}, "body": {"Turn off automatic firmware updates at night."}}
	p1, p2 := c.post("/t/"+itoa(threadID(r1.Location))+"/answers", ans), c.post("/t/"+itoa(threadID(r1.Location))+"/answers", ans)
	if p1.Code != http.StatusSeeOther || p1.Location != p2.Location {
		t.Fatalf("the same answer twice: %d %q, %d %q", p1.Code, p1.Location, p2.Code, p2.Location)
	}
	postID := strings.TrimPrefix(p1.Location, "/p/")

	ek := regexpFind(t, c.get("/p/"+postID+"/edit").Body, submissionValue)
	edit := url.Values{"_submission": {ek}, "body": {"Turn off automatic firmware updates at night, then reboot once."}}
	e1, e2 := c.post("/p/"+postID+"/edit", edit), c.post("/p/"+postID+"/edit", edit)
	if e1.Code != http.StatusSeeOther || e2.Code != http.StatusSeeOther {
		t.Fatalf("the same edit twice: %d, %d", e1.Code, e2.Code)
	}
	revs, err := a.store.Revisions(ctx, atoi(postID))
	if err != nil || len(revs) != 1 {
		t.Fatalf("%d revisions after the same edit twice, want 1: %v", len(revs), err)
	}
	// A key from another kind of form leads to nothing of that kind.
	ans.Set("_submission", k1)
	ans.Set("body", "A different answer sent with the question's key.")
	if res := c.post("/t/"+itoa(threadID(r1.Location))+"/answers", ans); res.Code != http.StatusSeeOther || res.Location == p1.Location {
		t.Fatalf("an answer with a question's key: %d %q", res.Code, res.Location)
	}
}

// healthOf gets /healthz, failing if it takes longer than a generous bound:
// a liveness guard (it must not wait for the lock), not a speed test.
func healthOf(t *testing.T, c *client) (int, healthReport) {
	t.Helper()
	type answer struct {
		code int
		body string
	}
	done := make(chan answer, 1)
	go func() {
		res, err := c.http.Get(c.app.srv.URL + "/healthz")
		if err != nil {
			done <- answer{code: -1, body: err.Error()}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		done <- answer{res.StatusCode, string(b)}
	}()
	select {
	case a := <-done:
		var r healthReport
		if err := json.Unmarshal([]byte(a.body), &r); err != nil {
			t.Fatalf("/healthz: %d %q: %v", a.code, a.body, err)
		}
		return a.code, r
	case <-time.After(3 * time.Second):
		t.Fatal("/healthz did not answer within 3 s")
	}
	return 0, healthReport{}
}

// TestHealthDegradedWhileLocked: /healthz answers at once while another
// process holds the write lock, saying degraded; ok again once it is free.
// Low free space is degraded too, and /metrics exports free space and
// refused writes.
func TestHealthDegradedWhileLocked(t *testing.T) {
	// SQLite's write lock, which Health probes (PostgreSQL has none for the
	// whole database: TestHealthSaysWhenWritesAreRefused runs on both).
	path := testdb.SQLiteFile(t, "busy.db")
	free := new(atomic.Int64)
	free.Store(10 << 30)
	a := newAppOpts(t, path, models.Options{FreeSpace: func(string) (int64, error) { return free.Load(), nil }})
	c := a.client()
	if code, r := healthOf(t, c); code != http.StatusOK || r.Status != "ok" || !r.Database.Writable || r.Database.FreeBytes != 10<<30 {
		t.Fatalf("healthy: %d %+v", code, r)
	}
	release := holdWriteLock(t, path)
	code, r := healthOf(t, c)
	if code != http.StatusOK || r.Status != "degraded" || r.Database.Writable || len(r.Database.Problems) == 0 {
		t.Fatalf("while locked: %d %+v, want 200 degraded and not writable", code, r)
	}
	// A write waiting for the lock does not hold /healthz up either.
	go a.store.SetSetting(context.Background(), "x", []byte("y"))
	time.Sleep(50 * time.Millisecond)
	if _, r := healthOf(t, c); r.Status != "degraded" {
		t.Fatalf("while a write waits: %+v", r)
	}
	release()
	if code, r := healthOf(t, c); code != http.StatusOK || r.Status != "ok" {
		t.Fatalf("after the lock: %d %+v", code, r)
	}
	free.Store(20 << 20)
	if code, r := healthOf(t, c); code != http.StatusOK || r.Status != "degraded" || !strings.Contains(strings.Join(r.Database.Problems, ";"), "low disk space") {
		t.Fatalf("low free space: %d %+v", code, r)
	}

	// A refused write is counted.
	b := newAppOpts(t, path, models.Options{LockWait: 20 * time.Millisecond, FreeSpace: func(string) (int64, error) { return 123456789, nil }})
	release = holdWriteLock(t, path)
	if err := b.store.SetSetting(context.Background(), "x", []byte("z")); models.WriteFaultOf(err) != models.FaultBusy {
		t.Fatalf("a write while locked: %v, want a busy fault", err)
	}
	release()
	metrics := b.client().get("/metrics").Body
	mustContain(t, metrics, "crowdcare_disk_free_bytes 1.23456789e+08", `crowdcare_db_write_failures_total{reason="busy"} 1`,
		`crowdcare_db_write_failures_total{reason="full"} 0`)
}

// TestImportRefusedOnLowFreeSpace: the upload form says how much space is
// free and what an import needs, and a file the disk cannot hold is refused
// (507) before anything is imported.
func TestImportRefusedOnLowFreeSpace(t *testing.T) {
	free := new(atomic.Int64)
	free.Store(70 << 20)
	a := newAppOpts(t, testdb.Location(t, "low.db"), models.Options{FreeSpace: func(string) (int64, error) { return free.Load(), nil }})
	amb := a.roleClient("amy", models.RoleAmbassador)
	mustContain(t, amb.get("/mod/social/import").Body, "70 MB free on the database&#39;s disk", "64 MB for its WAL plus 8 times")
	big := supportCSV + strings.Repeat("14,jo_k,True,Tue Oct 31 22:30:00 +0000 2017,@ExampleCare still down,,\n", 20000)
	res := amb.upload("/mod/social/import", "twcs.csv", big, url.Values{"category": {"general"}, "brand_handle": {"ExampleCare"}})
	if res.Code != http.StatusInsufficientStorage {
		t.Fatalf("an import the disk cannot hold: %d, want 507", res.Code)
	}
	mustContain(t, res.Body, "There is not enough free disk space to import this file: 70 MB free", "Nothing was imported")
	if list, _ := a.store.Threads(context.Background(), threadQueryAll()); list.Total != 0 {
		t.Fatalf("%d threads after a refused import", list.Total)
	}
	free.Store(10 << 30)
	res = amb.upload("/mod/social/import", "twcs.csv", big, url.Values{"category": {"general"}, "brand_handle": {"ExampleCare"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("with room: %d", res.Code)
	}
	waitForJob(t, amb, res.Location)
}

// TestHealthSaysWhenWritesAreRefused: on either engine /healthz says ok,
// writable, at the schema's version; a write the database refuses (busy:
// its tables locked past the lock wait) makes it degraded and not
// writable, is counted in /metrics, and once a probe write goes through it
// is ok again. A PostgreSQL server's free disk space is not this
// process's to know: -1, and no problem.
func TestHealthSaysWhenWritesAreRefused(t *testing.T) {
	path := testdb.Location(t, "health.db")
	a := newAppOpts(t, path, models.Options{LockWait: 50 * time.Millisecond})
	c := a.client()
	code, r := healthOf(t, c)
	if code != http.StatusOK || r.Status != "ok" || !r.Database.OK || !r.Database.Writable || r.Database.SchemaVersion < 26 {
		t.Fatalf("healthy: %d %+v", code, r)
	}
	if testdb.Postgres() && r.Database.FreeBytes != -1 {
		t.Fatalf("free bytes of a PostgreSQL server's disk: %d, want -1 (unknown)", r.Database.FreeBytes)
	}
	release := holdWriteLock(t, path)
	if err := a.store.SetSetting(context.Background(), "x", []byte("y")); models.WriteFaultOf(err) != models.FaultBusy {
		t.Fatalf("a write while locked: %v, want a busy fault", err)
	}
	code, r = healthOf(t, c)
	if code != http.StatusOK || r.Status != "degraded" || r.Database.Writable || !strings.Contains(strings.Join(r.Database.Problems, ";"), "writes refused since") {
		t.Fatalf("after a refused write: %d %+v, want 200 degraded", code, r)
	}
	mustContain(t, c.get("/metrics").Body, `crowdcare_db_write_failures_total{reason="busy"} 1`)
	release()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, r = healthOf(t, c); r.Status == "ok" && r.Database.Writable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d %+v after the lock was given back", code, r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
