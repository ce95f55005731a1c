package demo

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/media"
	"github.com/crowdcare/crowdcare/models"
)

// seeded is a store holding the demo, seeded at now.
func seeded(t *testing.T, now time.Time) *models.Store {
	t.Helper()
	store, err := models.Open(context.Background(), testdb.Location(t, "demo.db"),
		models.Options{PasswordCost: bcrypt.MinCost, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logins, err := Seed(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	if len(logins) != 4 {
		t.Fatalf("logins %+v", logins)
	}
	return store
}

func mustUser(t *testing.T, s *models.Store, name string) *models.User {
	t.Helper()
	u, err := s.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return u
}

// threadByTitle finds a demo question by its title.
func threadByTitle(t *testing.T, s *models.Store, title string) *models.Thread {
	t.Helper()
	for _, th := range allThreads(t, s) {
		if th.Title == title {
			return th
		}
	}
	t.Fatalf("no thread %q", title)
	return nil
}

func allThreads(t *testing.T, s *models.Store) []*models.Thread {
	t.Helper()
	var out []*models.Thread
	for page := 1; ; page++ {
		list, err := s.Threads(context.Background(), models.ThreadQuery{Page: page})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, list.Threads...)
		if page >= list.Pages {
			return out
		}
	}
}

func allPosts(t *testing.T, s *models.Store, th *models.Thread, viewer *models.User) []*models.Post {
	t.Helper()
	tp, err := s.ThreadPosts(context.Background(), th, 1, viewer)
	if err != nil {
		t.Fatal(err)
	}
	return tp.All()
}

// page fetches a page as a visitor from the real router.
func page(t *testing.T, srv *httptest.Server, path string) string {
	t.Helper()
	res, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
	}
	return string(b)
}

func mustContain(t *testing.T, where, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", where, w)
		}
	}
}

// TestDemoShowsTheWholeProduct: the seeded demo has each part of the
// product in it, in the store and on the pages a visitor opens.
func TestDemoShowsTheWholeProduct(t *testing.T) {
	s := seeded(t, time.Now())
	ctx := context.Background()
	admin := mustUser(t, s, "admin")
	// Uploads in a directory of the test's: on PostgreSQL there is no
	// database file to keep them beside.
	uploads, err := media.OpenStorage(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e, err := handlers.New(ctx, handlers.Config{BaseURL: "http://127.0.0.1", SiteName: "Crowdcare", Uploads: uploads}, s,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()

	set, err := s.SiteSettings(ctx)
	if err != nil || set.BrandName != "Northwind" || set.BadgeTitle != "Northwind Team" || !set.AmbassadorDomain("x@northwind.example") {
		t.Errorf("branding settings %+v %v", set, err)
	}
	// Northwind's own look: name, colours, footer links and logo, on every page.
	if set.CommunityName != "Northwind Community" || set.PrimaryColor != Northwind.PrimaryColor ||
		set.AccentColor != Northwind.AccentColor || len(set.FooterLinks) != 4 || !set.Logo.Set() {
		t.Errorf("branding %+v", set)
	}
	front := page(t, srv, "/")
	mustContain(t, "/", front, `alt="Northwind Community"`, "/brand/logo."+set.Logo.Hash, "/brand/colors.",
		"https://status.northwind.example/", "Service status")

	// Ambassadors: verified employees in the public directory, with their badge.
	ambassadors, err := s.VerifiedAmbassadors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range ambassadors {
		names = append(names, u.Username)
	}
	if strings.Join(names, ",") != "raj.northwind,sophie.northwind" {
		t.Errorf("ambassadors %v", names)
	}
	mustContain(t, "/ambassadors", page(t, srv, "/ambassadors"), "sophie.northwind", "raj.northwind", "Northwind Team")

	// Superusers.
	supers, err := s.UsersWithRole(ctx, models.RoleSuperuser)
	if err != nil || len(supers) != 2 {
		t.Errorf("superusers %v %v", supers, err)
	}

	// Official answers, and "Recommended by Northwind" on a member's answer.
	hub := threadByTitle(t, s, "Hub 3 drops Wi-Fi every evening around 8pm")
	mustContain(t, "the Hub 3 thread", page(t, srv, hub.URL()), "Official answer", "Recommended by Northwind", "Northwind Team", "Superuser")
	recommended, official := 0, 0
	for _, th := range allThreads(t, s) {
		for _, p := range allPosts(t, s, th, admin) {
			if p.Recommended != nil {
				recommended++
			}
			if p.Author.Role == models.RoleAmbassador && !p.IsQuestion {
				official++
			}
		}
	}
	if recommended < 2 || official < 5 {
		t.Errorf("%d recommended answers, %d official answers", recommended, official)
	}

	// KB: a curated (reviewed) article and an outdated one.
	arts, err := s.Articles(ctx, models.ArticleQuery{PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	var curated, outdated *models.Article
	for _, a := range arts.Articles {
		full, err := s.Article(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full.Curated {
			curated = full
		}
		if full.Outdated {
			outdated = full
		}
	}
	if curated == nil || outdated == nil {
		t.Fatalf("curated %v, outdated %v", curated, outdated)
	}
	mustContain(t, "the curated article", page(t, srv, curated.URL()), "Reviewed by Northwind", "peak-time slowdown")
	mustContain(t, "the outdated article", page(t, srv, outdated.URL()), "Bring your number")

	// An open incident, with its banner on the home page.
	incidents, err := s.OpenIncidents(ctx, 0, nil)
	if err != nil || len(incidents) != 1 {
		t.Fatalf("incidents %+v %v", incidents, err)
	}
	home := page(t, srv, "/")
	mustContain(t, "the home page", home, incidents[0].Message)

	// Posts from X: conversations as threads, with the brand's official
	// answer, and the outage's posts in the triage inbox.
	fromX := 0
	for _, th := range allThreads(t, s) {
		if th.SourceURL == "" {
			continue
		}
		fromX++
		posts := allPosts(t, s, th, nil)
		if len(posts) < 2 || posts[1].Author.Username != BrandHandle {
			t.Errorf("thread from X %q: posts %v", th.Title, posts)
		}
		mustContain(t, "a thread from X", page(t, srv, th.URL()), "View on X", "Official answer")
	}
	if fromX != 2 {
		t.Errorf("%d threads from X, want 2", fromX)
	}
	inbox, err := s.Inbox(ctx, admin, models.InboxQuery{})
	if err != nil || len(inbox.Conversations) < 6 {
		t.Errorf("inbox: %+v %v", inbox, err)
	}

	// Notifications: the demo member has read some and has some new ones.
	member := mustUser(t, s, "demo")
	unread, err := s.UnreadCount(ctx, member.ID)
	if err != nil {
		t.Fatal(err)
	}
	notes, err := s.Notifications(ctx, member.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, n := range notes.Items {
		kinds[n.Kind] = true
	}
	if unread == 0 || unread >= len(notes.Items) || !kinds[models.NotifyAnswer] || !kinds[models.NotifyAccepted] ||
		!kinds[models.NotifyRecommended] || !kinds[models.NotifyMention] {
		t.Errorf("demo's notifications: %d unread of %d, kinds %v", unread, len(notes.Items), kinds)
	}

	// Flags in the queue, and a new account's link waiting for approval.
	flagged, err := s.FlagQueue(ctx, admin)
	if err != nil || len(flagged) != 2 {
		t.Errorf("flag queue: %d %v", len(flagged), err)
	}
	queued, err := s.ApprovalQueue(ctx, admin)
	if err != nil || len(queued) != 1 || queued[0].Author.Username != "routerdeals_uk" {
		t.Errorf("approval queue: %v %v", queued, err)
	}

	// Tags are spelled one way: no two tags that differ only by punctuation.
	seen := map[string]string{}
	for _, th := range allThreads(t, s) {
		for _, tag := range th.Tags {
			key := strings.NewReplacer("-", "", ".", "", "_", "").Replace(tag)
			if other, ok := seen[key]; ok && other != tag {
				t.Errorf("tags %q and %q", other, tag)
			}
			seen[key] = tag
		}
	}
}

// TestDemoDatesAreCoherent: nothing happens before the account that did it
// joined, no answer comes before its question, and everything is in the past.
func TestDemoDatesAreCoherent(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	s := seeded(t, now)
	ctx := context.Background()
	admin := mustUser(t, s, "admin")
	joined := map[int64]time.Time{}
	accountOf := func(id int64) *models.User {
		u, err := s.UserByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		joined[id] = u.CreatedAt
		return u
	}
	past := func(what string, at time.Time) {
		if !at.Before(now) || at.Before(now.AddDate(-5, 0, 0)) {
			t.Errorf("%s at %s, seeded at %s", what, at, now)
		}
	}
	threads := allThreads(t, s)
	if len(threads) < 29 {
		t.Fatalf("%d threads", len(threads))
	}
	for _, th := range threads {
		past(th.Title, th.CreatedAt)
		var question time.Time
		for _, p := range allPosts(t, s, th, admin) {
			past("a post in "+th.Title, p.CreatedAt)
			if p.IsQuestion {
				question = p.CreatedAt
			} else if p.CreatedAt.Before(question) {
				t.Errorf("%q: an answer at %s before the question at %s", th.Title, p.CreatedAt, question)
			}
			if u := accountOf(p.Author.ID); !u.Imported && p.CreatedAt.Before(u.CreatedAt) {
				t.Errorf("%s posted in %q at %s, before joining at %s", u.Username, th.Title, p.CreatedAt, u.CreatedAt)
			}
		}
		if th.CreatedAt.After(th.LastActivityAt) {
			t.Errorf("%q: last activity %s before it was asked %s", th.Title, th.LastActivityAt, th.CreatedAt)
		}
	}
	// Every non-imported account (voters, flaggers too) joined in the past.
	for id, at := range joined {
		past("account "+strconv.FormatInt(id, 10)+" joins", at)
	}
	member := mustUser(t, s, "demo")
	notes, err := s.Notifications(ctx, member.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range notes.Items {
		past("notification "+n.Text, n.CreatedAt)
		if n.CreatedAt.Before(member.CreatedAt) {
			t.Errorf("notification %q before demo joined", n.Text)
		}
	}
	flagged, err := s.FlagQueue(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flagged {
		past("a flag", f.LastFlag)
		if f.LastFlag.Before(f.Post.CreatedAt) {
			t.Errorf("flag at %s before its post at %s", f.LastFlag, f.Post.CreatedAt)
		}
	}
	log, err := s.ModLog(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range log.Entries {
		past("audit log: "+entry.Action, entry.CreatedAt)
	}
}

// TestSeedingTwiceChangesNothing: the second start of make run finds
// content and adds none.
func TestSeedingTwiceChangesNothing(t *testing.T) {
	s := seeded(t, time.Now())
	ctx := context.Background()
	before := len(allThreads(t, s))
	users, err := s.CountUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logins, err := Seed(ctx, s)
	if err != nil || logins != nil {
		t.Fatalf("second seed: %v %v", logins, err)
	}
	again, err := s.CountUsers(ctx)
	if err != nil || again != users || len(allThreads(t, s)) != before {
		t.Errorf("after a second seed: %d users (was %d), %d threads (was %d)", again, users, len(allThreads(t, s)), before)
	}
	if now := s.Now(); time.Since(now) > time.Minute || time.Until(now) > time.Minute {
		t.Errorf("the store's clock is still the demo's: %s", now)
	}
}

// TestDemoNotificationsAreNeverEmailed: the demo's notifications describe
// made-up events; turning mail on must not send them.
func TestDemoNotificationsAreNeverEmailed(t *testing.T) {
	s := seeded(t, time.Now())
	c, err := s.ClaimEmail(context.Background(), true)
	if !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("claimed a demo notification: %+v, %v", c, err)
	}
}

// The demo's members vouch for their addresses: on a new install, where
// members confirm their address before they post, the logins make printed
// can still ask and answer at once.
func TestDemoAccountsHaveConfirmedAddresses(t *testing.T) {
	s := seeded(t, time.Now())
	for _, p := range northwind().People {
		if u := mustUser(t, s, p.Username); !u.EmailVerified() {
			t.Errorf("%s has an unconfirmed address", p.Username)
		}
	}
}
