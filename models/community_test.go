package models

import (
	"context"
	"errors"
	"fmt"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/notallowed"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// clockStore is a test store whose clock the test moves.
func clockStore(t *testing.T) (*Store, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(context.Background(), testdb.Location(t, "c.db"), Options{PasswordCost: bcrypt.MinCost, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, &now
}

func userWithRole(t *testing.T, s *Store, name string, role Role) *User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), NewUser{Username: name, Email: name + "@example.com", Password: "correct horse", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func reload(t *testing.T, s *Store, u *User) *User {
	t.Helper()
	got, err := s.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func saveSettings(t *testing.T, s *Store, admin *User, f SiteSettingsForm) {
	t.Helper()
	if f.BrandName == "" {
		f.BrandName = "Example ISP"
	}
	if f.BadgeTitle == "" {
		f.BadgeTitle = "Example ISP Employee"
	}
	if f.SuperuserThreshold == "" {
		f.SuperuserThreshold = "200"
	}
	if f.PostsPerHour == "" {
		f.PostsPerHour = "30"
	}
	if f.StandingDays == "" {
		f.StandingDays = "3"
	}
	if f.StandingReputation == "" {
		f.StandingReputation = "10"
	}
	if err := s.SaveSiteSettings(context.Background(), admin, f); err != nil {
		t.Fatal(err)
	}
}

func logActions(t *testing.T, s *Store) []string {
	t.Helper()
	list, err := s.ModLog(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Entries {
		out = append(out, e.Action)
	}
	return out
}

func TestReputationAndAutoPromotion(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	// Standing off: these new accounts' votes and acceptance give points at once.
	saveSettings(t, s, admin, SiteSettingsForm{SuperuserThreshold: "30", StandingDays: "0", StandingReputation: "0"})
	asker, peer, fan := mustUser(t, s, "asker"), mustUser(t, s, "peer"), mustUser(t, s, "fan")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	a, err := s.CreateAnswer(ctx, peer, th.ID, "Turn off the nightly maintenance window.")
	if err != nil {
		t.Fatal(err)
	}
	s.Vote(ctx, fan, a.ID, false)
	s.Vote(ctx, fan, a.ID, false) // twice counts once
	if got := reload(t, s, peer); got.Reputation != PointsHelpfulAnswer || got.Role != RoleMember {
		t.Fatalf("after a vote: %d %s", got.Reputation, got.Role)
	}
	s.Vote(ctx, fan, th.QuestionID, false)
	if got := reload(t, s, asker); got.Reputation != PointsHelpfulQuestion {
		t.Fatalf("asker after question vote: %d", got.Reputation)
	}
	if _, err := s.Accept(ctx, asker, a.ID, false); err != nil {
		t.Fatal(err)
	}
	s.Vote(ctx, asker, a.ID, false)
	got := reload(t, s, peer)
	if got.Reputation != 2*PointsHelpfulAnswer+PointsAcceptedAnswer || got.Role != RoleSuperuser {
		t.Fatalf("after accept: %d %s", got.Reputation, got.Role)
	}
	// Undoing takes the points back; the earned role stays.
	s.Vote(ctx, fan, a.ID, true)
	if _, err := s.Accept(ctx, asker, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := reload(t, s, peer); got.Reputation != PointsHelpfulAnswer || got.Role != RoleSuperuser {
		t.Fatalf("after undo: %d %s", got.Reputation, got.Role)
	}
	board, err := s.Leaderboard(ctx, time.Time{}, 10)
	if err != nil || len(board) != 2 || board[0].User.Username != "peer" || board[0].Points != PointsHelpfulAnswer {
		t.Fatalf("leaderboard: %+v %v", board, err)
	}
	month, err := s.Leaderboard(ctx, time.Now().Add(-time.Hour), 10)
	if err != nil || len(month) != 2 || month[0].Points != PointsHelpfulAnswer {
		t.Fatalf("this month: %+v %v", month, err)
	}
	n, _ := s.Notifications(ctx, peer.ID, 1)
	kinds := ""
	for _, it := range n.Items {
		kinds += it.Kind + " "
	}
	if !strings.Contains(kinds, NotifyPromotion) || !strings.Contains(kinds, NotifyAccepted) {
		t.Fatalf("peer's notifications: %s", kinds)
	}
}

func TestModerationActionsAreLoggedAndTakeEffect(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mod := userWithRole(t, s, "mod", RoleModerator)
	asker, spammer, member := mustUser(t, s, "asker"), mustUser(t, s, "spammer"), mustUser(t, s, "member")
	other, err := s.CreateCategory(ctx, NewCategory{Name: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	th := mustThread(t, s, asker, "Router reboots itself every night")
	orig := mustThread(t, s, asker, "Router restarts at night, what to do")
	bad, err := s.CreateAnswer(ctx, spammer, th.ID, "Buy cheap followers now at our totally legit shop")
	if err != nil {
		t.Fatal(err)
	}
	// Members cannot moderate.
	if err := s.HidePost(ctx, member, bad.ID, "spam"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("member hide: %v", err)
	}
	if err := s.HidePost(ctx, mod, bad.ID, ""); !IsValidation(err) {
		t.Fatalf("hide without reason: %v", err)
	}
	if err := s.FlagPost(ctx, member, bad.ID, "spam", "selling followers"); err != nil {
		t.Fatal(err)
	}
	q, err := s.FlagQueue(ctx, mod)
	if err != nil || len(q) != 1 || q[0].Reasons["spam"] != 1 {
		t.Fatalf("flag queue: %+v %v", q, err)
	}
	if err := s.HidePost(ctx, mod, bad.ID, "Advertising"); err != nil {
		t.Fatal(err)
	}
	if q, _ := s.FlagQueue(ctx, mod); len(q) != 0 {
		t.Fatalf("flags left open after hiding: %d", len(q))
	}
	got, _ := s.Thread(ctx, th.ID)
	if got.AnswerCount != 0 {
		t.Fatalf("hidden answer counted: %d", got.AnswerCount)
	}
	tp, _ := s.ThreadPosts(ctx, got, 1, member)
	if len(tp.Answers) != 1 || !tp.Answers[0].Redacted || tp.Answers[0].BodyMD != "" {
		t.Fatalf("member sees hidden text: %+v", tp.Answers[0])
	}
	tp, _ = s.ThreadPosts(ctx, got, 1, spammer)
	if tp.Answers[0].Redacted || tp.Answers[0].HiddenReason != "Advertising" {
		t.Fatalf("author does not see own hidden post with reason: %+v", tp.Answers[0])
	}
	if err := s.UnhidePost(ctx, mod, bad.ID, "appeal"); err != nil {
		t.Fatal(err)
	}
	if err := s.LockThread(ctx, mod, th.ID, true, "Resolved by an outage notice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, member, th.ID, "An answer to a locked thread here."); err == nil {
		t.Fatal("answer on a locked thread accepted")
	}
	if err := s.LockThread(ctx, mod, th.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveThread(ctx, mod, th.ID, other.Slug, "belongs in billing"); err != nil {
		t.Fatal(err)
	}
	if got := searchTitles(t, s, SearchQuery{Text: "reboots", Category: other.Slug}); len(got) != 1 {
		t.Fatalf("moved thread not found in its new category: %v", got)
	}
	if err := s.CloseAsDuplicate(ctx, mod, orig.ID, orig.ID, ""); !IsValidation(err) {
		t.Fatalf("self duplicate: %v", err)
	}
	if err := s.CloseAsDuplicate(ctx, mod, orig.ID, th.ID, "same problem"); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Thread(ctx, orig.ID); d.DuplicateOf != th.ID || !d.Locked {
		t.Fatalf("duplicate: %+v", d)
	}
	if err := s.PinThread(ctx, mod, orig.ID, true); err != nil {
		t.Fatal(err)
	}
	list, _ := s.Threads(ctx, ThreadQuery{CategoryID: 1})
	if len(list.Threads) == 0 || list.Threads[0].ID != orig.ID || !list.Threads[0].Pinned {
		t.Fatalf("pinned thread not first")
	}
	until := time.Now().Add(72 * time.Hour)
	if err := s.SuspendUser(ctx, mod, member.ID, until, "Rude replies"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, reload(t, s, member), th.ID, "Trying to post while suspended."); err == nil {
		t.Fatal("suspended member could post")
	}
	if err := s.SuspendUser(ctx, mod, mod.ID, until, "x"); err == nil {
		t.Fatal("moderator suspended themselves")
	}
	if err := s.UnsuspendUser(ctx, mod, member.ID, "apologised"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, reload(t, s, member), th.ID, "Back after the suspension ended."); err != nil {
		t.Fatalf("unsuspended member: %v", err)
	}
	n, err := s.RemoveSpammer(ctx, mod, spammer.ID, "Spam")
	if err != nil || n != 1 {
		t.Fatalf("remove spammer: %d %v", n, err)
	}
	if p, _ := s.Post(ctx, bad.ID); !p.Hidden || !reload(t, s, spammer).Suspended(time.Now()) {
		t.Fatalf("spammer's post not hidden or account not suspended")
	}
	want := []string{"remove_spammer", "unsuspend_user", "suspend_user", "pin_thread", "close_duplicate", "move_thread",
		"unlock_thread", "lock_thread", "unhide_post", "hide_post"}
	if got := logActions(t, s); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("audit log:\n got %v\nwant %v", got, want)
	}
}

func TestPrivateCategoryIsInvisibleToOthers(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	partner, outsider := mustUser(t, s, "partner"), mustUser(t, s, "outsider")
	priv, err := s.CreateCategory(ctx, NewCategory{Name: "Partners"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCategoryGroup(ctx, admin, priv.Slug, "partners"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddToGroup(ctx, admin, partner.ID, "partners"); err != nil {
		t.Fatal(err)
	}
	th, err := s.CreateThread(ctx, partner, NewThread{Title: "Wholesale pricing for the Hub 3", CategorySlug: priv.Slug,
		Body: "What is the partner price for fifty Hub 3 units?"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateThread(ctx, outsider, NewThread{Title: "Posting into a private category", CategorySlug: priv.Slug,
		Body: "This should be refused for outsiders."}); !IsValidation(err) {
		t.Fatalf("outsider posted into private category: %v", err)
	}
	a, err := s.CreateAnswer(ctx, admin, th.ID, "The partner price is on the portal under Pricing.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, partner, a.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, viewer := range []*User{nil, outsider} {
		if l, _ := s.Threads(ctx, ThreadQuery{Viewer: viewer}); l.Total != 0 {
			t.Errorf("list shows private thread to %v", viewer)
		}
		if cats, _ := s.Categories(ctx, viewer); len(cats) != 1 {
			t.Errorf("categories show private category to %v", viewer)
		}
		if r, _ := s.Search(ctx, SearchQuery{Text: "wholesale", Viewer: viewer}); len(r.Hits) != 0 {
			t.Errorf("search shows private thread to %v", viewer)
		}
		if sim, _ := s.Similar(ctx, "wholesale pricing", viewer); len(sim) != 0 {
			t.Errorf("similar shows private thread to %v", viewer)
		}
		if p, _ := s.Profile(ctx, "partner", viewer); p.Questions != 0 {
			t.Errorf("profile counts private thread for %v", viewer)
		}
		if l, _ := s.UserAnswers(ctx, admin.ID, 1, viewer); l.Total != 0 {
			t.Errorf("profile answers show private thread to %v", viewer)
		}
		if l, _ := s.Articles(ctx, ArticleQuery{Viewer: viewer}); l.Total != 0 {
			t.Errorf("KB shows private article to %v", viewer)
		}
		if ok, _ := s.CanSeeCategory(ctx, viewer, priv.ID); ok {
			t.Errorf("CanSeeCategory true for %v", viewer)
		}
	}
	if entries, _ := s.SitemapEntries(ctx, 1, SitemapPerFile); len(entries) != 0 {
		t.Errorf("sitemap lists private content: %+v", entries)
	}
	for _, viewer := range []*User{partner, admin} {
		if l, _ := s.Threads(ctx, ThreadQuery{Viewer: viewer}); l.Total != 1 {
			t.Errorf("list hides private thread from %s", viewer.Username)
		}
		// The solved thread and its article are one hit.
		if r, _ := s.Search(ctx, SearchQuery{Text: "wholesale", Viewer: viewer}); len(r.Hits) != 1 || !r.Hits[0].IsArticle {
			t.Errorf("search hides private question from %s: %d", viewer.Username, len(r.Hits))
		}
	}
}

func TestApprovalQueueForFirstPostsWithLinks(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	mod := userWithRole(t, s, "mod", RoleModerator)
	asker, newbie := mustUser(t, s, "asker"), mustUser(t, s, "newbie")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	a, err := s.CreateAnswer(ctx, newbie, th.ID, "See https://example.com/fix for the firmware fix.")
	if err != nil || !a.Pending {
		t.Fatalf("link post not queued: %+v %v", a, err)
	}
	got, _ := s.Thread(ctx, th.ID)
	if tp, _ := s.ThreadPosts(ctx, got, 1, asker); len(tp.Answers) != 0 || got.AnswerCount != 0 {
		t.Fatalf("queued answer visible to others")
	}
	if tp, _ := s.ThreadPosts(ctx, got, 1, newbie); len(tp.Answers) != 1 {
		t.Fatalf("author cannot see own queued answer")
	}
	if r := searchTitles(t, s, SearchQuery{Text: "firmware"}); len(r) != 0 {
		t.Fatalf("queued answer indexed: %v", r)
	}
	queue, err := s.ApprovalQueue(ctx, mod)
	if err != nil || len(queue) != 1 {
		t.Fatalf("queue: %d %v", len(queue), err)
	}
	if err := s.ApprovePost(ctx, mod, a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Thread(ctx, th.ID)
	if got.AnswerCount != 1 || len(searchTitles(t, s, SearchQuery{Text: "firmware"})) != 1 {
		t.Fatalf("approved answer not counted or indexed")
	}
	if n, _ := s.UnreadCount(ctx, asker.ID); n != 1 {
		t.Fatalf("asker not told about the approved answer: %d", n)
	}
	// After one approved post, links no longer queue.
	b, err := s.CreateAnswer(ctx, newbie, th.ID, "Also https://example.com/other may help.")
	if err != nil || b.Pending {
		t.Fatalf("second post queued: %+v %v", b, err)
	}
	// A queued question keeps its whole thread out of the lists until approved.
	other := mustUser(t, s, "other")
	q, err := s.CreateThread(ctx, other, NewThread{Title: "Check out this deal on routers", CategorySlug: "general",
		Body: "Visit www.example.com for cheap routers today."})
	if err != nil || !q.Pending {
		t.Fatalf("question with link not queued: %v", err)
	}
	if l, _ := s.Threads(ctx, ThreadQuery{}); l.Total != 1 {
		t.Fatalf("queued question listed: %d", l.Total)
	}
	if err := s.ApprovePost(ctx, mod, q.QuestionID, false, "Advertising"); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Post(ctx, q.QuestionID); !p.Hidden || p.Pending {
		t.Fatalf("rejected question: %+v", p)
	}
}

func TestNotificationsForAnswersWatchersAndMentions(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	asker, peer, watcher, named := mustUser(t, s, "asker"), mustUser(t, s, "peer"), mustUser(t, s, "watcher"), mustUser(t, s, "named")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	if err := s.Watch(ctx, watcher.ID, th.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAnswer(ctx, peer, th.ID, "Same here. @named had this last week, and @nobody too."); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		u    *User
		kind string
	}{{asker, NotifyAnswer}, {watcher, NotifyReply}, {named, NotifyMention}} {
		l, _ := s.Notifications(ctx, c.u.ID, 1)
		if len(l.Items) != 1 || l.Items[0].Kind != c.kind || l.Items[0].Actor.Username != "peer" {
			t.Errorf("%s: %+v", c.u.Username, l.Items)
		}
	}
	if n, _ := s.UnreadCount(ctx, peer.ID); n != 0 {
		t.Errorf("author notified of own post: %d", n)
	}
	if err := s.MarkRead(ctx, asker.ID, 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.UnreadCount(ctx, asker.ID); n != 0 {
		t.Errorf("unread after mark read: %d", n)
	}
	s.Watch(ctx, watcher.ID, th.ID, false)
	s.CreateAnswer(ctx, peer, th.ID, "One more idea for the nightly reboots.")
	if n, _ := s.UnreadCount(ctx, watcher.ID); n != 1 {
		t.Errorf("unwatched thread still notifies: %d", n)
	}
	// Email: opted-out users' notifications are skipped, the rest are claimed once.
	s.SetEmailNotifications(ctx, named.ID, false)
	if _, err := s.SweepEmails(ctx, 24*time.Hour, time.Hour); err != nil {
		t.Fatal(err)
	}
	claimed := 0
	for {
		c, err := s.ClaimEmail(ctx, true)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.UserID == named.ID {
			t.Errorf("email claimed for opted-out user")
		}
		if claimed++; claimed > 10 {
			t.Fatal("the same notifications are claimed again and again")
		}
	}
	if claimed != 3 {
		t.Errorf("claimed %d notification emails, want 3", claimed)
	}
}

func TestPostingRateLimit(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	saveSettings(t, s, admin, SiteSettingsForm{PostsPerHour: "3"})
	asker := mustUser(t, s, "asker")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	for i := 0; i < 2; i++ {
		if _, err := s.CreateAnswer(ctx, asker, th.ID, "Update number "+string(rune('a'+i))+" on the reboot problem."); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateAnswer(ctx, asker, th.ID, "A fourth post in one hour is too many.")
	if na, ok := IsNotAllowed(err); !ok || na.Kind != notallowed.PostsPerHour || na.N != 3 {
		t.Fatalf("rate limit: %v", err)
	}
	if _, err := s.CreateAnswer(ctx, admin, th.ID, "Staff are not limited by the posting rate."); err != nil {
		t.Fatalf("staff limited: %v", err)
	}
}

// Parallel posts are counted one after another: twenty at once from one
// member store no more than the hourly limit allows.
func TestPostingRateLimitHoldsInParallel(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	saveSettings(t, s, admin, SiteSettingsForm{PostsPerHour: "3"})
	asker := mustUser(t, s, "asker")
	th := mustThread(t, s, asker, "Router reboots itself every night") // the first of three
	var wg sync.WaitGroup
	var stored, refused atomic.Int32
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.CreateAnswer(ctx, asker, th.ID, fmt.Sprintf("Parallel update number %d on the reboot problem.", i))
			switch {
			case err == nil:
				stored.Add(1)
			case refusedAs(err, notallowed.PostsPerHour):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if stored.Load() != 2 || refused.Load() != 18 {
		t.Fatalf("%d answers stored and %d refused in parallel, want 2 and 18", stored.Load(), refused.Load())
	}
}
