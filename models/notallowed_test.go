package models

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/notallowed"
)

// refusedAs reports whether err is a refusal of kind k.
func refusedAs(err error, k notallowed.Kind) bool {
	na, ok := IsNotAllowed(err)
	return ok && na.Kind == k
}

// TestNotAllowedThroughWrapping: a refusal is found through wrapping, and
// its Error (for logs) names its kind and values, not a sentence; without
// a kind it is its Reason.
func TestNotAllowedThroughWrapping(t *testing.T) {
	until := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	err := fmt.Errorf("create answer: %w", &ErrNotAllowed{Kind: notallowed.Suspended, Until: until, Why: "Cooling off"})
	na, ok := IsNotAllowed(err)
	if !ok || na.Kind != notallowed.Suspended || !na.Until.Equal(until) || na.Why != "Cooling off" {
		t.Fatalf("wrapped refusal: %+v %v", na, ok)
	}
	if got := err.Error(); got != `create answer: not allowed: suspended until=2026-03-09T12:00:00Z why="Cooling off"` {
		t.Errorf("Error: %s", got)
	}
	if !refusedAs(err, notallowed.Suspended) || refusedAs(err, notallowed.PostsPerHour) || refusedAs(ErrForbidden, notallowed.Suspended) {
		t.Error("refusedAs")
	}
	if got := (&ErrNotAllowed{Reason: "Only a profile imported from X can be linked."}).Error(); !strings.HasPrefix(got, "Only a profile") {
		t.Errorf("a refusal without a kind: %s", got)
	}
}
