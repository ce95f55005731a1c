package mailer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/lease"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/mailer/smtptest"
	"github.com/crowdcare/crowdcare/models"
)

// killed is a server that dies: it never gives its leases up.
type killed struct{ lease.Store }

func (killed) ReleaseLease(context.Context, string, string) error { return nil }

// Two app servers, each with a mail worker under the "mail" lease, on one
// database: every email goes out exactly once, also when the server
// sending them dies half-way and the other takes the lease over.
func TestMailWorkersOnTwoServersSendOnce(t *testing.T) {
	srv := smtptest.Start(t)
	loc := testdb.Location(t, "mail.db")
	var st [2]*models.Store
	for i := range st {
		s, err := models.Open(context.Background(), loc, models.Options{PasswordCost: bcrypt.MinCost, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st[i] = s
	}
	ctx := context.Background()
	queue := func(from, to int) {
		for i := from; i < to; i++ {
			if err := st[i%2].QueueEmail(ctx, models.Email{Kind: "test", To: fmt.Sprintf("m%d@example.com", i),
				Subject: "Your link", Body: fmt.Sprintf("Open https://x.example/%d\n", i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	queue(0, 40)
	const ttl = 900 * time.Millisecond
	run := func(s lease.Store, store *models.Store, name string, ctx context.Context) *lease.Group {
		g := lease.NewGroup(s, name, discardLog())
		g.TTL = ttl
		w := NewWorker(newMailer(t, testConfig(srv), discardLog()), store, WorkerConfig{SiteName: "Crowdcare", BaseURL: baseURL,
			UnsubscribeURL: unsubURL, Every: 20 * time.Millisecond})
		g.Go(ctx, "mail", w.Run)
		return g
	}
	actx, killA := context.WithCancel(ctx)
	defer killA()
	ga := run(killed{st[0]}, st[0], "a", actx)
	time.Sleep(50 * time.Millisecond)
	bctx, stopB := context.WithCancel(ctx)
	gb := run(st[1], st[1], "b", bctx)
	defer func() { stopB(); gb.Wait() }()

	sent := func() int { return len(srv.Messages()) }
	deadline := time.Now().Add(10 * time.Second)
	for sent() < 10 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if len(ga.Held()) != 1 || len(gb.Held()) != 0 {
		t.Fatalf("A holds %v, B %v: want A to send", ga.Held(), gb.Held())
	}
	killA()
	ga.Wait()
	queue(40, 60)
	deadline = time.Now().Add(ttl + 10*time.Second)
	for sent() < 60 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // anything sent twice would show now
	got := recipients(srv)
	for i := range 60 {
		if n := got[fmt.Sprintf("m%d@example.com", i)]; n != 1 {
			t.Errorf("m%d received %d emails, want 1", i, n)
		}
	}
	if len(srv.Messages()) != 60 {
		t.Errorf("%d messages for 60 emails", len(srv.Messages()))
	}
	c, err := st[1].EmailCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c[models.EmailSent] != 60 {
		t.Errorf("states %v, want 60 sent", c)
	}
	if got := gb.Held(); len(got) != 1 {
		t.Errorf("B holds %v after A died, want the mail lease", got)
	}
}
