package social_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// fakeDetector says German for texts about a router, else nothing, and
// counts its calls.
type fakeDetector struct{ calls atomic.Int64 }

func (f *fakeDetector) Detect(text string) string {
	f.calls.Add(1)
	if strings.Contains(text, "Router") {
		return "de"
	}
	return ""
}

// TestAllLanguagesDetectedInBatches: DetectAllLanguages looks at every
// post without a language once, batch after batch, and leaves alone those
// whose source gave one.
func TestAllLanguagesDetectedInBatches(t *testing.T) {
	ctx := context.Background()
	s, err := models.Open(ctx, testdb.Location(t, "langs.db"), models.Options{PasswordCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ts []tweets.Tweet
	want := map[string]string{}
	for i, text := range []string{"My router keeps rebooting every night", "Mein Router startet jede Nacht neu",
		"the app will not let me pay", "Die App lässt mich nicht zahlen", "no signal in Leeds since noon",
		"Kein Netz seit Mittag", "billing question about my last invoice"} {
		x := tweets.Tweet{ID: strconv.Itoa(9001 + i), AuthorHandle: "user" + strconv.Itoa(i), Text: text,
			CreatedAt: time.Date(2026, 10, 1, 9, i, 0, 0, time.UTC)}
		if i == 2 {
			x.Lang = "fr" // given by the source: kept, not looked at
		}
		ts = append(ts, x)
		want[x.ID] = (&fakeDetector{}).Detect(text)
	}
	want["9003"] = "fr"
	im, err := s.NewImporter(ctx, models.ImportOptions{Triage: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ts {
		if err := im.Add(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := im.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	det := &fakeDetector{}
	n, err := s.Social.DetectAllLanguagesIn(ctx, det, 2)
	if err != nil || n != 6 || det.calls.Load() != 6 {
		t.Fatalf("first pass: %d items, %d calls, %v", n, det.calls.Load(), err)
	}
	if n, err := s.DetectAllLanguages(ctx, det); n != 0 || err != nil {
		t.Fatalf("second pass looked at %d items again (%v)", n, err)
	}
	rows, err := s.DB().Primary().Query(`SELECT tweet_id, lang, lang_checked FROM social_items`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id, lang string
		var checked int
		if err := rows.Scan(&id, &lang, &checked); err != nil {
			t.Fatal(err)
		}
		seen++
		if lang != want[id] || checked != 1 {
			t.Errorf("%s: %q checked=%d, want %q", id, lang, checked, want[id])
		}
	}
	if seen != len(ts) {
		t.Fatalf("%d items", seen)
	}
}
