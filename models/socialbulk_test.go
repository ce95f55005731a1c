package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/social"
	"github.com/crowdcare/crowdcare/tweets"
)

// importOneByOne stores tweets as an import does, then converts their
// conversations with convertConversation, one statement at a time: the way
// imports worked before they wrote a batch at once.
func importOneByOne(t *testing.T, s *Store, opts ImportOptions, ts ...tweets.Tweet) {
	t.Helper()
	ctx := context.Background()
	im := triageImport(t, s, opts, ts...)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		queue, err := im.conversationQueue(ctx, tx)
		if err != nil {
			return err
		}
		for _, conv := range queue {
			if err := im.convertConversation(ctx, tx, conv, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// triageImport stores and resolves tweets without converting anything, and
// returns the finished importer, switched to making threads, for the caller
// to convert with.
func triageImport(t *testing.T, s *Store, opts ImportOptions, ts ...tweets.Tweet) *Importer {
	t.Helper()
	ctx := context.Background()
	opts.Triage = true
	im, err := s.NewImporter(ctx, opts)
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
	im.opts.Triage = false
	return im
}

// importTwoStep stores tweets as a triaged import does, then converts every
// conversation with the batch converter (convertAll), as an import did
// before it made threads while reading; what Finish does with what a
// streamed batch leaves.
func importTwoStep(t *testing.T, s *Store, opts ImportOptions, ts ...tweets.Tweet) {
	t.Helper()
	if err := triageImport(t, s, opts, ts...).convertAll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// dumpTable lists a query's rows as text, for comparing two databases.
func dumpTable(t *testing.T, s *Store, q string) []string {
	t.Helper()
	rows, err := s.db.Primary().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if b2, ok := v.([]byte); ok {
				v = string(b2)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	return out
}

// TestBulkConversionMatchesOneByOne: the batch converter writes the same
// rows, ids included, as converting one conversation at a time. (Streamed
// imports number some threads in another order; the streaming tests compare
// what the threads hold.)
func TestBulkConversionMatchesOneByOne(t *testing.T) {
	ctx := context.Background()
	fixed := func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }
	open := func(name string) *Store {
		s, err := Open(ctx, testdb.Location(t, name), Options{PasswordCost: bcrypt.MinCost, Now: fixed})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		// A real member called sam, and an earlier import's profile of
		// @OldFriend that an admin linked to that member.
		sam := mustUser(t, s, "sam")
		old, err := s.placeholderUser(ctx, s.db.W(), social.Item{Handle: "OldFriend"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.W().Exec(`UPDATE users SET linked_to = ? WHERE id = ?`, sam.ID, old); err != nil {
			t.Fatal(err)
		}
		return s
	}
	bulk, single := open("bulk.db"), open("single.db")
	opts := ImportOptions{BrandHandles: []string{"ExampleCare"}}
	first := []tweets.Tweet{
		tw("100", "", "Jo_K", "@ExampleCare my wifi drops every evening.\nTried the *usual* fixes & <b>nothing</b> https://example.com/a_b?x=1&y=2", 1),
		tw("101", "100", "ExampleCare", "@Jo_K Sorry! Please DM us your postcode. ^AB", 3),
		tw("102", "101", "jo_k", "@ExampleCare done, thanks", 5),
		tw("201", "200", "ExampleCare", "@someone We're on it.", 6),
		tw("300", "", "ExampleCare", "Our new plans are out today", 2),
		tw("302", "301", "ExampleCare", "@cust.c Let's look into it", 7),
		tw("301", "300", "cust.c", "@ExampleCare the new plan page gives an error 500", 8),
		tw("400", "", "OldFriend", "@ExampleCare billing question: why two charges?", 9),
		tw("401", "400", "ExampleCare", "@OldFriend Sorry, we'll refund one.", 10),
		tw("500", "", "x", "@ExampleCare 📶 no signal", 11),
		tw("501", "500", "", "@x same here", 12),
		tw("502", "500", "日本語ユーザー", "@x 同じです。ルーターが再起動します", 13),
		tw("600", "", "sam", "@ExampleCare Wi-Fi e-mail settings?", 14),
		tw("700", "", "ann", "@ExampleCare router reboots", 15),
		tw("701", "700", "ann", "@ExampleCare fixed it myself", 16),
		tw("702", "701", "ExampleCare", "@ann Great news!", 17),
	}
	later := []tweets.Tweet{
		tw("103", "102", "ExampleCare", "@jo_k You're welcome. An engineer is booked for Tuesday.", 30),
		tw("303", "302", "cust.c", "@ExampleCare still broken", 31),
		tw("800", "", "Newcomer_99", "@ExampleCare hello?", 32),
		// Its username and address would be the Japanese handle's above.
		tw("801", "800", "ユーザー", "@Newcomer_99 same here", 33),
		tw("900", "", "Friend-Of-Sam", "@ExampleCare a question", 34),
	}
	for _, batch := range [][]tweets.Tweet{first, later} {
		importTwoStep(t, bulk, opts, batch...)
		importOneByOne(t, single, opts, batch...)
	}
	for _, q := range []string{
		`SELECT * FROM threads ORDER BY id`,
		`SELECT * FROM posts ORDER BY id`,
		`SELECT id, username, email, role, created_at, imported, x_handle, linked_to FROM users ORDER BY id`,
		`SELECT tweet_id, conversation_id, status, thread_id, post_id FROM social_items ORDER BY tweet_id`,
		`SELECT rowid, title, body, joined, facets FROM search_index ORDER BY rowid`,
	} {
		a, b := dumpTable(t, bulk, q), dumpTable(t, single, q)
		if len(a) == 0 {
			t.Errorf("%s: no rows", q)
		}
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("%s differs:\nbatch:\n%s\none by one:\n%s", q, strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
	}
}

// TestStillNewSplitsOffChangedConversations: a conversation triaged by
// someone else after a batch was read is left to the one-by-one path.
func TestStillNewSplitsOffChangedConversations(t *testing.T) {
	s, now := clockStore(t)
	ctx := context.Background()
	admin := userWithRole(t, s, "admin", RoleAdmin)
	runImport(t, s, ImportOptions{BrandHandles: []string{"brand"}, Triage: true, Actor: admin, Source: "cli"},
		tweets.Tweet{ID: "300", AuthorHandle: "ann", Text: "@brand my router keeps dropping the line", CreatedAt: now.Add(-time.Hour)},
		tweets.Tweet{ID: "301", AuthorHandle: "bob", Text: "@brand the bill is wrong again this month", CreatedAt: now.Add(-time.Hour)})
	planned := []*newThread{{conv: "300", items: []social.Item{{ID: "300"}}}, {conv: "301", items: []social.Item{{ID: "301"}}}}
	fresh, changed, err := s.stillNew(ctx, s.db.Primary(), planned)
	if err != nil || len(fresh) != 2 || len(changed) != 0 {
		t.Fatalf("nothing changed: %d fresh, %d changed, %v", len(fresh), len(changed), err)
	}
	if _, err := s.db.W().ExecContext(ctx, `UPDATE social_items SET status = 'dismissed' WHERE tweet_id = '301'`); err != nil {
		t.Fatal(err)
	}
	fresh, changed, err = s.stillNew(ctx, s.db.Primary(), planned)
	if err != nil || len(fresh) != 1 || fresh[0].conv != "300" || len(changed) != 1 || changed[0].conv != "301" {
		t.Fatalf("after triage: %d fresh, %d changed, %v", len(fresh), len(changed), err)
	}
}
