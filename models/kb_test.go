package models

import (
	"context"
	"testing"
)

// The knowledge base's tests are in models/kb; these helpers stay for the
// tests here that make a solved thread and a curator.

// solvedThread makes a thread with two answers by bob and carol and accepts bob's.
func solvedThread(t *testing.T, s *Store) (asker *User, th *Thread, accepted, other *Post) {
	t.Helper()
	ctx := context.Background()
	asker = mustUser(t, s, "asker")
	bob, carol := mustUser(t, s, "bob"), mustUser(t, s, "carol")
	th, err := s.CreateThread(ctx, asker, NewThread{Title: "Hub 3 loses Wi-Fi every evening", CategorySlug: "general",
		Body: "Every evening at 8pm the **Wi-Fi** drops.\n\nI tried rebooting and a new channel.", Tags: "wifi"})
	if err != nil {
		t.Fatal(err)
	}
	if accepted, err = s.CreateAnswer(ctx, bob, th.ID, "Turn off band steering in the Hub settings."); err != nil {
		t.Fatal(err)
	}
	if other, err = s.CreateAnswer(ctx, carol, th.ID, "Update the firmware to version 4.2 or later."); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accept(ctx, asker, accepted.ID, false); err != nil {
		t.Fatal(err)
	}
	return asker, th, accepted, other
}

func mustAdmin(t *testing.T, s *Store) *User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), NewUser{Username: "curator", Email: "curator@example.com", Password: "correct horse", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
