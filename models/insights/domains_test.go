package insights

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDomainsGiveRulesAndAddresses: what models hands down decides which
// threads count (the visibility rule), where the dashboard's threads,
// mentions and banners link (the address funcs) and which keywords are
// watched; the incidents' statements run in the caller's transaction.
// Rows are written straight into the tables (no forum here).
func TestDomainsGiveRulesAndAddresses(t *testing.T) {
	in, now := openInsights(t)
	ctx := context.Background()
	in.dom = Domains{
		VisibleThread: `t.deleted_at IS NULL AND t.question_id IS NOT NULL`,
		ThreadURL:     func(id int64, slug string) string { return fmt.Sprintf("/thread/%d/%s", id, slug) },
		TweetURL:      func(handle, id, format string) string { return "x:" + handle + "/" + id + "/" + format },
		WatchKeywords: func(ctx context.Context, categoryID int64) ([]string, error) { return []string{"Outage", "fibre"}, nil },
		ContainsWord:  strings.Contains,
	}
	w := in.db.W()
	var asker, general int64
	if err := w.QueryRowContext(ctx, `INSERT INTO users (username, email, password_hash, created_at) VALUES ('asker', 'asker@example.com', 'x', 0) RETURNING id`).Scan(&asker); err != nil {
		t.Fatal(err)
	}
	if err := w.QueryRowContext(ctx, `SELECT id FROM categories WHERE slug = 'general'`).Scan(&general); err != nil {
		t.Fatal(err)
	}
	t0 := *now
	thread := func(title, slug string, at time.Time, deleted bool) int64 {
		t.Helper()
		var del any
		if deleted {
			del = at.Unix()
		}
		var id, question int64
		if err := w.QueryRowContext(ctx, `INSERT INTO threads (category_id, author_id, title, slug, created_at, last_activity_at, deleted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, general, asker, title, slug, at.Unix(), at.Unix(), del).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := w.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, is_question, body_md, body_html, created_at)
			VALUES (?, ?, 1, 'It is down.', '<p>It is down.</p>', ?) RETURNING id`, id, asker, at.Unix()).Scan(&question); err != nil {
			t.Fatal(err)
		}
		if _, err := w.ExecContext(ctx, `UPDATE threads SET question_id = ? WHERE id = ?`, question, id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	var visible []int64
	for i := range 5 {
		visible = append(visible, thread(fmt.Sprintf("Outage in area %d", i), fmt.Sprintf("outage-%d", i), t0.Add(-time.Duration(10*(i+1))*time.Minute), false))
	}
	gone := thread("Outage reported twice", "outage-twice", t0.Add(-5*time.Minute), true)
	for i := range 3 {
		if _, err := w.ExecContext(ctx, `INSERT INTO social_items (tweet_id, conversation_id, author_handle, text, created_at, imported_at, source_format)
			VALUES (?, ?, ?, ?, ?, ?, 'archive')`, fmt.Sprint(500+i), fmt.Sprint(500+i), fmt.Sprintf("cust%d", i),
			"@brand outage again here", t0.Add(-time.Duration(i+1)*7*time.Minute).Unix(), t0.Unix()); err != nil {
			t.Fatal(err)
		}
	}

	ew, err := in.EarlyWarningFigures(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if ew.Questions.Recent != 5 {
		t.Errorf("questions in the window: %d, want 5 (the deleted one is not visible)", ew.Questions.Recent)
	}
	if len(ew.Keywords) != 2 || ew.Keywords[0].Label != "Outage" || ew.Keywords[0].Recent != 8 || ew.Keywords[1].Recent != 0 {
		t.Errorf("keywords: %+v", ew.Keywords)
	}
	if len(ew.Terms) == 0 || ew.Terms[0].Term != "outage" || len(ew.Terms[0].Threads) != 5 || len(ew.Terms[0].Mentions) != 3 {
		t.Fatalf("terms: %+v", ew.Terms)
	}
	for _, th := range ew.Terms[0].Threads {
		if want := fmt.Sprintf("/thread/%d/%s", th.ID, th.Slug); th.URL() != want {
			t.Errorf("thread %d links to %q, want %q", th.ID, th.URL(), want)
		}
	}
	for _, m := range ew.Terms[0].Mentions {
		if want := "x:" + m.Handle + "/" + m.TweetID + "/archive"; m.URL() != want {
			t.Errorf("mention %s links to %q, want %q", m.TweetID, m.URL(), want)
		}
	}

	open, total, err := in.Unanswered(ctx, 0, "", 10)
	if err != nil || total != 5 || len(open) != 5 {
		t.Fatalf("unanswered: %d %+v %v", total, open, err)
	}
	if open[0].ID != visible[4] || open[0].URL() != fmt.Sprintf("/thread/%d/outage-4", visible[4]) {
		t.Errorf("oldest unanswered: %d %q", open[0].ID, open[0].URL())
	}

	// Incidents: the canonical thread must be visible; the statements run
	// in the caller's transaction.
	for _, c := range []struct {
		id   int64
		fits bool
	}{{visible[0], true}, {gone, false}, {999999, false}} {
		if ok, err := in.IncidentThreadFits(ctx, c.id, general); err != nil || ok != c.fits {
			t.Errorf("thread %d fits: %v %v, want %v", c.id, ok, err, c.fits)
		}
	}
	*now = t0.Add(time.Minute)
	var id int64
	n := NewIncident{CategoryID: general, ThreadID: visible[0], Message: "  Known outage.  ", Term: " " + strings.Repeat("é", 70)}.Tidied()
	if n.Message != "Known outage." || n.Term != strings.Repeat("é", maxIncidentTerm) {
		t.Errorf("tidied: %q %q", n.Message, n.Term)
	}
	if err := in.db.InTx(ctx, func(tx *sql.Tx) (err error) {
		id, err = in.InsertIncident(ctx, tx, n, asker)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	list, err := in.OpenIncidentsWhere(ctx, 0, "", nil)
	if err != nil || len(list) != 1 {
		t.Fatalf("open incidents: %+v %v", list, err)
	}
	if i := list[0]; i.ID != id || i.OpenedBy != "asker" || !i.OpenedAt.Equal(t0.Add(time.Minute)) || i.Category != "General" ||
		i.ThreadURL() != fmt.Sprintf("/thread/%d/outage-0", visible[0]) {
		t.Errorf("incident: %+v, links to %q", i, i.ThreadURL())
	}
	if list, _ := in.OpenIncidentsWhere(ctx, 0, ` AND t.id != ?`, []any{visible[0]}); len(list) != 0 {
		t.Errorf("the caller's condition kept %d", len(list))
	}
	for _, want := range []bool{true, false} { // closed once only
		var threadID int64
		var message string
		var found bool
		if err := in.db.InTx(ctx, func(tx *sql.Tx) (err error) {
			threadID, message, found, err = in.EndIncident(ctx, tx, id, asker)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if found != want || want && (threadID != visible[0] || message != "Known outage.") {
			t.Errorf("closing: %d %q %v, want found %v", threadID, message, found, want)
		}
	}
	if list, _ := in.OpenIncidentsWhere(ctx, 0, "", nil); len(list) != 0 {
		t.Errorf("still open: %+v", list)
	}
}
