package handlers

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// TestSavedSettingsShowAtOnceUnderLoad: pages keep being served from the
// cached settings while an admin changes them, and the first page after the
// save shows the new badge title, however the reloads interleave.
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
		mustContain(t, visitor.get("/ambassadors").Body, `<span class="badge role-ambassador">`+badge+`</span>`)
	}
	close(stop)
	wg.Wait()
}
