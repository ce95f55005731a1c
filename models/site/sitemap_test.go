package site_test

import (
	"context"
	"testing"

	"github.com/crowdcare/crowdcare/internal/storetest"
	"github.com/crowdcare/crowdcare/models"
)

// TestSitemapListsWhatVisitorsMaySee: solved threads and their articles,
// in files of perFile, never an open thread nor anything in a private
// category; through the store, which embeds the site.
func TestSitemapListsWhatVisitorsMaySee(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, "site.db", nil)
	user := func(name string) *models.User { return storetest.User(t, s, name, "") }
	asker, helper := user("asker"), user("helper")
	if _, err := s.CreateCategory(ctx, models.NewCategory{Slug: "partners", Name: "Partners", Group: "partners"}); err != nil {
		t.Fatal(err)
	}
	admin, err := s.CreateUser(ctx, models.NewUser{Username: "boss", Email: "boss@example.com", Password: "correct horse", Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	solve := func(by *models.User, title, category string) *models.Thread {
		th, err := s.CreateThread(ctx, by, models.NewThread{Title: title, CategorySlug: category, Body: "The router reboots itself every night."})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAnswer(ctx, helper, th.ID, "Turn the nightly maintenance window off.")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Accept(ctx, by, a.ID, false); err != nil {
			t.Fatal(err)
		}
		return th
	}
	solved := solve(asker, "Router reboots itself every night", "general")
	solve(admin, "Wholesale router reboots every night", "partners")
	if _, err := s.CreateThread(ctx, asker, models.NewThread{Title: "Nobody has answered this one yet", CategorySlug: "general",
		Body: "Still waiting for someone to answer."}); err != nil {
		t.Fatal(err)
	}
	art, err := s.ArticleForThread(ctx, solved.ID)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.SitemapCount(ctx)
	if err != nil || n != 2 {
		t.Fatalf("sitemap count %d, %v; want the public solved thread and its article", n, err)
	}
	var paths []string
	for page := 1; page <= 2; page++ {
		entries, err := s.SitemapEntries(ctx, page, 1)
		if err != nil || len(entries) != 1 {
			t.Fatalf("file %d: %v, %v", page, entries, err)
		}
		paths = append(paths, entries[0].Path)
	}
	if want := []string{solved.URL(), art.URL()}; paths[0] != want[0] || paths[1] != want[1] {
		t.Errorf("sitemap %q, want %q", paths, want)
	}
	if rest, err := s.SitemapEntries(ctx, 3, 1); err != nil || len(rest) != 0 {
		t.Errorf("file 3: %v, %v", rest, err)
	}
}
