package handlers

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

var downloadLink = regexp.MustCompile(`href="(/settings/export/[0-9]+)"`)

// readZip opens a downloaded archive and returns its files by name.
func readZip(t *testing.T, body string) map[string]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	out := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}

// Download my data: asked for, made by the worker in the background, then
// downloadable by its member only, for 24 hours.
func TestDownloadMyData(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	peer := a.client()
	peer.register("peer")
	if res := c.post("/settings/profile", url.Values{"display_name": {"Alice Liddell"}, "bio": {"Down the rabbit hole."}}); res.Code != http.StatusSeeOther {
		t.Fatalf("profile: %d", res.Code)
	}
	mine := c.ask("Router reboots itself every night")
	qid := mustThread(t, a, mine).QuestionID
	if res := c.post("/p/"+itoa(qid)+"/edit", url.Values{"title": {"Router reboots itself every night at 2am"}, "category": {"general"},
		"body": {"The router reboots itself every night at about 2am, since the update."}, "tags": {"router"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", res.Code, res.Body)
	}
	theirs := peer.ask("Hub 3 loses Wi-Fi every evening")
	ans := c.answer(theirs, "Set a fixed channel and turn **band steering** off.")
	peersAnswer := peer.answer(mine, "Turn off the nightly maintenance window.")
	if res := c.post("/p/"+peersAnswer+"/vote", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("vote: %d", res.Code)
	}
	if res := c.post("/t/"+itoa(threadID(theirs))+"/watch", url.Values{"watch": {"1"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("watch: %d", res.Code)
	}

	page := c.get("/settings/export")
	mustContain(t, page.Body, "Download your data", `action="/settings/export"`)
	res := c.post("/settings/export", nil)
	if res.Code != http.StatusSeeOther || res.Location != "/settings/export" {
		t.Fatalf("ask: %d %q", res.Code, res.Location)
	}
	page = c.get("/settings/export")
	m := downloadLink.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no download link:\n%s", page.Body)
	}
	mustContain(t, page.Body, "Your data is ready to download.")
	dl := c.get(m[1])
	if dl.Code != http.StatusOK || dl.Header.Get("Content-Type") != "application/zip" ||
		!strings.HasPrefix(dl.Header.Get("Content-Disposition"), `attachment; filename="alice-data-`) {
		t.Fatalf("download: %d %v", dl.Code, dl.Header)
	}
	files := readZip(t, dl.Body)
	for _, name := range []string{"README.txt", "profile.json", "settings.json", "posts.json", "votes.json", "watches.json", "notifications.json",
		"posts/" + itoa(qid) + ".md", "posts/" + ans + ".md"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the archive lacks %s (has %d files)", name, len(files))
		}
	}
	var profile models.ExportProfile
	if err := json.Unmarshal([]byte(files["profile.json"]), &profile); err != nil || profile.Email != "alice@example.com" ||
		profile.DisplayName != "Alice Liddell" || profile.Bio != "Down the rabbit hole." || !profile.EmailVerified {
		t.Fatalf("profile.json: %+v %v", profile, err)
	}
	var posts []models.ExportPost
	if err := json.Unmarshal([]byte(files["posts.json"]), &posts); err != nil || len(posts) != 2 {
		t.Fatalf("posts.json: %d posts, %v\n%s", len(posts), err, files["posts.json"])
	}
	if q := posts[0]; !q.Question || len(q.Revisions) != 1 || !strings.Contains(q.Revisions[0].BodyMarkdown, "at about 2am.") ||
		!q.Revisions[0].ByYou || q.EditedAt == nil {
		t.Fatalf("the question and its revision: %+v", q)
	}
	mustContain(t, files["posts/"+ans+".md"], "# Hub 3 loses Wi-Fi every evening", "turn **band steering** off")
	var votes []models.ExportVote
	if err := json.Unmarshal([]byte(files["votes.json"]), &votes); err != nil || len(votes) != 1 || itoa(votes[0].PostID) != peersAnswer {
		t.Fatalf("votes.json: %+v %v", votes, err)
	}
	var watches []models.ExportWatch
	if err := json.Unmarshal([]byte(files["watches.json"]), &watches); err != nil || len(watches) != 2 {
		t.Fatalf("watches.json: %+v %v", watches, err) // their own question, watched on asking, and the one they chose
	}
	var notes []models.ExportNotification
	if err := json.Unmarshal([]byte(files["notifications.json"]), &notes); err != nil || len(notes) == 0 ||
		!strings.Contains(notes[0].Text, "peer answered your question") {
		t.Fatalf("notifications.json: %+v %v", notes, err)
	}
	var settings models.ExportSettings
	if err := json.Unmarshal([]byte(files["settings.json"]), &settings); err != nil || !settings.EmailNotifications {
		t.Fatalf("settings.json: %+v %v", settings, err)
	}
	// The member is emailed that it is ready.
	if mails := a.outbox("alice@example.com"); mails[len(mails)-1].Kind != models.EmailExportReady {
		t.Fatalf("no email that the export is ready: %+v", mails[len(mails)-1])
	}
	// Only for its member: anyone else gets "not found", a visitor the login page.
	if res := peer.get(m[1]); res.Code != http.StatusNotFound {
		t.Fatalf("another member downloads it: %d", res.Code)
	}
	if res := a.client().get(m[1]); res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login") {
		t.Fatalf("a visitor downloads it: %d", res.Code)
	}
	// After 24 hours the link is dead and the worker removes the file.
	j, err := a.store.LatestExport(context.Background(), mustUser(t, a, "alice").ID)
	if err != nil {
		t.Fatal(err)
	}
	a.advance(models.ExportTTL + time.Minute)
	if res := c.get(m[1]); res.Code != http.StatusNotFound {
		t.Fatalf("after 24 hours: %d", res.Code)
	}
	paths, err := a.store.ExpireExports(context.Background())
	if err != nil || len(paths) != 1 || paths[0] != j.Path {
		t.Fatalf("expired: %v %v", paths, err)
	}
	mustContain(t, c.get("/settings/export").Body, "Your last copy has expired.")
	// Three a day at most.
	for i := 0; i < 4; i++ {
		c.post("/settings/export", nil)
	}
	mustContain(t, c.get("/settings/export").Body, "3 times in the last 24 hours")
}

// mustThread loads the thread at a path.
func mustThread(t *testing.T, a *testApp, path string) *models.Thread {
	t.Helper()
	th, err := a.store.Thread(context.Background(), threadID(path))
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// Delete my account: confirmed with the password; the member is logged out
// everywhere, their posts read "deleted member", their profile is gone.
func TestDeleteMyAccount(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("alice")
	other := a.client()
	other.login("alice")
	peer := a.client()
	peer.register("peer")
	thread := c.ask("Router reboots itself every night")
	peerThread := peer.ask("Hub 3 loses Wi-Fi every evening")
	c.answer(peerThread, "Set a fixed channel and turn band steering off.")
	c.post("/settings/export", nil)
	j, err := a.store.LatestExport(context.Background(), mustUser(t, a, "alice").ID)
	if err != nil || j.Path == "" {
		t.Fatalf("export: %+v %v", j, err)
	}

	mustContain(t, c.get("/settings").Body, `href="/settings/delete"`, `href="/settings/export"`)
	page := c.get("/settings/delete")
	mustContain(t, page.Body, `name="password"`, `value="keep" checked`, `value="remove"`)
	res := c.post("/settings/delete", url.Values{"password": {"wrong password"}, "posts": {"remove"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", res.Code)
	}
	mustContain(t, res.Body, "That is not your password.", `value="remove" checked`)
	res = c.post("/settings/delete", url.Values{"password": {"correct horse"}, "posts": {"keep"}})
	if res.Code != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("delete: %d %q", res.Code, res.Location)
	}
	mustContain(t, c.get("/").Body, "Your account is deleted.")
	for _, b := range []*client{c, other} {
		if res := b.get("/settings"); res.Code != http.StatusSeeOther {
			t.Fatalf("a session survived: %d", res.Code)
		}
	}
	if res := a.client().post("/login", url.Values{"username": {"alice"}, "password": {"correct horse"}}); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("log in after deletion: %d", res.Code)
	}
	if _, err := os.Stat(j.Path); !os.IsNotExist(err) {
		t.Fatalf("the export file is still there: %v", err)
	}
	for _, viewer := range []*client{a.client(), peer} {
		body := viewer.get(thread).Body
		mustContain(t, body, `<span class="user deleted">deleted member</span>`, "Router reboots itself every night")
		mustNotContain(t, body, "alice", "deleted-member-")
	}
	mustContain(t, peer.get(peerThread).Body, "Set a fixed channel", `<span class="user deleted">deleted member</span>`)
	if res := a.client().get("/u/alice"); res.Code != http.StatusNotFound {
		t.Fatalf("the old profile: %d", res.Code)
	}
	gone := mustUserByID(t, a, threadAuthor(t, a, thread))
	if res := a.client().get(gone.URL()); res.Code != http.StatusNotFound {
		t.Fatalf("the deleted member's profile: %d", res.Code)
	}
	// The name is free again.
	fresh := a.client()
	fresh.register("alice")
}

func threadAuthor(t *testing.T, a *testApp, path string) int64 {
	t.Helper()
	return mustThread(t, a, path).Author.ID
}

// An admin deletes an account from its moderation page; a moderator has no
// such form and is refused; the admin's own account is not offered.
func TestAdminDeletesAnAccount(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("spammer")
	thread := c.ask("Cheap followers for sale today only")
	target := mustUser(t, a, "spammer")
	admin := a.roleClient("boss", models.RoleAdmin)
	mod := a.roleClient("mod", models.RoleModerator)
	page := admin.get("/mod/users/" + itoa(target.ID)).Body
	mustContain(t, page, `action="/mod/users/`+itoa(target.ID)+`/delete"`)
	mustNotContain(t, mod.get("/mod/users/"+itoa(target.ID)).Body, "/delete\"")
	mustNotContain(t, admin.get("/mod/users/"+itoa(mustUser(t, a, "boss").ID)).Body, "/delete\"")
	if res := mod.post("/mod/users/"+itoa(target.ID)+"/delete", url.Values{"password": {"correct horse"}}); res.Code != http.StatusForbidden {
		t.Fatalf("a moderator deletes: %d", res.Code)
	}
	res := admin.post("/mod/users/"+itoa(target.ID)+"/delete", url.Values{"password": {"not mine"}, "posts": {"remove"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("wrong password: %d", res.Code)
	}
	mustContain(t, admin.get(res.Location).Body, "that is not your password")
	if mustUserByID(t, a, target.ID).Deleted() {
		t.Fatal("deleted with a wrong password")
	}
	res = admin.post("/mod/users/"+itoa(target.ID)+"/delete", url.Values{"password": {"correct horse"}, "posts": {"remove"}})
	if res.Code != http.StatusSeeOther || res.Location != "/mod/log" {
		t.Fatalf("delete: %d %q", res.Code, res.Location)
	}
	log := admin.get("/mod/log").Body
	mustContain(t, log, "Deleted an account and its personal data", "<td>deleted member</td>", "Deleted by an admin; posts removed.")
	mustNotContain(t, log, "spammer@example.com", ">spammer<")
	// The question nobody answered is out of every list, its words gone.
	visitor := a.client()
	res = visitor.get(thread)
	if res.Code == http.StatusMovedPermanently {
		res = visitor.get(res.Location)
	}
	mustContain(t, res.Body, "This question was removed")
	mustNotContain(t, res.Body, "Cheap followers")
	mustNotContain(t, visitor.get("/").Body, "Cheap followers")
	if res := c.get("/settings"); res.Code != http.StatusSeeOther {
		t.Fatalf("the deleted member's session: %d", res.Code)
	}
}

// A suspended member may still take their data and delete their account,
// but not remove their posts nor change their profile.
func TestSuspendedMemberDataRights(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("troll")
	thread := c.ask("Why is everything so slow here")
	mod := a.roleClient("mod", models.RoleModerator)
	u := mustUser(t, a, "troll")
	if res := mod.post("/mod/users/"+itoa(u.ID)+"/suspend", url.Values{"days": {"7"}, "reason": {"Cooling off"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("suspend: %d", res.Code)
	}
	mustBeSuspendedRefusal(t, "profile", c.post("/settings/profile", url.Values{"display_name": {"Troll"}}))
	mustBeSuspendedRefusal(t, "email change", c.post("/settings/email", url.Values{"email": {"t@example.com"}, "email_password": {"correct horse"}}))
	if res := c.post("/settings/export", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("export while suspended: %d", res.Code)
	}
	page := c.get("/settings/delete").Body
	mustContain(t, page, `value="remove" disabled`, "its posts stay")
	res := c.post("/settings/delete", url.Values{"password": {"correct horse"}, "posts": {"remove"}})
	if res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("remove posts while suspended: %d", res.Code)
	}
	mustContain(t, res.Body, "its posts stay while moderators may need them")
	if res := c.post("/settings/delete", url.Values{"password": {"correct horse"}, "posts": {"keep"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("delete while suspended: %d %s", res.Code, res.Body)
	}
	mustContain(t, mod.get(thread).Body, "Why is everything so slow here", "deleted member")
}
