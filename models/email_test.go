package models

import (
	"context"
	"errors"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestOutboxClaimsOnce: an outbox email is claimed once, whatever happens
// to its outcome; refused ones come back when due; claims never confirmed
// become unconfirmed, expired emails are skipped, and the body (which may
// hold a one-time link) is emptied once the email is done with.
func TestOutboxClaimsOnce(t *testing.T) {
	var skew atomic.Int64
	s, err := Open(context.Background(), testdb.Location(t, "o.db"), Options{PasswordCost: bcrypt.MinCost,
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	later := func(d time.Duration) { skew.Add(int64(d)) }
	claim := func() *ClaimedEmail {
		t.Helper()
		c, err := s.ClaimEmail(ctx, false)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		return c
	}
	none := func() {
		t.Helper()
		if c, err := s.ClaimEmail(ctx, true); !errors.Is(err, ErrNotFound) {
			t.Fatalf("claimed %+v (%v), want nothing due", c, err)
		}
	}
	for _, to := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if err := s.QueueEmail(ctx, Email{Kind: EmailAmbassadorVerification, To: to, Subject: "Confirm", Body: "secret link for " + to,
			Expires: s.Now().Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := claim(), claim(), claim()
	if !a.Outbox || a.To != "a@example.com" || a.Body != "secret link for a@example.com" || b.To != "b@example.com" || c.To != "c@example.com" {
		t.Fatalf("claimed %+v, %+v, %+v", a, b, c)
	}
	none() // all three are claimed: none comes again while they are
	if err := s.FinishEmail(ctx, a, EmailOutcome{State: EmailSent}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishEmail(ctx, b, EmailOutcome{State: EmailPending, Refused: true, RetryIn: time.Minute}); err != nil {
		t.Fatal(err)
	}
	none() // b waits a minute; a is done; c is still claimed
	later(2 * time.Minute)
	if again := claim(); again.ID != b.ID || again.Attempts != 1 || again.Body != b.Body {
		t.Fatalf("retry: %+v", again)
	}
	// Nobody records c's outcome: after the lease it is unconfirmed, and
	// so is b's second claim; neither is sent again.
	later(2 * time.Hour)
	sw, err := s.SweepEmails(ctx, 24*time.Hour, time.Hour)
	if err != nil || sw.Unconfirmed != 2 {
		t.Fatalf("sweep = %+v, %v; want 2 unconfirmed", sw, err)
	}
	none()
	// An expired email is skipped, never claimed.
	if err := s.QueueEmail(ctx, Email{Kind: EmailAmbassadorVerification, To: "d@example.com", Subject: "Confirm", Body: "link",
		Expires: s.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	later(2 * time.Hour)
	none()
	if sw, err := s.SweepEmails(ctx, 24*time.Hour, time.Hour); err != nil || sw.Skipped != 1 {
		t.Fatalf("sweep = %+v, %v; want 1 skipped", sw, err)
	}
	counts, err := s.EmailCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[EmailSent] != 1 || counts[EmailUnconfirmed] != 2 || counts[EmailSkipped] != 1 || counts[EmailPending]+counts[EmailClaimed] != 0 {
		t.Errorf("counts %v", counts)
	}
	var bodies int
	if err := s.db.Primary().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE body != ''`).Scan(&bodies); err != nil || bodies != 0 {
		t.Errorf("%d outbox bodies kept after the emails were done with (%v)", bodies, err)
	}
}

// linkMail writes an ambassador's verification email in tests.
func linkMail(token string) (subject, body string) {
	return "Confirm your work address", "/ambassador/verify?token=" + token
}
