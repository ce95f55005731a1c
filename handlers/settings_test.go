package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// TestSavedSettingsShowAtOnceUnderLoad: pages keep being served from the
// cached settings while an admin changes them, and the first page after the
// save shows the new badge title to the admin at once and to visitors
// within the page cache's staleness bound, however the reloads interleave.
func TestSavedSettingsShowAtOnceUnderLoad(t *testing.T) {
	a := newApp(t)
	if _, err := a.store.CreateUser(context.Background(), models.NewUser{Username: "amy", Email: "amy@example.com",
		Password: "correct horse", Role: models.RoleAmbassador}); err != nil {
		t.Fatal(err)
	}
	admin := a.roleClient("boss", models.RoleAdmin)
	save := func(badge string) {
		t.Helper()
		res := admin.post("/admin/settings", adminSettings(url.Values{"badge_title": {badge}}))
		if res.Code != http.StatusSeeOther {
			t.Fatalf("save settings: %d", res.Code)
		}
	}
	visitor := a.client()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := a.client()
			for {
				select {
				case <-stop:
					return
				default:
					if res := c.get("/ambassadors"); res.Code != http.StatusOK {
						t.Errorf("ambassadors under load: %d", res.Code)
						return
					}
				}
			}
		}()
	}
	for _, badge := range []string{"Example ISP Employee", "Example ISP Staff", "Example ISP Crew"} {
		save(badge)
		want := `<span class="badge role-ambassador">` + badge + `</span>`
		// The admin who saved sees it at once (never a cached copy).
		mustContain(t, admin.get("/ambassadors").Body, want)
		// A visitor may be handed the previous copy while one request
		// renders the page again (stale while refreshing), for at most
		// pageStaleFor after the save: never longer.
		deadline := time.Now().Add(pageStaleFor + 2*time.Second)
		for !strings.Contains(visitor.get("/ambassadors").Body, want) {
			if time.Now().After(deadline) {
				t.Fatalf("a visitor still lacks %q %s after the save", want, pageStaleFor+2*time.Second)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	close(stop)
	wg.Wait()
}
