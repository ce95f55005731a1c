package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
)

// The edit history of a removed or queued post follows the rule for a
// hidden one: its author and staff who may hide posts read it, a superuser
// (who may read other histories) does not.
func TestRevisionsOfRemovedAndQueuedPosts(t *testing.T) {
	a := newApp(t)
	asker, helper, newbie := a.client(), a.client(), a.client()
	asker.register("asker")
	helper.register("helper")
	thread := asker.ask("Router reboots itself every night")
	// helper has an approved post, so their answers are not queued.
	removed := helper.answer(thread, "Bring it to me at 12 Elm Street and I will look at it.")
	if res := helper.post("/p/"+removed+"/edit", url.Values{"body": {"Turn off the nightly maintenance window in the settings."}}); res.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", res.Code, res.Body)
	}
	if res := helper.post("/p/"+removed+"/delete", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.Code)
	}
	newbie.register("newbie")
	res := newbie.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"Call me on 555-0199, or see https://example.com/fix."}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("answer: %d", res.Code)
	}
	queued := strings.TrimPrefix(res.Location, "/p/")
	if res := newbie.post("/p/"+queued+"/edit", url.Values{"body": {"See https://example.com/fix for the fix, step by step."}}); res.Code != http.StatusSeeOther {
		t.Fatalf("edit queued: %d %s", res.Code, res.Body)
	}
	su := a.roleClient("trusted", models.RoleSuperuser)
	mod := a.roleClient("mod", models.RoleModerator)
	for _, c := range []struct {
		post, author, old string
		by                *client
	}{{removed, "helper", "12 Elm Street", helper}, {queued, "newbie", "555-0199", newbie}} {
		if res := su.get("/p/" + c.post + "/revisions"); res.Code != http.StatusForbidden || strings.Contains(res.Body, c.old) {
			t.Errorf("superuser reads the history of %s's post: %d", c.author, res.Code)
		}
		for _, allowed := range []*client{c.by, mod} {
			if res := allowed.get("/p/" + c.post + "/revisions"); res.Code != http.StatusOK || !strings.Contains(res.Body, c.old) {
				t.Errorf("history of %s's post: %d", c.author, res.Code)
			}
		}
	}
	mustNotContain(t, su.get(thread).Body, "/p/"+removed+"/revisions", "/p/"+queued+"/revisions")
	mustContain(t, mod.get(thread).Body, "/p/"+queued+"/revisions")
}

// A refused flag form is shown again with the post it flags: never for a
// post the flagger may not read.
func TestFlagFormDoesNotShowUnreadablePosts(t *testing.T) {
	a := newApp(t)
	asker, spammer, newbie, reader := a.client(), a.client(), a.client(), a.client()
	asker.register("asker")
	spammer.register("spammer")
	reader.register("reader")
	thread := asker.ask("Router reboots itself every night")
	hidden := spammer.answer(thread, "Cheap followers at a great price, ask me.")
	mod := a.roleClient("mod", models.RoleModerator)
	if res := mod.post("/p/"+hidden+"/hide", url.Values{"reason": {"Advertising"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("hide: %d", res.Code)
	}
	newbie.register("newbie")
	res := newbie.post("/t/"+itoa(threadID(thread))+"/answers", url.Values{"body": {"Call me on 555-0199, or see https://example.com/fix."}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("answer: %d", res.Code)
	}
	queued := strings.TrimPrefix(res.Location, "/p/")
	for post, text := range map[string]string{hidden: "Cheap followers", queued: "555-0199"} {
		res := reader.post("/p/"+post+"/flag", url.Values{"reason": {""}})
		if res.Code != http.StatusNotFound || strings.Contains(res.Body, text) {
			t.Errorf("flag form for post %s: %d", post, res.Code)
		}
	}
}
