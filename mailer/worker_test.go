package mailer

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/mailer/smtptest"
	"github.com/crowdcare/crowdcare/models"
)

const baseURL = "https://community.example.com"

func unsubURL(userID int64) string {
	return fmt.Sprintf("%s/unsubscribe?u=%d&t=tok%d", baseURL, userID, userID)
}

// forum is a real store on the suite's engine, with a clock tests can move on.
type forum struct {
	t     *testing.T
	store *models.Store
	path  string
	skew  atomic.Int64
}

func newForum(t *testing.T) *forum {
	t.Helper()
	f := &forum{t: t, path: testdb.Location(t, "mail.db")}
	s, err := models.Open(context.Background(), f.path, models.Options{PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.store = s
	return f
}

func (f *forum) later(d time.Duration) { f.skew.Add(int64(d)) }

func (f *forum) user(name, email string) *models.User {
	f.t.Helper()
	u, err := f.store.CreateUser(context.Background(), models.NewUser{Username: name, Email: email, Password: "correct horse"})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// answer makes a thread by asker, watched by the watchers, and answers it:
// one notification for the asker and one for each watcher.
func (f *forum) answer(asker *models.User, watchers ...*models.User) {
	f.t.Helper()
	ctx := context.Background()
	th, err := f.store.CreateThread(ctx, asker, models.NewThread{Title: "Router reboots itself every night", CategorySlug: "general",
		Body: "My router keeps dropping the connection every evening.", Tags: "router"})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, w := range watchers {
		if err := f.store.Watch(ctx, w.ID, th.ID, true); err != nil {
			f.t.Fatal(err)
		}
	}
	peer, err := f.store.UserByUsername(ctx, "peer")
	if errors.Is(err, models.ErrNotFound) {
		peer = f.user("peer", "peer@example.com")
	} else if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.store.CreateAnswer(ctx, peer, th.ID, "Same here, it started after the last firmware update."); err != nil {
		f.t.Fatal(err)
	}
}

// threeNotifications: alice asked, bob (whose server refuses him) and carol watch.
func (f *forum) threeNotifications() {
	f.answer(f.user("alice", "alice@example.com"), f.user("bob", "bob@reject.example"), f.user("carol", "carol@example.com"))
}

// writesFail makes every update of a notification fail (only of a
// claimed one when claimedOnly) as on a full disk, and returns what undoes
// it. The fault is made from a connection of its own, as another process
// would make it: a trigger raising a full disk's error (on PostgreSQL its
// error class too, disk_full).
func (f *forum) writesFail(claimedOnly bool) (undo func()) {
	f.t.Helper()
	db := f.sql()
	if !testdb.Postgres() {
		when := ""
		if claimedOnly {
			when = "WHEN OLD.email_state = 'claimed'"
		}
		f.exec(db, `CREATE TRIGGER fail_writes BEFORE UPDATE ON notifications `+when+`
			BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
		return func() { f.exec(db, `DROP TRIGGER fail_writes`) }
	}
	f.exec(db, `CREATE OR REPLACE FUNCTION fail_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
		RAISE EXCEPTION 'database or disk is full' USING ERRCODE = 'disk_full'; END $$`)
	when := ""
	if claimedOnly {
		when = "WHEN (OLD.email_state = 'claimed')"
	}
	f.exec(db, `CREATE TRIGGER fail_writes BEFORE UPDATE ON notifications FOR EACH ROW `+when+` EXECUTE FUNCTION fail_writes()`)
	return func() { f.exec(db, `DROP TRIGGER fail_writes ON notifications`) }
}

// sql opens a second connection to the database, as another process (a
// backup, a second app server, sqlite3 or psql at a shell) would; on SQLite
// its transactions begin with BEGIN IMMEDIATE, taking the write lock.
func (f *forum) sql() *sql.DB {
	f.t.Helper()
	driver, dsn := "sqlite3", "file:"+f.path+"?_busy_timeout=5000&_txlock=immediate"
	if testdb.Postgres() {
		driver, dsn = "pgx", f.path
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	return db
}

func (f *forum) exec(db *sql.DB, q string) {
	f.t.Helper()
	if _, err := db.Exec(q); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *forum) counts() map[string]int {
	f.t.Helper()
	c, err := f.store.EmailCounts(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func newWorker(m *Mailer, f *forum) *Worker {
	return NewWorker(m, f.store, WorkerConfig{SiteName: "Crowdcare", BaseURL: baseURL, UnsubscribeURL: unsubURL})
}

// recipients counts the messages each address received.
func recipients(srv *smtptest.Server) map[string]int {
	out := map[string]int{}
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			out[to]++
		}
	}
	return out
}

func TestWorkerSendsNotificationsAndOutbox(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Rejecting("bob@reject.example"))
	f := newForum(t)
	f.threeNotifications()
	ctx := context.Background()
	if err := f.store.QueueEmail(ctx, models.Email{Kind: "test", To: "dave@example.com", Subject: "Your link", Body: "Open https://x.example/1\n"}); err != nil {
		t.Fatal(err)
	}
	w := newWorker(newMailer(t, testConfig(srv), discardLog()), f)

	r, err := w.RunOnce(ctx)
	if err != nil || r.Sent != 3 || r.Retried != 1 {
		t.Fatalf("RunOnce = %+v, %v; want 3 sent, 1 retried", r, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 3 || msgs[0].To[0] != "dave@example.com" {
		t.Fatalf("server received %+v, want 3 messages, the outbox first", msgs)
	}
	alice, _ := f.store.UserByUsername(ctx, "alice")
	for _, r := range msgs[1:] {
		pm, err := mail.ReadMessage(strings.NewReader(r.Data))
		if err != nil {
			t.Fatalf("ReadMessage: %v", err)
		}
		var user *models.User
		if r.To[0] == "alice@example.com" {
			user = alice
		} else {
			user, _ = f.store.UserByUsername(ctx, "carol")
		}
		unsub := unsubURL(user.ID)
		if got := pm.Header.Get("List-Unsubscribe"); got != "<"+unsub+">" {
			t.Errorf("List-Unsubscribe = %q, want <%s>", got, unsub)
		}
		if got := pm.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post = %q", got)
		}
		if got := pm.Header.Get("Auto-Submitted"); got != "auto-generated" {
			t.Errorf("Auto-Submitted = %q", got)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject"))
		if !strings.HasPrefix(subject, "[Crowdcare] peer ") || !strings.Contains(subject, "“Router reboots itself every night”") {
			t.Errorf("Subject = %q", subject)
		}
		b, err := io.ReadAll(quotedprintable.NewReader(pm.Body))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Hello " + user.Username, baseURL + "/p/", "You receive these emails because", "Unsubscribe: " + unsub} {
			if !strings.Contains(string(b), want) {
				t.Errorf("body lacks %q:\n%s", want, b)
			}
		}
	}

	// Refused: bob's waits before it is tried again.
	if r, err := w.RunOnce(ctx); err != nil || !r.zero() || len(srv.Messages()) != 3 {
		t.Fatalf("next round = %+v, %v, %d messages; want nothing", r, err, len(srv.Messages()))
	}
	srv.SetReject("bob@reject.example", false)
	f.later(firstRetry + time.Second)
	if r, err := w.RunOnce(ctx); err != nil || r.Sent != 1 {
		t.Fatalf("round after the retry delay = %+v, %v; want 1 sent", r, err)
	}
	if got := recipients(srv); got["bob@reject.example"] != 1 || len(srv.Messages()) != 4 {
		t.Errorf("received %v", got)
	}
	if c := f.counts(); c[models.EmailSent] != 4 {
		t.Errorf("states %v, want 4 sent", c)
	}
}

func TestWorkerGivesUpOnRefusedEmails(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Rejecting("bob@reject.example"))
	f := newForum(t)
	f.threeNotifications()
	w := newWorker(newMailer(t, testConfig(srv), discardLog()), f)
	for i := range maxAttempts {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.later(firstRetry << i)
	}
	if c := f.counts(); c[models.EmailFailed] != 1 || c[models.EmailSent] != 2 || c[models.EmailPending] != 0 {
		t.Errorf("states %v, want 2 sent and 1 failed", c)
	}
}

// Notification emails carry the community's name as the admins set it,
// the configured site name when they set none.
func TestWorkerUsesTheCommunityName(t *testing.T) {
	srv := smtptest.Start(t)
	f := newForum(t)
	f.threeNotifications()
	name := "Northwind Community"
	w := NewWorker(newMailer(t, testConfig(srv), discardLog()), f.store, WorkerConfig{SiteName: "Crowdcare", BaseURL: baseURL,
		UnsubscribeURL: unsubURL, Name: func(context.Context) string { return name }})
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range srv.Messages() {
		pm, err := mail.ReadMessage(strings.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		if subject, _ := new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject")); !strings.HasPrefix(subject, "[Northwind Community] ") {
			t.Errorf("Subject = %q", subject)
		}
	}
	if len(srv.Messages()) == 0 {
		t.Fatal("nothing sent")
	}
}

func TestWorkerBatchSize(t *testing.T) {
	srv := smtptest.Start(t)
	f := newForum(t)
	for i := range 60 {
		if err := f.store.QueueEmail(context.Background(), models.Email{Kind: "test", To: fmt.Sprintf("u%d@example.com", i), Subject: "s", Body: "b"}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := newWorker(newMailer(t, testConfig(srv), discardLog()), f).RunOnce(context.Background())
	if err != nil || r.Sent != 50 {
		t.Fatalf("RunOnce = %+v, %v; want 50 sent", r, err)
	}
}

// TestWorkerStopsWhenServerUnreachable: one connection attempt per round,
// and every email is still pending (not claimed, not lost) afterwards.
func TestWorkerStopsWhenServerUnreachable(t *testing.T) {
	m := newMailer(t, Config{Host: "127.0.0.1", Port: 1, From: "a@example.com", TLS: "none"}, discardLog())
	dials := 0
	m.dial = func(context.Context, string, string) (net.Conn, error) {
		dials++
		return nil, errors.New("connection refused")
	}
	f := newForum(t)
	f.threeNotifications()
	r, err := newWorker(m, f).RunOnce(context.Background())
	if err == nil || r.Sent != 0 {
		t.Fatalf("RunOnce = %+v, %v; want nothing sent and an error", r, err)
	}
	if dials != 1 {
		t.Errorf("dialled %d times, want 1 (the rest of the batch would fail the same way)", dials)
	}
	if c := f.counts(); c[models.EmailPending] != 3 {
		t.Errorf("states %v, want 3 pending", c)
	}
}

// TestWorkerDiskFullAfterSending is the disk-full case: the mail
// goes out, recording it fails. Before, each round sent the same
// notification again (5 copies in 70 s). Now each goes out once, however
// many rounds run, and is counted as unconfirmed after the lease.
func TestWorkerDiskFullAfterSending(t *testing.T) {
	srv := smtptest.Start(t)
	f := newForum(t)
	f.threeNotifications()
	// Every write to a claimed notification fails, as on a full disk.
	diskFreed := f.writesFail(true)
	w := newWorker(newMailer(t, testConfig(srv), discardLog()), f)
	failed := 0
	for range 10 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			if !strings.Contains(err.Error(), "disk is full") {
				t.Fatalf("RunOnce: %v", err)
			}
			failed++
		}
	}
	if failed != 3 {
		t.Errorf("%d rounds failed, want 3 (one per notification)", failed)
	}
	for to, n := range recipients(srv) {
		if n != 1 {
			t.Errorf("%s received %d copies", to, n)
		}
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("%d messages, want 3", n)
	}
	// The disk has room again; the claims are still unconfirmed, and after
	// the lease they are counted, never sent.
	diskFreed()
	f.later(claimLease + time.Minute)
	r, err := w.RunOnce(context.Background())
	if err != nil || r.Unconfirmed != 3 || r.Sent != 0 {
		t.Fatalf("round after the lease = %+v, %v; want 3 unconfirmed", r, err)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("%d messages after the disk was freed, want 3", n)
	}
}

// TestWorkerDiskFullBeforeClaiming: when the claim cannot be written,
// nothing is sent; once it can, each email goes out once.
func TestWorkerDiskFullBeforeClaiming(t *testing.T) {
	srv := smtptest.Start(t)
	f := newForum(t)
	f.threeNotifications()
	diskFreed := f.writesFail(false)
	w := newWorker(newMailer(t, testConfig(srv), discardLog()), f)
	for range 5 {
		if _, err := w.RunOnce(context.Background()); err == nil || !strings.Contains(err.Error(), "nothing sent") {
			t.Fatalf("RunOnce = %v, want the claim's error", err)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages sent without a claim", n)
	}
	diskFreed()
	for range 3 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := recipients(srv); len(got) != 3 || got["alice@example.com"] != 1 || got["bob@reject.example"] != 1 || got["carol@example.com"] != 1 {
		t.Errorf("received %v, want one each", got)
	}
}

// TestWorkerDatabaseLockedWhileMarking is the lock case: another
// connection takes the write lock while the first mail is on the wire, so
// its outcome cannot be written. It is not sent again.
func TestWorkerDatabaseLockedWhileMarking(t *testing.T) {
	f := newForum(t)
	f.threeNotifications()
	var release atomic.Pointer[func() error]
	srv := smtptest.Start(t, smtptest.OnData(func(smtptest.Message) {
		if release.Load() == nil {
			undo, err := f.lockWrites()
			if err != nil {
				t.Errorf("take the write lock: %v", err)
				return
			}
			release.Store(&undo)
		}
	}))
	w := newWorker(newMailer(t, testConfig(srv), discardLog()), f)
	_, err := w.RunOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "left claimed") {
		t.Fatalf("RunOnce = %v, want the outcome's error", err)
	}
	if err := (*release.Load())(); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	got := recipients(srv)
	if len(got) != 3 || got["alice@example.com"] != 1 || got["bob@reject.example"] != 1 || got["carol@example.com"] != 1 {
		t.Errorf("received %v, want one each", got)
	}
	if c := f.counts(); c[models.EmailClaimed] != 1 || c[models.EmailSent] != 2 {
		t.Errorf("states %v, want 1 claimed (unconfirmed) and 2 sent", c)
	}
}

// lockWrites takes the database's write lock from another connection until
// release. On SQLite that is BEGIN IMMEDIATE: the store's writes wait their
// lock wait, then fail as busy. PostgreSQL has no lock on the whole
// database; what the store sees once a lock waited for too long (a lock
// refused: lock_not_available, a busy fault) is raised by a trigger on
// every update of a notification.
func (f *forum) lockWrites() (release func() error, err error) {
	db := f.sql()
	if !testdb.Postgres() {
		tx, err := db.BeginTx(context.Background(), nil) // BEGIN IMMEDIATE
		if err != nil {
			return nil, err
		}
		return tx.Rollback, nil
	}
	for _, q := range []string{
		`CREATE OR REPLACE FUNCTION locked_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
			RAISE EXCEPTION 'could not obtain lock on notifications' USING ERRCODE = 'lock_not_available'; END $$`,
		`CREATE TRIGGER locked_writes BEFORE UPDATE ON notifications FOR EACH ROW EXECUTE FUNCTION locked_writes()`,
	} {
		if _, err := db.Exec(q); err != nil {
			return nil, err
		}
	}
	return func() error {
		_, err := db.Exec(`DROP TRIGGER locked_writes ON notifications`)
		return err
	}, nil
}

// TestWorkerNoReplyAfterData: the server got the whole message but its
// answer never came (the round's context ended). It may have been
// delivered, so it is recorded unconfirmed and not sent again.
func TestWorkerNoReplyAfterData(t *testing.T) {
	release := make(chan struct{})
	srv := smtptest.Start(t, smtptest.OnData(func(smtptest.Message) { <-release }))
	defer close(release)
	f := newForum(t)
	f.answer(f.user("alice", "alice@example.com"))
	w := newWorker(newMailer(t, testConfig(srv), discardLog()), f)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r, err := w.RunOnce(ctx)
	if err == nil || r.Unconfirmed != 1 {
		t.Fatalf("RunOnce = %+v, %v; want 1 unconfirmed and an error", r, err)
	}
	if r, err := w.RunOnce(context.Background()); err != nil || !r.zero() {
		t.Fatalf("next round = %+v, %v; want nothing", r, err)
	}
	if c := f.counts(); c[models.EmailUnconfirmed] != 1 {
		t.Errorf("states %v", c)
	}
}

// TestWorkerSkipsTheBacklog is the first start with SMTP: 42
// notifications from days ago are skipped, only the new one is mailed.
func TestWorkerSkipsTheBacklog(t *testing.T) {
	srv := smtptest.Start(t)
	f := newForum(t)
	f.later(-72 * time.Hour)
	watchers := make([]*models.User, 41)
	for i := range watchers {
		watchers[i] = f.user(fmt.Sprintf("watcher%d", i), fmt.Sprintf("w%d@example.com", i))
	}
	f.answer(f.user("old", "old@example.com"), watchers...)
	f.later(72 * time.Hour)
	f.answer(f.user("fresh", "fresh@example.com"))

	// Without SMTP, the worker writes outbox emails to the log and leaves
	// notifications alone, but still skips the old ones.
	var logged bytes.Buffer
	if err := f.store.QueueEmail(context.Background(), models.Email{Kind: "test", To: "x@example.com", Subject: "link", Body: "https://x.example/secret"}); err != nil {
		t.Fatal(err)
	}
	r, err := newWorker(newMailer(t, Config{}, slog.New(slog.NewTextHandler(&logged, nil))), f).RunOnce(context.Background())
	if err != nil || r.Skipped != 42 || r.Sent != 1 || !strings.Contains(logged.String(), "https://x.example/secret") {
		t.Fatalf("round without SMTP = %+v, %v, log %s", r, err, logged.String())
	}
	// SMTP turned on: only the fresh one goes out.
	w := newWorker(newMailer(t, testConfig(srv), discardLog()), f)
	if r, err := w.RunOnce(context.Background()); err != nil || r.Sent != 1 {
		t.Fatalf("first round with SMTP = %+v, %v; want 1 sent", r, err)
	}
	if got := recipients(srv); len(got) != 1 || got["fresh@example.com"] != 1 {
		t.Errorf("received %v, want only the fresh notification", got)
	}
	if c := f.counts(); c[models.EmailSkipped] != 42 {
		t.Errorf("states %v, want 42 skipped", c)
	}
}

// TestRunBacksOff: failed rounds wait twice as long each time, up to ten
// minutes; a good round goes back to the normal pace. The first round runs
// at once.
func TestRunBacksOff(t *testing.T) {
	srv := smtptest.Start(t)
	f := newForum(t)
	f.threeNotifications()
	diskFreed := f.writesFail(false)
	w := newWorker(newMailer(t, testConfig(srv), discardLog()), f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waits []time.Duration
	w.sleep = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		switch len(waits) {
		case 8:
			diskFreed()
		case 10:
			cancel()
			return ctx.Err()
		}
		return nil
	}
	w.Run(ctx)
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		10 * time.Minute, 10 * time.Minute, 10 * time.Minute, DefaultEvery, DefaultEvery}
	if !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("%d messages, want 3", n)
	}
}

func TestShorten(t *testing.T) {
	if got := shorten("  a\r\nBcc: x  ", 80); got != "a Bcc: x" {
		t.Errorf("shorten collapsed whitespace to %q", got)
	}
	long := strings.Repeat("ä", 100)
	got := shorten(long, 80)
	if n := utf8.RuneCountInString(got); n != 80 || !strings.HasSuffix(got, "…") {
		t.Errorf("shorten(100 runes) = %d runes %q", n, got)
	}
}

// Workers on two app servers (two stores on one database) send each email
// once: every claim is taken by one worker only.
func TestWorkersOnTwoServersSendEachEmailOnce(t *testing.T) {
	srv := smtptest.Start(t)
	f := newForum(t)
	other, err := models.Open(context.Background(), f.path, models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	const emails = 120
	for i := range emails {
		if err := f.store.QueueEmail(context.Background(), models.Email{Kind: "test", To: fmt.Sprintf("u%d@example.com", i), Subject: "s", Body: "b"}); err != nil {
			t.Fatal(err)
		}
	}
	var sent atomic.Int64
	var wg sync.WaitGroup
	for i := range 4 {
		w := NewWorker(newMailer(t, testConfig(srv), discardLog()), []Queue{f.store, other}[i%2],
			WorkerConfig{SiteName: "Crowdcare", BaseURL: baseURL})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r, err := w.RunOnce(context.Background())
				if err != nil {
					t.Errorf("worker %d: %v", i, err)
					return
				}
				if r.Sent == 0 {
					return
				}
				sent.Add(int64(r.Sent))
			}
		}()
	}
	wg.Wait()
	if sent.Load() != emails {
		t.Errorf("%d sent, want %d", sent.Load(), emails)
	}
	got := recipients(srv)
	if len(got) != emails {
		t.Errorf("%d recipients, want %d", len(got), emails)
	}
	for to, n := range got {
		if n != 1 {
			t.Errorf("%s received %d copies", to, n)
		}
	}
}
