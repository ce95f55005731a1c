package models

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// TestStaffToolsAndLookups drives the staff tools and the lookups pages
// make that other tests reach only through the web layer, so each query
// runs on the suite's engine: pinning, duplicates, suspensions, flags,
// groups, revisions, answer pages, the sitemap, drafts and attachments.
func TestStaffToolsAndLookups(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	mod := userWithRole(t, s, "mod", RoleModerator)
	asker, helper, reporter := mustUser(t, s, "asker"), mustUser(t, s, "helper"), mustUser(t, s, "reporter")
	saveSettings(t, s, admin, SiteSettingsForm{ApproveFirstPosts: false, PostsPerHour: "100"})

	first := mustThread(t, s, asker, "Router drops the connection every evening")
	second := mustThread(t, s, asker, "Router drops Wi-Fi in the evening again")
	var answers []*Post
	for i := 0; i < AnswersPerPage+2; i++ {
		*now = now.Add(time.Minute)
		p, err := s.CreateAnswer(ctx, helper, first.ID, "Change the Wi-Fi channel, attempt number "+string(rune('A'+i))+".")
		if err != nil {
			t.Fatal(err)
		}
		answers = append(answers, p)
	}

	// Pinned, then not.
	if err := s.PinThread(ctx, mod, first.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Thread(ctx, first.ID); !got.Pinned {
		t.Fatal("thread not pinned")
	}
	if err := s.PinThread(ctx, mod, first.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Thread(ctx, first.ID); got.Pinned {
		t.Fatal("thread still pinned")
	}

	// Closed as a duplicate of the first, refused the other way round, reopened.
	if err := s.CloseAsDuplicate(ctx, mod, second.ID, first.ID, "asked before"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Thread(ctx, second.ID)
	if got.DuplicateOf != first.ID || !got.Locked {
		t.Fatalf("duplicate: of %d, locked %v", got.DuplicateOf, got.Locked)
	}
	if err := s.CloseAsDuplicate(ctx, mod, first.ID, second.ID, "loop"); !IsValidation(err) {
		t.Fatalf("closing the original as a duplicate of its duplicate: %v", err)
	}
	if err := s.CloseAsDuplicate(ctx, mod, second.ID, 0, "not the same after all"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Thread(ctx, second.ID); got.DuplicateOf != 0 || got.Locked {
		t.Fatalf("reopened: of %d, locked %v", got.DuplicateOf, got.Locked)
	}

	// Suspended and let back.
	if err := s.SuspendUser(ctx, mod, reporter.ID, now.Add(24*time.Hour), "cooling off"); err != nil {
		t.Fatal(err)
	}
	if !reload(t, s, reporter).Suspended(*now) {
		t.Fatal("not suspended")
	}
	if err := s.UnsuspendUser(ctx, mod, reporter.ID, "talked it over"); err != nil {
		t.Fatal(err)
	}
	reporter = reload(t, s, reporter)
	if reporter.Suspended(*now) {
		t.Fatal("still suspended")
	}

	// A flag the reporter sees as theirs, dismissed by a moderator.
	flagged := answers[1]
	if err := s.FlagPost(ctx, reporter, flagged.ID, "off-topic", "not about routers"); err != nil {
		t.Fatal(err)
	}
	mine, err := s.FlaggedPosts(ctx, reporter.ID, []int64{answers[0].ID, flagged.ID})
	if err != nil || len(mine) != 1 || !mine[flagged.ID] {
		t.Fatalf("reporter's flags: %v %v", mine, err)
	}
	if err := s.DismissFlags(ctx, mod, flagged.ID, "it is about routers"); err != nil {
		t.Fatal(err)
	}
	if err := s.DismissFlags(ctx, mod, flagged.ID, "again"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("dismissing flags twice: %v", err)
	}
	if q, err := s.FlagQueue(ctx, mod); err != nil || len(q) != 0 {
		t.Fatalf("flag queue after dismissal: %d %v", len(q), err)
	}
	if mine, err := s.FlaggedPosts(ctx, reporter.ID, []int64{flagged.ID}); err != nil || len(mine) != 0 {
		t.Fatalf("reporter's flags after dismissal: %v %v", mine, err)
	}

	// Groups: joined, listed, left.
	for _, g := range []string{"partners", "beta"} {
		if err := s.AddToGroup(ctx, admin, helper.ID, g); err != nil {
			t.Fatal(err)
		}
	}
	if groups, err := s.UserGroups(ctx, helper.ID); err != nil || !slices.Equal(groups, []string{"beta", "partners"}) {
		t.Fatalf("groups %v %v", groups, err)
	}
	if err := s.RemoveFromGroup(ctx, admin, helper.ID, "beta"); err != nil {
		t.Fatal(err)
	}
	if groups, err := s.UserGroups(ctx, helper.ID); err != nil || !slices.Equal(groups, []string{"partners"}) {
		t.Fatalf("groups after leaving one %v %v", groups, err)
	}

	// An edit keeps the text before it.
	*now = now.Add(time.Minute)
	if err := s.EditPost(ctx, helper, answers[0].ID, PostEdit{Body: "Change the Wi-Fi channel to 1, 6 or 11 and restart."}); err != nil {
		t.Fatal(err)
	}
	revs, err := s.Revisions(ctx, answers[0].ID)
	if err != nil || len(revs) != 1 || revs[0].BodyMD != answers[0].BodyMD || revs[0].Editor.ID != helper.ID {
		t.Fatalf("revisions %+v %v", revs, err)
	}

	// The last answers are on the second page, the first on the first.
	th, _ := s.Thread(ctx, first.ID)
	for _, c := range []struct {
		p    *Post
		page int
	}{{answers[0], 1}, {answers[AnswersPerPage-1], 1}, {answers[AnswersPerPage], 2}, {answers[len(answers)-1], 2}} {
		if page, err := s.AnswerPage(ctx, c.p, th); err != nil || page != c.page {
			t.Errorf("answer %d on page %d (%v), want %d", c.p.ID, page, err, c.page)
		}
	}

	// Solved and made an article: the sitemap lists the thread and the
	// article; an article edit keeps its earlier text.
	if _, err := s.Accept(ctx, asker, answers[0].ID, false); err != nil {
		t.Fatal(err)
	}
	article, err := s.ArticleOfLoadedThread(ctx, th)
	if err != nil || article.Tags == nil {
		t.Fatalf("article of the thread: %+v %v", article, err)
	}
	if err := s.EditArticle(ctx, admin, article.ID, ArticleEdit{Title: "Evening Wi-Fi drops on the router",
		Problem: "The router drops Wi-Fi every evening.", Solution: "Change the Wi-Fi channel to 1, 6 or 11."}); err != nil {
		t.Fatal(err)
	}
	arevs, err := s.ArticleRevisions(ctx, article.ID)
	if err != nil || len(arevs) != 1 || arevs[0].Editor == nil || arevs[0].Editor.ID != admin.ID {
		t.Fatalf("article revisions %+v %v", arevs, err)
	}
	if n, err := s.SitemapCount(ctx); err != nil || n != 2 {
		t.Fatalf("sitemap count %d %v, want 2", n, err)
	}
	entries, err := s.SitemapEntries(ctx, 1, SitemapPerFile)
	if err != nil || len(entries) != 2 || entries[0].Path != th.URL() {
		t.Fatalf("sitemap %+v %v", entries, err)
	}

	// Pickers list the categories without counting.
	if cats, err := s.CategoryChoices(ctx, nil); err != nil || len(cats) != 1 || cats[0].Slug != "general" || cats[0].ThreadCount != 0 {
		t.Fatalf("category choices %+v %v", cats, err)
	}

	// Attachments: allowed under the daily limit, listed with their post.
	lim, err := s.UploadLimits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UploadAllowed(ctx, helper, 1000, lim); err != nil {
		t.Fatal(err)
	}
	if err := s.UploadAllowed(ctx, helper, lim.PerDay+1, lim); err == nil {
		t.Fatal("an upload over the daily limit allowed")
	}
	shot := upload(t, s, helper, AttachmentImage, "channels.png", 1000)
	p, err := s.CreateAnswer(ctx, helper, second.ID, "The channel list looks like this:\n\n"+shot.Markdown())
	if err != nil {
		t.Fatal(err)
	}
	if list, err := s.PostAttachments(ctx, p.ID); err != nil || len(list) != 1 || list[0].Key != shot.Key {
		t.Fatalf("post attachments %+v %v", list, err)
	}
	if keys, err := s.AttachmentKeys(ctx); err != nil || !slices.Equal(keys, []string{shot.Key}) {
		t.Fatalf("attachment keys %v %v", keys, err)
	}

	// The audit log has every staff action, newest first.
	want := []string{"dismiss_flags", "unsuspend_user", "suspend_user", "reopen_thread", "close_duplicate",
		"unpin_thread", "pin_thread", "change_settings"}
	if got := logActions(t, s); !slices.Equal(got, want) {
		t.Fatalf("audit log\n got %v\nwant %v", got, want)
	}
}

// TestFlagsOutOfSightAreNotDismissed: a superuser triages the flags they
// are shown; a flag on a post in a private group's category, which their
// queue leaves out, cannot be cleared by its post id (it answers as a post
// that does not exist) and stays open for staff who see it.
func TestFlagsOutOfSightAreNotDismissed(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "boss", RoleAdmin)
	if _, err := s.CreateCategory(ctx, NewCategory{Name: "Partners", Group: "partners"}); err != nil {
		t.Fatal(err)
	}
	partner := mustUser(t, s, "partner")
	if err := s.AddToGroup(ctx, admin, partner.ID, "partners"); err != nil {
		t.Fatal(err)
	}
	th, err := s.CreateThread(ctx, partner, NewThread{Title: "Wholesale pricing for the Hub 3", CategorySlug: "partners",
		Body: "What is the partner price for fifty units?"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FlagPost(ctx, admin, th.QuestionID, "spam", "an advert"); err != nil {
		t.Fatal(err)
	}
	su := userWithRole(t, s, "trusted", RoleSuperuser)
	queue, err := s.FlagQueue(ctx, su)
	if err != nil || len(queue) != 0 {
		t.Fatalf("the superuser's queue: %d posts (%v), want none", len(queue), err)
	}
	if err := s.DismissFlags(ctx, su, th.QuestionID, "looks fine"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a superuser dismissing a flag out of their sight: %v, want ErrNotFound", err)
	}
	queue, err = s.FlagQueue(ctx, admin)
	if err != nil || len(queue) != 1 {
		t.Fatalf("the admin's queue after: %d posts (%v), want the flag still open", len(queue), err)
	}
	if err := s.DismissFlags(ctx, admin, th.QuestionID, "partners may advertise here"); err != nil {
		t.Errorf("the admin dismissing it: %v", err)
	}
}
