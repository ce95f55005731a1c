package handlers

import (
	"context"
	"errors"
	"fmt"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/models"
)

// twinApps serves one database twice: with the thread cache (cached) and
// without it (direct), so a page can be compared with what it would be if
// rendered from scratch. Both share the session keys kept in the database,
// so one browser's cookies work on both.
func twinApps(t *testing.T) (cached, direct *testApp) {
	t.Helper()
	cached, direct, _ = twinAppsLogging(t, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return cached, direct
}

// twinAppsLogging is twinApps with the cached app logging to log; it also
// returns the cached app's Handler, to look into its caches.
func twinAppsLogging(t *testing.T, log *slog.Logger) (cached, direct *testApp, ch *Handler) {
	t.Helper()
	ctx := context.Background()
	store, err := models.Open(ctx, testdb.Location(t, "test.db"), withFilesDir(t, models.Options{PasswordCost: bcrypt.MinCost}))
	if err != nil {
		t.Fatal(err)
	}
	serve := func(withCache bool) *testApp {
		l := slog.New(slog.NewTextHandler(io.Discard, nil))
		if withCache {
			l = log
		}
		h, e, err := newHandler(ctx, Config{BaseURL: "http://forum.test"}, store, l)
		if err != nil {
			t.Fatal(err)
		}
		if withCache {
			ch = h
		} else {
			h.threads = nil
		}
		srv := httptest.NewServer(e)
		t.Cleanup(srv.Close)
		return &testApp{t: t, srv: srv, store: store}
	}
	cached, direct = serve(true), serve(false)
	t.Cleanup(func() { store.Close() })
	return cached, direct, ch
}

// on makes a browser's requests go to another app; cookies are per host,
// not per port, so it stays logged in.
func (c *client) on(a *testApp) *client { return &client{app: a, http: c.http} }

// TestThreadCacheMatchesDirectRender renders a busy thread for every kind of
// viewer with and without the thread cache, twice each (a miss, then a hit),
// and requires the same bytes: whatever the cache shares, nobody can tell.
func TestThreadCacheMatchesDirectRender(t *testing.T) {
	cached, direct := twinApps(t)
	ctx := context.Background()
	asker := cached.client()
	asker.register("asker")
	path := asker.ask("Router reboots itself every night")
	answerer, voter, plain, insider, super, mod := cached.client(), cached.client(), cached.client(), cached.client(), cached.client(), cached.client()
	for name, c := range map[string]*client{"answerer": answerer, "voter": voter, "plain": plain, "insider": insider, "super": super, "mod": mod} {
		c.register(name)
	}
	var ids []string
	for i := 0; i < 4; i++ {
		ids = append(ids, answerer.answer(path, "Turn off the nightly maintenance window in the router settings, number "+itoa(int64(i))))
	}
	hiddenID := insider.answer(path, "Buy a new router from my shop, it is much better than this one.")
	for _, role := range []struct {
		name string
		role models.Role
	}{{"super", models.RoleSuperuser}, {"mod", models.RoleModerator}} {
		if err := cached.store.SetRole(ctx, role.name, role.role); err != nil {
			t.Fatal(err)
		}
	}
	if res := voter.post("/p/"+ids[1]+"/vote", nil); res.Code != 303 {
		t.Fatalf("vote: %d", res.Code)
	}
	if res := asker.post("/p/"+ids[0]+"/accept", nil); res.Code != 303 {
		t.Fatalf("accept: %d", res.Code)
	}
	if res := mod.post("/p/"+hiddenID+"/hide", url.Values{"reason": {"Advertising"}}); res.Code != 303 {
		t.Fatalf("hide: %d", res.Code)
	}
	if res := asker.post("/t/"+itoa(threadID(path))+"/watch", url.Values{"watch": {"0"}}); res.Code != 303 {
		t.Fatalf("watch: %d", res.Code)
	}
	broken := cached.client() // a visitor with a cookie nobody can decode, answered from the page cache
	broken.http.Jar.SetCookies(mustURL(t, cached.srv.URL), []*http.Cookie{{Name: sessionName, Value: "garbage"}})
	viewers := map[string]*client{"asker": asker, "answerer": answerer, "voter": voter, "plain": plain, "insider": insider,
		"superuser": super, "moderator": mod, "visitor with a cookie": broken}
	for name, c := range viewers {
		c.get("/notifications") // shows and so clears any flash left by registering
		want := c.on(direct).get(path)
		if want.Code != 200 {
			t.Fatalf("%s: direct %d", name, want.Code)
		}
		for round := 0; round < 2; round++ {
			got := c.get(path)
			if got.Code != 200 || maskKeys(got.Body) != maskKeys(want.Body) {
				t.Errorf("%s, round %d: the cached page differs from the direct one:\n%s", name, round, firstDiff(got.Body, want.Body))
			}
		}
	}
	// Not vacuous: the viewers really see different pages.
	voterPage, plainPage := voter.get(path).Body, plain.get(path).Body
	if voterPage == plainPage {
		t.Fatal("voter and plain member got the same page")
	}
	mustContain(t, voterPage, `class="vote-button" aria-pressed="true"`)
	mustNotContain(t, plainPage, `class="vote-button" aria-pressed="true"`)
}

var submissionInput = regexp.MustCompile(`name="_submission" value="[A-Z2-7]{26}"`)

// maskKeys hides the answer form's submission key, fresh for every page.
func maskKeys(page string) string {
	return submissionInput.ReplaceAllString(page, `name="_submission" value="KEY"`)
}

func firstDiff(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	from := max(0, n-200)
	return "cached: …" + a[from:min(len(a), n+200)] + "…\ndirect: …" + b[from:min(len(b), n+200)] + "…"
}

// TestThreadCacheKeepsViewersApart: two members reading the same cached
// thread each get their own name, CSRF token and controls, never the other's.
func TestThreadCacheKeepsViewersApart(t *testing.T) {
	app := newApp(t)
	alice, bob := app.client(), app.client()
	alice.register("alice")
	bob.register("bobby")
	path := alice.ask("Wi-Fi drops every evening")
	aliceAnswer := alice.answer(path, "Update: it also drops when the microwave is on.")
	bobAnswer := bob.answer(path, "Pick a fixed channel such as 36 and turn off band steering.")
	alicePage := alice.get(path).Body
	bobPage := bob.get(path).Body
	aliceToken := regexpFind(t, alicePage, `name="_csrf" value="([^"]+)"`)
	bobToken := regexpFind(t, bobPage, `name="_csrf" value="([^"]+)"`)
	if aliceToken == bobToken {
		t.Fatal("both members have the same CSRF token")
	}
	mustNotContain(t, bobPage, aliceToken, `href="/u/alice">alice</a>
        <a href="/settings">`, "/p/"+aliceAnswer+"/edit", "Accept this answer")
	mustContain(t, bobPage, bobToken, "/p/"+bobAnswer+"/edit", "/p/"+aliceAnswer+"/flag")
	mustNotContain(t, alicePage, bobToken, "/p/"+bobAnswer+"/edit", "/p/"+aliceAnswer+"/flag")
	mustContain(t, alicePage, "/p/"+aliceAnswer+"/edit", "Accept this answer", "/p/"+bobAnswer+"/flag")
	// Every form on each page carries its own viewer's token.
	for _, m := range csrfInput.FindAllStringSubmatch(bobPage, -1) {
		if m[1] != bobToken {
			t.Fatalf("bob's page has a token %q that is not his", m[1])
		}
	}
	// A visitor still gets no forms and nobody's token.
	visitorPage := app.client().get(path).Body
	mustNotContain(t, visitorPage, aliceToken, bobToken, `name="_csrf"`)
}

// TestThreadCacheShowsWritesAtOnce: what a member does shows on the next
// view of the cached page, for them and for others.
func TestThreadCacheShowsWritesAtOnce(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	asker, peer, reader, mod := app.client(), app.client(), app.client(), app.client()
	asker.register("asker")
	peer.register("peer")
	reader.register("reader")
	mod.register("moddy")
	if err := app.store.SetRole(ctx, "moddy", models.RoleModerator); err != nil {
		t.Fatal(err)
	}
	path := asker.ask("Hub 3 keeps losing sync")
	reader.get(path) // cache the page before each change
	id := peer.answer(path, "Swap the filter on the phone socket: mine was faulty.")
	mustContain(t, reader.get(path).Body, "Swap the filter on the phone socket")

	if res := peer.post("/p/"+id+"/edit", url.Values{"body": {"Swap the microfilter on the master socket: mine was faulty."}}); res.Code != 303 {
		t.Fatalf("edit: %d %s", res.Code, res.Body)
	}
	page := reader.get(path).Body
	mustContain(t, page, "Swap the microfilter on the master socket")
	mustNotContain(t, page, "Swap the filter on the phone socket")

	if res := reader.post("/p/"+id+"/vote", nil); res.Code != 303 {
		t.Fatalf("vote: %d", res.Code)
	}
	mustContain(t, reader.get(path).Body, `class="vote-button" aria-pressed="true"`, "1 person found this helpful")
	mustContain(t, peer.get(path).Body, "1 person found this helpful")

	if res := asker.post("/p/"+id+"/accept", nil); res.Code != 303 {
		t.Fatalf("accept: %d", res.Code)
	}
	mustContain(t, reader.get(path).Body, "Accepted answer", "Solved")

	if res := mod.post("/p/"+id+"/hide", url.Values{"reason": {"Unsafe advice"}}); res.Code != 303 {
		t.Fatalf("hide: %d", res.Code)
	}
	page = reader.get(path).Body
	mustContain(t, page, "hidden by a moderator")
	mustNotContain(t, page, "Swap the microfilter")
	// Its author still reads it, with the reason.
	mustContain(t, peer.get(path).Body, "Swap the microfilter", "Unsafe advice")
}

// TestThreadCacheStaffControls: staff get their tools on a thread members
// read from the cache, and members do not.
func TestThreadCacheStaffControls(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	asker, member, mod := app.client(), app.client(), app.client()
	asker.register("asker")
	member.register("member")
	mod.register("moddy")
	if err := app.store.SetRole(ctx, "moddy", models.RoleModerator); err != nil {
		t.Fatal(err)
	}
	path := asker.ask("TV box stuck on the logo")
	id := member.answer(path, "Hold the reset button for 30 seconds while it powers up.")
	memberPage := member.get(path).Body
	modPage := mod.get(path).Body
	mustContain(t, modPage, "/p/"+id+"/hide", "Moderation", "/t/"+itoa(threadID(path))+"/lock", "moderate user")
	mustNotContain(t, memberPage, "/p/"+id+"/hide", "/t/"+itoa(threadID(path))+"/lock", "moderate user")
	mustNotContain(t, modPage, regexpFind(t, memberPage, `name="_csrf" value="([^"]+)"`))
	if !strings.Contains(member.get(path).Body, "/p/"+id+"/edit") {
		t.Error("the member lost the edit link to their own answer")
	}
}

// TestPostFragmentKeyCoversViewerFields: the thread cache keeps one
// rendering per post and fragment key, so every field of postView that a
// viewer may see differently (each control, a vote, a redaction) must give
// another key, and the CSRF token, which goes in its slot, must not.
func TestPostFragmentKeyCoversViewerFields(t *testing.T) {
	perViewer := strings.Fields("Redacted ViewerVoted CanVote CanAccept CanEdit CanDelete CanSeeHistory CanFlag CanHide CanRecommend CanModerate")
	base := fragKeyOf(postView{ID: 7})
	seen := map[fragKey]string{base: "no controls"}
	for _, name := range perViewer {
		v := postView{ID: 7}
		f := reflect.ValueOf(&v).Elem().FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Bool {
			t.Fatalf("%s is not a bool field of postView", name)
		}
		f.SetBool(true)
		k := fragKeyOf(v)
		if other, dup := seen[k]; dup {
			t.Errorf("the fragment key does not tell %s from %s", name, other)
		}
		seen[k] = name
	}
	if fragKeyOf(postView{ID: 7, CSRF: "token-a"}) != fragKeyOf(postView{ID: 7, CSRF: "token-b"}) {
		t.Error("the CSRF token is part of the fragment key: every member would get a rendering of their own")
	}
}

// TestCachedViewerRevokedAtOnce: a member whose thread page came from the
// caches (thread, account row, cookie) is demoted, promoted or logged out
// everywhere, and the very next view of that page shows it.
func TestCachedViewerRevokedAtOnce(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	laptop := app.client()
	laptop.register("alice")
	path := laptop.ask("Laptop fan runs all the time")
	phone := app.client()
	if res := phone.post("/login", url.Values{"username": {"alice"}, "password": {"correct horse"}}); res.Code != 303 {
		t.Fatalf("phone login: %d", res.Code)
	}
	admin := app.roleClient("root", models.RoleAdmin)
	alice, err := app.store.UserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	lock := "/t/" + itoa(threadID(path)) + "/lock"
	laptop.get("/notifications") // clears the welcome flash
	for i := 0; i < 2; i++ {
		mustNotContain(t, laptop.get(path).Body, lock)
	}
	if res := admin.post("/mod/users/"+itoa(alice.ID)+"/role", url.Values{"role": {"moderator"}}); res.Code != 303 {
		t.Fatalf("promote: %d", res.Code)
	}
	mustContain(t, laptop.get(path).Body, lock)
	if res := admin.post("/mod/users/"+itoa(alice.ID)+"/role", url.Values{"role": {"member"}}); res.Code != 303 {
		t.Fatalf("demote: %d", res.Code)
	}
	mustNotContain(t, laptop.get(path).Body, lock)
	mustContain(t, laptop.get(path).Body, "Log out", `href="/settings"`)
	if res := phone.post("/logout/all", nil); res.Code != 303 {
		t.Fatalf("logout everywhere: %d", res.Code)
	}
	page := laptop.get(path).Body
	mustNotContain(t, page, "Log out", `href="/settings"`, `name="_csrf"`)
	mustContain(t, page, "Log in")
}

// TestSharedPartRefusesViewerData: if a template ever showed the viewer's
// name in the part of a thread page kept for everyone, the cache refuses it.
func TestSharedPartRefusesViewerData(t *testing.T) {
	tc, err := newThreadCache()
	if err != nil {
		t.Fatal(err)
	}
	e := &threadEntry{threadParts: threadParts{posts: &models.ThreadPosts{Question: &models.Post{ID: 7}}}}
	segs, err := splitSlots(tc.mark, "<p>"+tc.mark+slotPost+"7x</p><input value=\""+tc.mark+slotCSRF+"\">", e)
	if err != nil || len(segs) != 3 || segs[0].post == nil || segs[1].slot != slotCSRF {
		t.Fatalf("a good page: %v %+v", err, segs)
	}
	if _, err := splitSlots(tc.mark, "<a>"+tc.mark+slotUser+"</a>", e); !errors.Is(err, errNotShareable) {
		t.Fatalf("a page naming the viewer was accepted: %v", err)
	}
	if _, err := splitSlots(tc.mark, tc.mark+slotPost+"8x", e); !errors.Is(err, errNotShareable) {
		t.Fatalf("a post from elsewhere was accepted: %v", err)
	}
}

// TestThreadCacheStaysInBudget: entries past the byte budget are dropped,
// and a dropped entry keeps no more rendered HTML.
func TestThreadCacheStaysInBudget(t *testing.T) {
	tc, err := newThreadCache()
	if err != nil {
		t.Fatal(err)
	}
	var first *threadEntry
	for i := 0; i < 100; i++ {
		e := &threadEntry{stamp: stamp{at: time.Now()}, size: threadCacheBytes / 10, frags: map[fragKey][]string{}, pages: map[skelKey][]segment{}}
		if first == nil {
			first = e
		}
		tc.put(threadKey{int64(i), 1}, e)
		if tc.bytes > threadCacheBytes {
			t.Fatalf("after %d entries: %d bytes held, budget %d", i+1, tc.bytes, threadCacheBytes)
		}
	}
	if len(tc.entries) > 10 {
		t.Fatalf("%d entries held", len(tc.entries))
	}
	if tc.entries[first.key] == first {
		t.Fatal("the oldest entry was kept")
	}
	tc.add(first, func() { first.frags[fragKeyOf(postView{ID: 1})] = []string{"x"} }, 1<<20)
	if len(first.frags) != 0 {
		t.Fatal("a dropped entry took a fragment")
	}
}

// TestThreadCacheCountsOnlyWhatItKeeps: pages past the end (any number can
// be asked for) are rendered but not kept, and neither is anything rendered
// for them: the budget counts exactly the entries held, so such requests
// cannot push the useful entries out.
func TestThreadCacheCountsOnlyWhatItKeeps(t *testing.T) {
	ctx := context.Background()
	store, err := models.Open(ctx, testdb.Location(t, "test.db"), withFilesDir(t, models.Options{PasswordCost: bcrypt.MinCost}))
	if err != nil {
		t.Fatal(err)
	}
	h, e, err := newHandler(ctx, Config{BaseURL: "http://forum.test"}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// The member's own answer would send their next pages past the cache
	// for a few seconds (recentwrite.go): this test is about what it keeps.
	h.recentWrites = 0
	srv := httptest.NewServer(e)
	t.Cleanup(func() { srv.Close(); store.Close() })
	a := &testApp{t: t, srv: srv, store: store}
	m := a.client()
	m.register("member1")
	path := m.ask("Router keeps rebooting at night")
	m.answer(path, "Check the firmware update schedule in the admin page.")
	visitor := a.client()
	for i := 0; i < 50; i++ {
		if r := m.get(fmt.Sprintf("%s?page=%d", path, 1000+i)); r.Code != http.StatusOK {
			t.Fatalf("member, page %d: %d", 1000+i, r.Code)
		}
		visitor.get(fmt.Sprintf("%s?page=%d", path, 2000+i))
	}
	m.get(path)
	h.threads.mu.Lock()
	held := 0
	for _, e := range h.threads.entries {
		held += e.size
	}
	counted, n := h.threads.bytes, len(h.threads.entries)
	h.threads.mu.Unlock()
	if counted != held || n != 1 {
		t.Fatalf("%d entries holding %d bytes, %d bytes counted; want the first page alone, counted exactly", n, held, counted)
	}
}

// TestThreadViewChecksTheCachedThread: a thread view checks who may see the
// thread on the cache entry it renders from. After the cached thread is
// hidden, and then moved to a private category, every viewer gets from the
// cached app what they get without the cache, and only those allowed see it.
func TestThreadViewChecksTheCachedThread(t *testing.T) {
	cached, direct := twinApps(t)
	ctx := context.Background()
	asker, member, partner := cached.client(), cached.client(), cached.client()
	asker.register("asker")
	member.register("member")
	partner.register("partner")
	mod := cached.roleClient("moddy", models.RoleModerator)
	admin := cached.roleClient("boss", models.RoleAdmin)
	if res := admin.post("/admin/categories", url.Values{"name": {"Partners"}, "group": {"partners"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("create category: %d", res.Code)
	}
	pu, err := cached.store.UserByUsername(ctx, "partner")
	if err != nil {
		t.Fatal(err)
	}
	if res := admin.post("/mod/users/"+itoa(pu.ID)+"/groups", url.Values{"group": {"partners"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("add to group: %d", res.Code)
	}
	path := asker.ask("Router reboots itself every night")
	member.answer(path, "Turn off the nightly maintenance window in the router settings.")
	th, err := cached.store.Thread(ctx, threadID(path))
	if err != nil {
		t.Fatal(err)
	}
	const question = "The router reboots itself every night at about 2am."
	visitor := cached.client()
	viewers := []struct {
		name string
		c    *client
	}{{"visitor", visitor}, {"member", member}, {"partner", partner}, {"asker", asker}, {"mod", mod}}
	check := func(stage string, sees map[string]bool) {
		t.Helper()
		for _, v := range viewers {
			want := v.c.on(direct).get(path)
			for round := 0; round < 2; round++ { // a miss, then a hit
				got := v.c.get(path)
				shows := strings.Contains(got.Body, question)
				if got.Code != want.Code || shows != strings.Contains(want.Body, question) {
					t.Errorf("%s, %s, round %d: cached %d (shows it: %v), uncached %d", stage, v.name, round, got.Code, shows, want.Code)
				}
				if shows != sees[v.name] || (got.Code == http.StatusOK) != sees[v.name] {
					t.Errorf("%s, %s, round %d: %d (shows it: %v), want it shown: %v", stage, v.name, round, got.Code, shows, sees[v.name])
				}
			}
		}
	}
	check("visible", map[string]bool{"visitor": true, "member": true, "partner": true, "asker": true, "mod": true})
	if res := mod.post("/p/"+itoa(th.QuestionID)+"/hide", url.Values{"reason": {"Off-topic"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("hide: %d", res.Code)
	}
	check("hidden", map[string]bool{"asker": true, "mod": true})
	if res := mod.post("/p/"+itoa(th.QuestionID)+"/unhide", nil); res.Code != http.StatusSeeOther {
		t.Fatalf("unhide: %d", res.Code)
	}
	check("shown again", map[string]bool{"visitor": true, "member": true, "partner": true, "asker": true, "mod": true})
	if res := mod.post("/t/"+itoa(th.ID)+"/move", url.Values{"category": {"partners"}, "reason": {"partners only"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("move: %d", res.Code)
	}
	check("private", map[string]bool{"partner": true, "mod": true})
}

// logCount is a slog.Handler that counts records by message.
type logCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (l *logCount) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCount) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logCount) WithGroup(string) slog.Handler            { return l }
func (l *logCount) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n[r.Message]++
	return nil
}

func (l *logCount) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[msg]
}

// TestUnshareablePageTriedOncePerEntry: when the part of a thread page kept
// for everyone turns out to show viewer data, the cache entry remembers it:
// the page is rendered and refused (and logged) once per entry and kind of
// viewer, not on every request, and every request still gets the page as
// rendered without the cache. (Visitors without a session are mostly served
// by the page cache in front, so members make the repeated requests.)
func TestUnshareablePageTriedOncePerEntry(t *testing.T) {
	logs := &logCount{n: map[string]int{}}
	cached, direct, h := twinAppsLogging(t, slog.New(logs))
	// The members' own writes (registering) would send their pages past
	// the cache for a few seconds (recentwrite.go).
	h.recentWrites = 0
	const refused = "thread page not cached"
	asker, member, other := cached.client(), cached.client(), cached.client()
	asker.register("asker")
	member.register("member")
	other.register("other")
	// A title with the cache's mark and the viewer-name slot stands for a
	// template that shows the viewer's name in the shared part: the page
	// around the posts fails the check every time it is rendered.
	bad := asker.ask("Hub 3 drops " + h.threads.mark + slotUser + " at night")
	asker.answer(bad, "It came back after I swapped the microfilter.")
	good := asker.ask("Router reboots itself every night")
	for _, c := range []*client{asker, member, other} {
		c.get("/") // shows the welcome flash, which would keep the page out of the cache
	}

	same := func(who string, c *client, path string) string {
		t.Helper()
		got, want := c.get(path), c.on(direct).get(path)
		if got.Code != http.StatusOK || maskKeys(got.Body) != maskKeys(want.Body) {
			t.Fatalf("%s: %d\n%s", who, got.Code, firstDiff(got.Body, want.Body))
		}
		return got.Body
	}
	for i := 0; i < 4; i++ {
		mustContain(t, same("member", member, bad), "It came back after I swapped the microfilter.")
	}
	if n := logs.count(refused); n != 1 {
		t.Fatalf("4 views of one entry: refused %d times, want once", n)
	}
	h.threads.mu.Lock()
	e := h.threads.entries[threadKey{threadID(bad), 1}]
	if e == nil || len(e.pages) != 0 || len(e.unshareable) != 1 {
		h.threads.mu.Unlock()
		t.Fatalf("entry: %+v", e)
	}
	h.threads.mu.Unlock()
	// Another member with the same controls on the page: not tried again.
	for i := 0; i < 2; i++ {
		same("other member", other, bad)
	}
	if n := logs.count(refused); n != 1 {
		t.Fatalf("after another member's views: refused %d times, want once", n)
	}
	// The asker may accept answers: another page around the posts, tried once.
	for i := 0; i < 3; i++ {
		same("asker", asker, bad)
	}
	if n := logs.count(refused); n != 2 {
		t.Fatalf("after the asker's views: refused %d times, want 2", n)
	}
	// A write makes a new entry, which is tried (and logged) again.
	member.answer(bad, "Mine too: a new microfilter fixed it for good.")
	member.get(bad) // shows "Your answer is posted." once
	for i := 0; i < 3; i++ {
		mustContain(t, same("member after a write", member, bad), "a new microfilter fixed it")
	}
	if n := logs.count(refused); n != 3 {
		t.Fatalf("after a write: refused %d times, want 3", n)
	}
	// Other threads are still served from the cache.
	same("member", member, good)
	h.threads.mu.Lock()
	e = h.threads.entries[threadKey{threadID(good), 1}]
	kept := e != nil && len(e.pages) == 1 && len(e.unshareable) == 0
	h.threads.mu.Unlock()
	if !kept || logs.count(refused) != 3 {
		t.Fatalf("a good page: kept %v, refused %d times", kept, logs.count(refused))
	}
}
