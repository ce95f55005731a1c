package models

import (
	"context"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// Leases change no page: taking one leaves the caches valid.
func TestLeaseIsQuiet(t *testing.T) {
	a := forumServers(t)[0]
	if sig, ok := a.signal.(*db.PostgresSignal); ok {
		// Its start moves the version once the listener is up.
		if !waitFor(5*time.Second, sig.Listening) {
			t.Fatal("not listening")
		}
		time.Sleep(50 * time.Millisecond)
	}
	v := a.Version()
	if ok, err := a.AcquireLease(context.Background(), "mail", "me", time.Second); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if a.Version() != v {
		t.Fatal("taking a lease moved the version: every cached page would be dropped every few seconds")
	}
}
