package models

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models/notallowed"
)

// Edits count against the hourly budget as posts do (posts_per_hour edits
// an hour, apart from the posts); staff are not limited.
func TestEditsCountAgainstHourlyBudget(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	saveSettings(t, s, admin, SiteSettingsForm{PostsPerHour: "3"})
	u := mustUser(t, s, "editor")
	th := mustThread(t, s, u, "Router reboots itself every night")
	edit := func(who *User, i int) error {
		return s.EditPost(ctx, who, th.QuestionID, PostEdit{Title: th.Title, Tags: "router",
			Body: fmt.Sprintf("My router keeps dropping the connection, edit number %d.", i)})
	}
	for i := 0; i < 3; i++ {
		if err := edit(u, i); err != nil {
			t.Fatalf("edit %d: %v", i, err)
		}
	}
	err := edit(u, 3)
	if na, ok := IsNotAllowed(err); !ok || na.Kind != notallowed.EditsPerHour || na.N != 3 {
		t.Fatalf("fourth edit in an hour: %v", err)
	}
	if p, _ := s.Post(ctx, th.QuestionID); !strings.Contains(p.BodyMD, "edit number 2") {
		t.Errorf("refused edit was saved: %q", p.BodyMD)
	}
	mod := userWithRole(t, s, "mod", RoleModerator)
	for i := 0; i < 5; i++ {
		if err := edit(mod, 10+i); err != nil {
			t.Fatalf("staff edit %d: %v", i, err)
		}
	}
	// The member's posts are counted apart from the edits: posting still works.
	if _, err := s.CreateAnswer(ctx, u, th.ID, "An update on the nightly reboots."); err != nil {
		t.Fatalf("answer after edits: %v", err)
	}
}
