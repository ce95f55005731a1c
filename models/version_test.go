package models

import (
	"context"
	"testing"
	"time"
)

// TestOutdatedSinceSaysWhenAVersionWasReplaced: a copy made at a version is
// out of date from the moment the next one began; the current version and
// versions too old to remember have no such time.
func TestOutdatedSinceSaysWhenAVersionWasReplaced(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	v := s.Version()
	if _, known := s.OutdatedSince(v); known {
		t.Fatal("the current version is not out of date")
	}
	before := time.Now()
	mustUser(t, s, "writer")
	after := time.Now()
	at, known := s.OutdatedSince(v)
	if !known || at.Before(before) || at.After(after) || s.Version() == v {
		t.Fatalf("after a write: %v (known %v), want between %v and %v", at, known, before, after)
	}
	// A later write does not move when v went out of date.
	if err := s.SetRole(ctx, "writer", RoleModerator); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.OutdatedSince(v); !again.Equal(at) {
		t.Fatalf("moved from %v to %v", at, again)
	}
	for i := 0; i < 5000; i++ {
		s.bumpVersion()
	}
	if _, known := s.OutdatedSince(v); known {
		t.Fatal("a version 5,000 behind is still remembered")
	}
	if _, known := s.OutdatedSince(s.Version() - 1); !known {
		t.Fatal("the last version is forgotten")
	}
}
