package models

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/internal/dbtest"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// The forum's writes under concurrent requests: every count must come out
// exact on both engines. On SQLite one writer takes them in turn; on
// PostgreSQL they run at once, on one store (one app server) and on two
// stores on the same database (two app servers).

// forumServers opens the stores that stand for a forum's app servers: one on
// SQLite, two on PostgreSQL, on one fresh database.
func forumServers(t *testing.T) []*Store {
	t.Helper()
	loc := testdb.Location(t, "servers.db")
	n := 1
	if testdb.Postgres() {
		n = 2
	}
	var out []*Store
	for i := 0; i < n; i++ {
		// 8 connections each: enough to run the requests at once, few
		// enough for a PostgreSQL server that other suites share.
		s, err := Open(context.Background(), loc, Options{PasswordCost: bcrypt.MinCost, MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out = append(out, s)
	}
	return out
}

// users makes n accounts named prefix1..prefixN with the role.
func forumUsers(t *testing.T, s *Store, prefix string, n int, role Role) []*User {
	t.Helper()
	out := make([]*User, n)
	for i := range out {
		out[i] = userWithRole(t, s, fmt.Sprintf("%s%d", prefix, i+1), role)
	}
	return out
}

func scalarInt(t *testing.T, s *Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.Primary().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// reputationInStep checks that every account's reputation is the sum of
// its reputation events (never below zero), and its private reputation the
// sum of those earned in private categories.
func reputationInStep(t *testing.T, s *Store) {
	t.Helper()
	rows, err := s.db.Primary().QueryContext(context.Background(), `SELECT u.id, u.reputation, u.private_reputation,
		(SELECT COALESCE(SUM(e.points), 0) FROM reputation_events e WHERE e.user_id = u.id),
		(SELECT COALESCE(SUM(e.points), 0) FROM reputation_events e JOIN posts p ON p.id = e.post_id
			JOIN threads t ON t.id = p.thread_id JOIN categories c ON c.id = t.category_id
			WHERE e.user_id = u.id AND c.group_name != '')
		FROM users u ORDER BY u.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, rep, private, events, privateEvents int
		if err := rows.Scan(&id, &rep, &private, &events, &privateEvents); err != nil {
			t.Fatal(err)
		}
		if rep != max(0, events) || private != max(0, privateEvents) {
			t.Errorf("user %d: reputation %d (private %d), its events add up to %d (private %d)", id, rep, private, events, privateEvents)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentHelpfulVotesAllCount(t *testing.T) {
	servers, _, author, _, a := answeredThread(t, "Move the router away from the microwave oven.")
	s := servers[0]
	ctx := context.Background()
	// Superusers have standing: each vote gives the author points.
	voters := forumUsers(t, s, "voter", 40, RoleSuperuser)
	concurrently(t, len(voters), func(i int) error {
		return servers[i%len(servers)].Vote(ctx, voters[i], a.ID, false)
	})
	if n := scalarInt(t, s, `SELECT helpful_count FROM posts WHERE id = ?`, a.ID); n != 40 {
		t.Errorf("helpful_count %d after 40 votes at once, want 40", n)
	}
	if n := scalarInt(t, s, `SELECT COUNT(*) FROM votes WHERE post_id = ?`, a.ID); n != 40 {
		t.Errorf("%d vote rows, want 40", n)
	}
	if got := reload(t, s, author); got.Reputation != 40*PointsHelpfulAnswer || got.Role != RoleSuperuser {
		t.Errorf("author has %d points as %s, want %d as superuser", got.Reputation, got.Role, 40*PointsHelpfulAnswer)
	}
	// Promoted once, whichever vote crossed the threshold.
	if n := scalarInt(t, s, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?`, author.ID, NotifyPromotion); n != 1 {
		t.Errorf("%d promotion notifications, want 1", n)
	}
	reputationInStep(t, s)
}

func TestConcurrentVotesAndUndoesStayInStep(t *testing.T) {
	servers, _, author, _, a := answeredThread(t, "Move the router away from the microwave oven.")
	s := servers[0]
	ctx := context.Background()
	voters := forumUsers(t, s, "voter", 12, RoleSuperuser)
	// Each voter clicks twice at once, takes the vote back twice at once,
	// and, for the even ones, votes once more: double clicks count once.
	const clicks = 2
	concurrently(t, len(voters)*clicks, func(i int) error {
		v := voters[i/clicks]
		srv := servers[i%len(servers)]
		for _, undo := range []bool{false, true} {
			if err := srv.Vote(ctx, v, a.ID, undo); err != nil {
				return err
			}
		}
		if (i/clicks)%2 == 0 {
			return srv.Vote(ctx, v, a.ID, false)
		}
		return nil
	})
	want := len(voters) / 2
	if n := scalarInt(t, s, `SELECT helpful_count FROM posts WHERE id = ?`, a.ID); n != want {
		t.Errorf("helpful_count %d, want %d", n, want)
	}
	if n := scalarInt(t, s, `SELECT COUNT(*) FROM votes WHERE post_id = ?`, a.ID); n != want {
		t.Errorf("%d vote rows, want %d", n, want)
	}
	if got := reload(t, s, author); got.Reputation != want*PointsHelpfulAnswer {
		t.Errorf("author has %d points, want %d", got.Reputation, want*PointsHelpfulAnswer)
	}
	if n := scalarInt(t, s, `SELECT COUNT(*) FROM reputation_events WHERE user_id = ?`, author.ID); n != want {
		t.Errorf("%d reputation events, want %d", n, want)
	}
	reputationInStep(t, s)
}

func TestConcurrentAcceptancesLeaveOneAnswerAndOneArticle(t *testing.T) {
	servers := forumServers(t)
	s := servers[0]
	ctx := context.Background()
	asker := userWithRole(t, s, "asker", RoleSuperuser)
	mod := userWithRole(t, s, "mod", RoleModerator)
	authors := forumUsers(t, s, "author", 4, RoleMember)
	for round := 0; round < 3; round++ {
		th := mustThread(t, s, asker, fmt.Sprintf("Router drops the connection, evening %d", round+1))
		var answers []*Post
		for i, au := range authors {
			p, err := s.CreateAnswer(ctx, au, th.ID, fmt.Sprintf("Answer %d: move the router away from the oven.", i+1))
			if err != nil {
				t.Fatal(err)
			}
			answers = append(answers, p)
		}
		// The asker and a moderator accept different answers at the same moment, twice each.
		concurrently(t, 2*len(answers), func(i int) error {
			actor := asker
			if i%2 == 1 {
				actor = mod
			}
			_, err := servers[i%len(servers)].Accept(ctx, actor, answers[i/2].ID, false)
			return err
		})
		got, err := s.Thread(ctx, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		var accepted *Post
		for _, p := range answers {
			if p.ID == got.AcceptedID {
				accepted = p
			}
		}
		if accepted == nil {
			t.Fatalf("round %d: accepted %d, none of the answers", round, got.AcceptedID)
		}
		if n := scalarInt(t, s, `SELECT COUNT(*) FROM kb_articles WHERE thread_id = ?`, th.ID); n != 1 {
			t.Errorf("round %d: %d articles for the thread, want 1", round, n)
		}
		if n := scalarInt(t, s, `SELECT COUNT(*) FROM kb_articles WHERE thread_id = ? AND post_id = ?`, th.ID, accepted.ID); n != 1 {
			t.Errorf("round %d: the article is not from the accepted answer", round)
		}
		if id := scalarInt(t, s, `SELECT accepted_author_id FROM threads WHERE id = ?`, th.ID); int64(id) != accepted.Author.ID {
			t.Errorf("round %d: accepted_author_id %d, want %d", round, id, accepted.Author.ID)
		}
		// Points for the accepted answer only, given once.
		for _, p := range answers {
			want := 0
			if p == accepted {
				want = 1
			}
			if n := scalarInt(t, s, `SELECT COUNT(*) FROM reputation_events WHERE post_id = ? AND reason = ?`, p.ID, repAccepted); n != want {
				t.Errorf("round %d: answer %d has %d acceptance points events, want %d", round, p.ID, n, want)
			}
		}
	}
	reputationInStep(t, s)
}

func TestConcurrentAnswersCountAndDateTheThread(t *testing.T) {
	servers := forumServers(t)
	s := servers[0]
	ctx := context.Background()
	asker := mustUser(t, s, "asker")
	th := mustThread(t, s, asker, "Router drops the connection every evening")
	repliers := forumUsers(t, s, "replier", 30, RoleSuperuser)
	concurrently(t, len(repliers), func(i int) error {
		_, err := servers[i%len(servers)].CreateAnswer(ctx, repliers[i], th.ID, fmt.Sprintf("Answer number %d: change the channel.", i+1))
		return err
	})
	got, err := s.Thread(ctx, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.AnswerCount != len(repliers) {
		t.Errorf("answer_count %d after %d answers at once", got.AnswerCount, len(repliers))
	}
	var last, first, newest, oldest int64
	if err := s.db.Primary().QueryRowContext(ctx, `SELECT t.last_activity_at, t.first_answer_at,
		(SELECT MAX(created_at) FROM posts WHERE thread_id = t.id), (SELECT MIN(created_at) FROM posts WHERE thread_id = t.id AND is_question = 0)
		FROM threads t WHERE t.id = ?`, th.ID).Scan(&last, &first, &newest, &oldest); err != nil {
		t.Fatal(err)
	}
	if last != newest || first != oldest {
		t.Errorf("last activity %d and first answer %d, the posts say %d and %d", last, first, newest, oldest)
	}
	// Everyone answering was told nothing of their own answer; the asker
	// of every one.
	if n := scalarInt(t, s, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?`, asker.ID, NotifyAnswer); n != len(repliers) {
		t.Errorf("asker told of %d answers, want %d", n, len(repliers))
	}
}

func TestConcurrentFlagsOpenOneFlagPerReporter(t *testing.T) {
	servers, _, _, _, a := answeredThread(t, "Buy followers at a discount on my website today.")
	s := servers[0]
	ctx := context.Background()
	reporters := forumUsers(t, s, "reporter", 5, RoleMember)
	const clicks = 6
	concurrently(t, len(reporters)*clicks, func(i int) error {
		return servers[i%len(servers)].FlagPost(ctx, reporters[i/clicks], a.ID, "spam", "")
	})
	if n := scalarInt(t, s, `SELECT COUNT(*) FROM flags WHERE post_id = ? AND status = 'open'`, a.ID); n != len(reporters) {
		t.Errorf("%d open flags, want one per reporter (%d)", n, len(reporters))
	}
	if n := scalarInt(t, s, `SELECT COUNT(DISTINCT reporter_id) FROM flags WHERE post_id = ?`, a.ID); n != len(reporters) {
		t.Errorf("flags from %d reporters, want %d", n, len(reporters))
	}
}

func TestConcurrentArticleVotesCountEveryVisitorOnce(t *testing.T) {
	servers, asker, _, th, a := answeredThread(t, "Move the router away from the microwave oven.")
	s := servers[0]
	ctx := context.Background()
	if _, err := s.Accept(ctx, asker, a.ID, false); err != nil {
		t.Fatal(err)
	}
	var article int64
	if err := s.db.Primary().QueryRowContext(ctx, `SELECT id FROM kb_articles WHERE thread_id = ?`, th.ID).Scan(&article); err != nil {
		t.Fatal(err)
	}
	// 30 visitors: a third say no; each sends the vote twice at once.
	concurrently(t, 60, func(i int) error {
		visitor := i / 2
		return servers[i%len(servers)].VoteArticle(ctx, article, fmt.Sprintf("visitor-%d", visitor), "", visitor%3 != 0)
	})
	var yes, no int
	if err := s.db.Primary().QueryRowContext(ctx, `SELECT helpful_yes, helpful_no FROM kb_articles WHERE id = ?`, article).Scan(&yes, &no); err != nil {
		t.Fatal(err)
	}
	if yes != 20 || no != 10 {
		t.Errorf("article counts %d yes and %d no, want 20 and 10", yes, no)
	}
	if n := scalarInt(t, s, `SELECT COUNT(*) FROM kb_votes WHERE article_id = ?`, article); n != 30 {
		t.Errorf("%d article votes stored, want 30", n)
	}
}

func TestConcurrentEventFlushesCountEveryEventOnce(t *testing.T) {
	servers := forumServers(t)
	ctx := context.Background()
	// Every server counts views while flushing, at once, into the same hour's rows.
	const perWorker, workers = 200, 8
	concurrently(t, workers, func(i int) error {
		srv := servers[i%len(servers)]
		for k := 0; k < perWorker; k++ {
			srv.Count(Event{Metric: MetricViewSolved}, Event{Metric: MetricSearchNone, Key: "router lights"})
			if k%25 == 24 {
				if err := srv.FlushEvents(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for _, srv := range servers {
		if err := srv.FlushEvents(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s := servers[0]
	check := func(when string) {
		t.Helper()
		for _, table := range []string{"insight_counts", "insight_daily"} {
			for _, m := range []string{MetricViewSolved, MetricSearchNone} {
				if n := scalarInt(t, s, `SELECT COALESCE(SUM(n), 0) FROM `+table+` WHERE metric = ?`, m); n != perWorker*workers {
					t.Errorf("%s: %s counts %d %s events, want %d", when, table, n, m, perWorker*workers)
				}
			}
		}
	}
	check("after the last flush")
	// Each server's buffer is empty: flushing again writes nothing twice.
	for _, srv := range servers {
		if err := srv.FlushEvents(ctx); err != nil {
			t.Fatal(err)
		}
	}
	check("after flushing again")
}

// answeredThread is a forum on forumServers with asker's thread and
// author's answer to it (body).
func answeredThread(t *testing.T, body string) (servers []*Store, asker, author *User, th *Thread, a *Post) {
	t.Helper()
	servers = forumServers(t)
	s := servers[0]
	asker, author = mustUser(t, s, "asker"), mustUser(t, s, "author")
	th = mustThread(t, s, asker, "Router drops the connection every evening")
	a, err := s.CreateAnswer(context.Background(), author, th.ID, body)
	if err != nil {
		t.Fatal(err)
	}
	return servers, asker, author, th, a
}

// TestConcurrentApprovalsDecideOnce: moderators approving (and rejecting)
// one queued answer at once over two servers: one decision is taken, the
// asker is told once, the audit log has one line; the others are told the
// post is no longer waiting.
func TestConcurrentApprovalsDecideOnce(t *testing.T) {
	servers := forumServers(t)
	s := servers[0]
	ctx := context.Background()
	asker, newbie := mustUser(t, s, "asker"), mustUser(t, s, "newbie")
	th := mustThread(t, s, asker, "Router reboots itself every night")
	a, err := s.CreateAnswer(ctx, newbie, th.ID, "See https://example.com/fix for the firmware fix.")
	if err != nil || !a.Pending {
		t.Fatalf("link post not queued: %+v %v", a, err)
	}
	mods := forumUsers(t, s, "mod", 4, RoleAmbassador)
	var decided, refused atomic.Int64
	concurrently(t, 2*len(mods), func(i int) error {
		err := servers[i%len(servers)].ApprovePost(ctx, mods[i/2], a.ID, i%2 == 0, "Not for this forum.")
		switch {
		case err == nil:
			decided.Add(1)
		case refusedAs(err, notallowed.NotPending):
			refused.Add(1)
		default:
			return err
		}
		return nil
	})
	if decided.Load() != 1 || refused.Load() != int64(2*len(mods)-1) {
		t.Fatalf("%d decisions, %d refusals, want 1 and %d", decided.Load(), refused.Load(), 2*len(mods)-1)
	}
	if n := scalarInt(t, s, `SELECT COUNT(*) FROM mod_log WHERE action IN ('approve_post', 'reject_post') AND target_id = ?`, a.ID); n != 1 {
		t.Errorf("%d audit lines, want 1", n)
	}
	if n := scalarInt(t, s, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?`, asker.ID, NotifyAnswer); n > 1 {
		t.Errorf("asker told %d times, want at most once", n)
	}
}

// TestConcurrentCategoriesOneAddress: admins creating one category at once
// over two servers: one is made, the others get the form's message for a
// taken address, not an error.
func TestConcurrentCategoriesOneAddress(t *testing.T) {
	servers := forumServers(t)
	var made, taken atomic.Int64
	concurrently(t, 8, func(i int) error {
		_, err := servers[i%len(servers)].CreateCategory(context.Background(), NewCategory{Name: "Mobile broadband"})
		switch {
		case err == nil:
			made.Add(1)
		case IsValidation(err):
			taken.Add(1)
		default:
			return err
		}
		return nil
	})
	if made.Load() != 1 || taken.Load() != 7 {
		t.Fatalf("%d made, %d refused as taken, want 1 and 7", made.Load(), taken.Load())
	}
}

// TestCheckConsistency (make scaletest's check): the posts asked about
// that are gone or were never there are missing, the others present; the
// vote counters agree with the votes.
func TestCheckConsistency(t *testing.T) {
	servers, _, author, th, a := answeredThread(t, "Move the router away from the microwave oven.")
	s := servers[0]
	ctx := context.Background()
	b, err := s.CreateAnswer(ctx, author, th.ID, "Or change the channel to 11.")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePost(ctx, author, b.ID); err != nil {
		t.Fatal(err)
	}
	c, err := s.CheckConsistency(ctx, []int64{th.QuestionID, a.ID, b.ID, 999999})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Missing) != fmt.Sprint([]int64{b.ID, 999999}) || c.VoteMismatches != 0 {
		t.Fatalf("consistency: %+v, want missing [%d 999999] and no vote mismatch", c, b.ID)
	}
}

// concurrently is dbtest.Concurrently.
func concurrently(t *testing.T, n int, fn func(i int) error) { dbtest.Concurrently(t, n, fn) }
