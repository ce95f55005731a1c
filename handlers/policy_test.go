package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/policy"
)

// postAction is one action on a post as the thread page offers it: the
// mark of its button in the page, the request it sends, and what the page
// says when it was done.
type postAction struct {
	action policy.Action
	button string // with %s for the post's id
	do     func(c *client, id string, question bool) *response
	done   string // the confirmation; "" for a page (a 200 is done)
}

func postActions() []postAction {
	post := func(path string, form url.Values) func(c *client, id string, question bool) *response {
		return func(c *client, id string, _ bool) *response {
			f := url.Values{} // a copy: post adds this client's CSRF token
			for k, v := range form {
				f[k] = v
			}
			return c.post(fmt.Sprintf(path, id), f)
		}
	}
	return []postAction{
		{policy.Vote, `action="/p/%s/vote"`, post("/p/%s/vote", nil), "Thanks: your vote counts."},
		{policy.Accept, `action="/p/%s/accept"`, post("/p/%s/accept", nil), "Thanks! The thread is marked as solved."},
		{policy.Edit, `href="/p/%s/edit"`, func(c *client, id string, question bool) *response {
			form := url.Values{"body": {"The router reboots itself every night at about 2am, since the update."}}
			if question {
				form.Set("title", "Router reboots itself every night (edited)")
				form.Set("tags", "router")
			}
			return c.post("/p/"+id+"/edit", form)
		}, "Your changes are saved."},
		{policy.Delete, `href="/p/%s/delete"`, post("/p/%s/delete", nil), " was removed."},
		{policy.SeeHistory, `href="/p/%s/revisions"`, func(c *client, id string, _ bool) *response { return c.get("/p/" + id + "/revisions") }, ""},
		{policy.Flag, `href="/p/%s/flag"`, post("/p/%s/flag", url.Values{"reason": {"off-topic"}}), "Thanks: the moderators will look at it."},
		{policy.Hide, `action="/p/%s/hide"`, post("/p/%s/hide", url.Values{"reason": {"Spam"}}), "The post is hidden."},
		{policy.Recommend, `action="/p/%s/recommend"`, post("/p/%s/recommend", nil), "The answer is marked as recommended."},
	}
}

// TestPostButtonsShowExactlyWhenAllowed: for every action a thread page
// offers on a post (models/policy's), and every kind of viewer, the button
// shows on the question and on the answer exactly when sending its request
// is allowed, through the real router and store: with both posts shown to
// everyone, and with the answer hidden by a moderator (then staff and its
// author still see it, and hiding becomes unhiding). Both posts were edited
// once, so their history links can show.
func TestPostButtonsShowExactlyWhenAllowed(t *testing.T) {
	if len(postActions()) != len(policy.Actions()) {
		t.Fatalf("%d actions tested, policy has %d", len(postActions()), len(policy.Actions()))
	}
	people := []struct {
		name    string
		role    models.Role
		visitor bool
	}{
		{name: "visitor", visitor: true},
		{name: "asker", role: models.RoleMember},    // wrote the question
		{name: "answerer", role: models.RoleMember}, // wrote the answer
		{name: "member", role: models.RoleMember},
		{name: "superuser", role: models.RoleSuperuser},
		{name: "ambassador", role: models.RoleAmbassador},
		{name: "moderator", role: models.RoleModerator},
		{name: "admin", role: models.RoleAdmin},
	}
	shown, cases := map[policy.Action]int{}, 0
	for _, hidden := range []bool{false, true} {
		for _, act := range postActions() {
			for _, p := range people {
				name := string(act.action) + "/" + p.name
				if hidden {
					name += "/answer hidden"
				}
				t.Run(name, func(t *testing.T) {
					a := newApp(t)
					ctx := context.Background()
					mk := func(name string, role models.Role) *models.User {
						u, err := a.store.CreateUser(ctx, models.NewUser{Username: name, Email: name + "@example.com", Password: "correct horse", Role: role})
						if err != nil {
							t.Fatal(err)
						}
						return u
					}
					asker, answerer := mk("asker", models.RoleMember), mk("answerer", models.RoleMember)
					th, err := a.store.CreateThread(ctx, asker, models.NewThread{Title: "Router reboots itself every night", CategorySlug: "general",
						Body: "The router reboots itself every night at about 2am.", Tags: "router, wifi"})
					if err != nil {
						t.Fatal(err)
					}
					ans, err := a.store.CreateAnswer(ctx, answerer, th.ID, "Disable the nightly maintenance window in the router's settings.")
					if err != nil {
						t.Fatal(err)
					}
					if err := a.store.EditPost(ctx, asker, th.QuestionID, models.PostEdit{Title: th.Title, Tags: "router, wifi",
						Body: "The router reboots itself every night at about 2am, every single night."}); err != nil {
						t.Fatal(err)
					}
					if err := a.store.EditPost(ctx, answerer, ans.ID, models.PostEdit{Body: "Disable the nightly maintenance window in the router's admin page."}); err != nil {
						t.Fatal(err)
					}
					if hidden {
						hider := mk("hider", models.RoleModerator)
						if err := a.store.HidePost(ctx, hider, ans.ID, "Off-topic"); err != nil {
							t.Fatal(err)
						}
					}
					c := a.client()
					switch {
					case p.visitor:
					case p.name == "asker" || p.name == "answerer":
						c.login(p.name)
					default:
						c = a.roleClient(p.name, p.role)
					}
					page := c.get(th.URL())
					if page.Code != http.StatusOK {
						t.Fatalf("thread page: %d", page.Code)
					}
					// The answer first: removing the question would take the thread along.
					for _, target := range []struct {
						id       int64
						question bool
					}{{ans.ID, false}, {th.QuestionID, true}} {
						id := fmt.Sprint(target.id)
						act := act
						if hidden && !target.question && act.action == policy.Hide {
							act.button, act.done = `action="/p/%s/unhide"`, "The post is visible again."
							act.do = func(c *client, id string, _ bool) *response {
								return c.post("/p/"+id+"/unhide", url.Values{"reason": {"Fine after all"}})
							}
						}
						button := strings.Contains(page.Body, fmt.Sprintf(act.button, id))
						res := act.do(c, id, target.question)
						var allowed bool
						if act.done == "" {
							allowed = res.Code == http.StatusOK
						} else if res.Code == http.StatusSeeOther && !strings.HasPrefix(res.Location, "/login") {
							allowed = strings.Contains(c.follow(res).Body, act.done)
						}
						if button != allowed {
							t.Errorf("%s on the %s as %s: button shown %v, request allowed %v (%d %s)", act.action,
								map[bool]string{true: "question", false: "answer"}[target.question], p.name, button, allowed, res.Code, res.Location)
						}
						if button {
							shown[act.action]++
						}
					}
				})
				cases += 2
			}
		}
	}
	// Each action is offered to someone and refused to someone: the table
	// tests both sides.
	for _, act := range policy.Actions() {
		if n := shown[act]; n == 0 || n == cases/len(policy.Actions()) {
			t.Errorf("%s: shown %d times of %d", act, n, cases/len(policy.Actions()))
		}
	}
}

// TestAnswerFormShowsExactlyWhenAllowed: the thread page's answer form
// shows exactly when sending it is taken (models/policy's MayAnswer, asked
// by the page and by the store), for every role, on an open and on a
// locked thread; a visitor gets neither, and is asked to log in.
func TestAnswerFormShowsExactlyWhenAllowed(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	asker, err := a.store.CreateUser(ctx, models.NewUser{Username: "asker", Email: "asker@example.com", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	locker := a.roleClient("locker", models.RoleModerator)
	roles := []models.Role{models.RoleMember, models.RoleSuperuser, models.RoleAmbassador, models.RoleModerator, models.RoleAdmin}
	clients := map[models.Role]*client{}
	for _, r := range roles {
		clients[r] = a.roleClient("as-"+string(r), r)
	}
	allowedOn := map[bool]int{}
	for _, locked := range []bool{false, true} {
		th, err := a.store.CreateThread(ctx, asker, models.NewThread{Title: fmt.Sprintf("Router reboots at night (locked %v)", locked),
			CategorySlug: "general", Body: "The router reboots itself every night at about 2am."})
		if err != nil {
			t.Fatal(err)
		}
		if locked {
			if res := locker.post(fmt.Sprintf("/t/%d/lock", th.ID), url.Values{"locked": {"1"}}); res.Code != http.StatusSeeOther {
				t.Fatalf("lock: %d", res.Code)
			}
		}
		form := fmt.Sprintf(`action="/t/%d/answers`, th.ID)
		visitor := a.client()
		if strings.Contains(visitor.get(th.URL()).Body, form) {
			t.Errorf("locked %v: a visitor is shown the answer form", locked)
		}
		if res := visitor.post(fmt.Sprintf("/t/%d/answers", th.ID), url.Values{"body": {"A visitor's answer to the router."}}); res.Code != http.StatusUnauthorized || !strings.Contains(res.Body, "/login") {
			t.Errorf("locked %v: a visitor's answer: %d, want 401 and a way to log in", locked, res.Code)
		}
		for _, r := range roles {
			c := clients[r]
			shown := strings.Contains(c.get(th.URL()).Body, form)
			res := c.post(fmt.Sprintf("/t/%d/answers", th.ID), url.Values{"body": {"Turn off the nightly maintenance window, from " + string(r) + "."}})
			allowed := res.Code == http.StatusSeeOther
			if shown != allowed {
				t.Errorf("locked %v, %s: form shown %v, answer taken %v (%d)", locked, r, shown, allowed, res.Code)
			}
			if allowed {
				allowedOn[locked]++
			}
		}
	}
	// Both sides are tested: everyone answers an open thread, some but not
	// all a locked one.
	if allowedOn[false] != len(roles) || allowedOn[true] == 0 || allowedOn[true] == len(roles) {
		t.Errorf("answers taken: %d of %d on the open thread, %d on the locked one", allowedOn[false], len(roles), allowedOn[true])
	}
}
