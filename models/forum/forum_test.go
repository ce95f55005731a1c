package forum

import (
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
)

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Wi-Fi drops after update!":  "wi-fi-drops-after-update",
		"Café au lait":               "cafe-au-lait",
		"ルーターが繋がらない":                 "question",
		"  --Router 2000--  ":        "router-2000",
		"Über-schnelles Internet???": "uber-schnelles-internet",
	} {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestThreadsAndPostsSayWhatTheyAre(t *testing.T) {
	th := &Thread{ID: 42, Slug: "router-reboots", Author: accounts.UserRef{ID: 1, Username: "asker"}}
	if th.URL() != "/t/42/router-reboots" || th.Solved() || th.Gone() {
		t.Errorf("a live open thread: URL %q, solved %v, gone %v", th.URL(), th.Solved(), th.Gone())
	}
	th.AcceptedID = 7
	if !th.Solved() {
		t.Error("a thread with an accepted answer is not solved")
	}
	for _, gone := range []Thread{{Deleted: true}, {Hidden: true}, {Pending: true}} {
		if !gone.Gone() {
			t.Errorf("%+v is not gone", gone)
		}
	}
	if (&Thread{Locked: true, Pinned: true}).Gone() {
		t.Error("a locked, pinned thread is gone")
	}
	p := &Post{ID: 9}
	if p.Anchor() != "p9" || p.Edited() {
		t.Errorf("anchor %q, edited %v", p.Anchor(), p.Edited())
	}
	p.EditedAt = time.Unix(1, 0)
	if !p.Edited() {
		t.Error("an edited post says it was not")
	}
	c := Category{Slug: "billing", ThreadCount: ListCountLimit}
	if c.URL() != "/c/billing" || c.ManyThreads() {
		t.Errorf("category: %q, many %v at the limit", c.URL(), c.ManyThreads())
	}
	c.ThreadCount++
	if !c.ManyThreads() {
		t.Error("past the counted limit, a category does not say it has many threads")
	}
}
