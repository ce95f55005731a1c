package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// Edits count against posts_per_hour (apart from posts): one more is
// refused on the form with the text kept, and allowed again an hour later.
func TestEditsBeyondTheHourlyBudgetAreRefused(t *testing.T) {
	a := newApp(t)
	admin := a.roleClient("boss", models.RoleAdmin)
	if res := admin.post("/admin/settings", url.Values{"brand_name": {"Example ISP"}, "badge_title": {"Example ISP Employee"},
		"superuser_threshold": {"200"}, "posts_per_hour": {"3"}, "standing_days": {"3"}, "standing_reputation": {"10"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("settings: %d", res.Code)
	}
	c := a.client()
	c.register("alice")
	thread := c.ask("Router reboots itself every night")
	qid := a.mustQuestionID(t, thread)
	edit := func(i int) *response {
		return c.post("/p/"+qid+"/edit", url.Values{"title": {"Router reboots itself every night"}, "tags": {"router"},
			"body": {fmt.Sprintf("The router reboots itself every night, says edit %d.", i)}})
	}
	for i := 0; i < 3; i++ {
		if res := edit(i); res.Code != http.StatusSeeOther {
			t.Fatalf("edit %d: status %d", i, res.Code)
		}
	}
	res := edit(3)
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("fourth edit in an hour: status %d, want 422", res.Code)
	}
	mustContain(t, res.Body, "You have edited posts 3 times in the last hour", "says edit 3.")
	a.advance(time.Hour + time.Minute)
	if res := edit(4); res.Code != http.StatusSeeOther {
		t.Fatalf("edit an hour later: status %d", res.Code)
	}
}
