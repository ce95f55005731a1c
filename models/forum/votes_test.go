package forum_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/policy"
	"github.com/crowdcare/crowdcare/models/social"
)

// TestPaging: a page is clamped to its list; a list counted up to its
// limit pages through MaxListPage at most and says there is more; a page
// past MaxListPage is refused.
func TestPaging(t *testing.T) {
	if p := forum.PageOf(9, 45, 20); p.Page != 3 || p.Pages != 3 || p.HasNext() || !p.HasPrev() || p.Prev() != 2 {
		t.Errorf("page 9 of 45 rows: %+v", p)
	}
	if p := forum.PageOf(0, 0, 20); p.Page != 1 || p.Pages != 1 {
		t.Errorf("an empty list: %+v", p)
	}
	p := forum.ListPaging(forum.MaxListPage, forum.ListCountLimit+1, forum.ThreadsPerPage)
	if p.Pages != forum.MaxListPage || p.Page != forum.MaxListPage || !p.More || p.Total != forum.ListCountLimit {
		t.Errorf("a list past its count limit: %+v", p)
	}
	if err := forum.CheckListPage(forum.MaxListPage + 1); !errors.Is(err, forum.ErrPageTooDeep) || !errors.Is(err, models.ErrPageTooDeep) {
		t.Errorf("a page too deep: %v", err)
	}
	if err := forum.CheckListPage(forum.MaxListPage); err != nil {
		t.Errorf("the last page: %v", err)
	}
}

// TestVoteIsOneTransactionWithItsPoints: the forum over the database alone,
// with the points handed to a stand-in for the accounts: a vote counts
// once and gives the points once, an undo takes them back, and when the
// points cannot be given the vote is not counted either (one transaction,
// on either engine). A voter the policy refuses never reaches the write.
func TestVoteIsOneTransactionWithItsPoints(t *testing.T) {
	s, loc := open(t)
	ctx := context.Background()
	asker, helper, voter := user(t, s, "asker", models.RoleMember), user(t, s, "helper", models.RoleMember), user(t, s, "voter", models.RoleMember)
	th, err := s.CreateThread(ctx, asker, models.NewThread{Title: "The router reboots every night", CategorySlug: "general",
		Body: "It restarts at three each morning."})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAnswer(ctx, helper, th.ID, "Turn the maintenance window off.")
	if err != nil {
		t.Fatal(err)
	}

	raw := testdb.Raw(t, loc)
	engine := db.SQLite
	if testdb.Postgres() {
		engine = db.Postgres
	}
	type given struct {
		author, voter, post int64
		points              int
	}
	var gave []given
	var failPoints, refuse, gone bool
	notFound := errors.New("not found")
	f := forum.New(db.New(engine, raw, raw, nil, 5*time.Second, db.Hooks{}), forum.Deps{
		Now: time.Now, Version: func() uint64 { return 0 }, NotFound: notFound, ThreadSource: social.ThreadSource,
		Votes: forum.Votes{
			Decide: func(a policy.Action, u *accounts.User, p *forum.Post, t *forum.Thread) error {
				if refuse {
					return errors.New("refused")
				}
				return nil
			},
			Suspended: func(*accounts.User) error { return nil },
			StillMay: func(context.Context, *sql.Tx, *accounts.User) error {
				if gone {
					return errors.New("suspended since the request read the voter")
				}
				return nil
			},
			Points: func(_ context.Context, _ *accounts.User, question, _ bool) (int, error) {
				if question {
					return 1, nil
				}
				return 3, nil
			},
			AddReputation: func(_ context.Context, tx *sql.Tx, author, voter, post int64, points int) error {
				if failPoints {
					return errors.New("reputation unavailable")
				}
				gave = append(gave, given{author, voter, post, points})
				return nil
			},
		},
	})
	count := func() int {
		t.Helper()
		p, err := f.Post(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return p.HelpfulCount
	}
	for range 2 {
		if err := f.Vote(ctx, voter, a.ID, false, false); err != nil {
			t.Fatal(err)
		}
	}
	if count() != 1 || len(gave) != 1 || gave[0] != (given{helper.ID, voter.ID, a.ID, 3}) {
		t.Fatalf("voted twice: count %d, points given %+v; want 1 and one +3 to the helper", count(), gave)
	}
	if err := f.Vote(ctx, voter, a.ID, true, false); err != nil {
		t.Fatal(err)
	}
	if count() != 0 || len(gave) != 2 || gave[1].points != -3 {
		t.Fatalf("undone: count %d, points %+v; want 0 and -3 taken back", count(), gave)
	}
	failPoints = true
	if err := f.Vote(ctx, voter, a.ID, false, false); err == nil {
		t.Fatal("a vote whose points failed was accepted")
	}
	if count() != 0 {
		t.Fatalf("a vote counted without its points: count %d", count())
	}
	failPoints, gone = false, true
	if err := f.Vote(ctx, voter, a.ID, false, false); err == nil || count() != 0 || len(gave) != 2 {
		t.Fatalf("a vote by a voter suspended meanwhile: %v, count %d, points %+v", err, count(), gave)
	}
	gone, refuse = false, true
	if err := f.Vote(ctx, voter, a.ID, false, false); err == nil || count() != 0 {
		t.Fatalf("a refused vote: %v, count %d", err, count())
	}
	if err := f.Vote(ctx, voter, 999999, false, false); !errors.Is(err, notFound) {
		t.Fatalf("a vote on no post: %v, want the store's not-found", err)
	}
}
