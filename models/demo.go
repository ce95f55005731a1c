package models

import (
	"context"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/tweets"
)

// Demo content types; the content itself is in demo_content.go.
type demoCategory struct {
	Slug, Name, Description string
}

type demoAnswer struct {
	Author     string
	Body       string   // Markdown
	HoursAfter float64  // after the question was asked
	Helpful    []string // usernames who voted it helpful
	Accepted   bool
}

type demoQuestion struct {
	Author   string
	Category string // a demoCategory slug, or "general"
	Title    string
	Body     string // Markdown
	Tags     string // comma-separated
	HoursAgo float64
	Answers  []demoAnswer
}

// demoMention is a post from X waiting in the triage inbox.
type demoMention struct {
	Handle, Text string
	MinutesAgo   int
}

type demoSet struct {
	Categories []demoCategory
	Users      []string // usernames; every author and voter is listed here
	Questions  []demoQuestion
	Mentions   []demoMention
	// Incident is an open incident's banner, pointing at the question with this title.
	Incident struct{ Category, ThreadTitle, Message string }
}

// DemoLogin is an account the demo content creates, printed at start-up.
type DemoLogin struct {
	Username, Password string
	Role               Role
}

// DemoPassword is the password of every demo account.
const DemoPassword = "demo-password"

// SeedDemo fills an empty forum with demo content and returns logins to try.
// It does nothing (and returns no logins) when any thread exists already.
func (s *Store) SeedDemo(ctx context.Context) ([]DemoLogin, error) {
	var threads int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM threads`).Scan(&threads); err != nil {
		return nil, fmt.Errorf("count threads: %w", err)
	}
	if threads > 0 {
		return nil, nil
	}
	set := demoContent()
	for i, c := range set.Categories {
		if _, err := s.CreateCategory(ctx, NewCategory{Slug: c.Slug, Name: c.Name, Description: c.Description, Position: i}); err != nil {
			return nil, fmt.Errorf("demo category %s: %w", c.Slug, err)
		}
	}
	users := map[string]*User{}
	for _, name := range append([]string{"demo", "admin"}, set.Users...) {
		role := RoleMember
		if name == "admin" {
			role = RoleAdmin
		}
		u, err := s.CreateUser(ctx, NewUser{Username: name, Email: name + "@demo.invalid", Password: DemoPassword, Role: role})
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", name, err)
		}
		users[name] = u
	}
	who := func(name string) (*User, error) {
		if u, ok := users[name]; ok {
			return u, nil
		}
		return nil, fmt.Errorf("demo content names unknown user %q", name)
	}
	now := s.now()
	threadIDs := map[string]int64{}
	for _, q := range set.Questions {
		author, err := who(q.Author)
		if err != nil {
			return nil, err
		}
		t, err := s.createThread(ctx, author, NewThread{Title: q.Title, CategorySlug: q.Category, Body: q.Body, Tags: q.Tags}, true)
		if err != nil {
			return nil, fmt.Errorf("demo question %q: %w", q.Title, err)
		}
		asked := now.Add(-time.Duration(q.HoursAgo * float64(time.Hour)))
		last := asked
		if err := s.backdate(ctx, `UPDATE posts SET created_at = ? WHERE id = ?`, asked, t.QuestionID); err != nil {
			return nil, err
		}
		for _, a := range q.Answers {
			au, err := who(a.Author)
			if err != nil {
				return nil, err
			}
			p, err := s.createAnswer(ctx, au, t.ID, a.Body, "", true)
			if err != nil {
				return nil, fmt.Errorf("demo answer on %q: %w", q.Title, err)
			}
			at := asked.Add(time.Duration(a.HoursAfter * float64(time.Hour)))
			if at.After(last) {
				last = at
			}
			if err := s.backdate(ctx, `UPDATE posts SET created_at = ? WHERE id = ?`, at, p.ID); err != nil {
				return nil, err
			}
			for _, v := range a.Helpful {
				voter, err := who(v)
				if err != nil {
					return nil, err
				}
				if err := s.vote(ctx, voter, p.ID, false, true); err != nil {
					return nil, fmt.Errorf("demo vote: %w", err)
				}
			}
			if a.Accepted {
				if _, err := s.accept(ctx, author, p.ID, false, true); err != nil {
					return nil, fmt.Errorf("demo accept: %w", err)
				}
			}
		}
		// The insights read when a question was first answered and accepted:
		// the backdated answers' times, acceptance an hour after the answer.
		if _, err := s.w.ExecContext(ctx, `UPDATE threads SET created_at = ?1, last_activity_at = ?2,
			first_answer_at = (SELECT MIN(p.created_at) FROM posts p WHERE p.thread_id = ?3 AND p.is_question = 0 AND p.author_id != threads.author_id),
			accepted_at = (SELECT MIN(p.created_at + 3600, ?4) FROM posts p WHERE p.id = threads.accepted_id)
			WHERE id = ?3`, asked.Unix(), last.Unix(), t.ID, now.Unix()); err != nil {
			return nil, fmt.Errorf("backdate thread: %w", err)
		}
		threadIDs[q.Title] = t.ID
	}
	if err := s.seedDemoSocial(ctx, users["admin"], set, threadIDs); err != nil {
		return nil, err
	}
	if err := s.seedDemoSelfService(ctx); err != nil {
		return nil, err
	}
	if err := s.skipDemoEmails(ctx); err != nil {
		return nil, err
	}
	return []DemoLogin{
		{Username: "demo", Password: DemoPassword, Role: RoleMember},
		{Username: "admin", Password: DemoPassword, Role: RoleAdmin},
	}, nil
}

func (s *Store) backdate(ctx context.Context, q string, at time.Time, id int64) error {
	if _, err := s.w.ExecContext(ctx, q, at.Unix(), id); err != nil {
		return fmt.Errorf("backdate: %w", err)
	}
	return nil
}

// seedDemoSocial puts the demo's posts from X in the triage inbox and opens
// its incident, so the inbox, the early warning and the banner have
// something to show.
func (s *Store) seedDemoSocial(ctx context.Context, admin *User, set demoSet, threadIDs map[string]int64) error {
	if _, err := s.CreateSocialRule(ctx, admin, NewSocialRule{Name: "Outages", Keywords: "outage, broadband down, no internet"}); err != nil {
		return fmt.Errorf("demo rule: %w", err)
	}
	im, err := s.NewImporter(ctx, ImportOptions{BrandHandles: []string{"NorthwindHelp"}, Triage: true, Actor: admin, Source: "demo",
		Files: []string{"the demo's sample posts"}})
	if err != nil {
		return err
	}
	now := s.now()
	for i, m := range set.Mentions {
		t := tweets.Tweet{ID: fmt.Sprint(1864000000000000000 + i), AuthorHandle: m.Handle, Text: m.Text, Lang: "en",
			CreatedAt: now.Add(-time.Duration(m.MinutesAgo) * time.Minute)}
		if err := im.Add(ctx, t); err != nil {
			im.Abandon()
			return fmt.Errorf("demo mention: %w", err)
		}
	}
	if _, err := im.Finish(ctx); err != nil {
		return fmt.Errorf("demo mentions: %w", err)
	}
	cat, err := s.CategoryBySlug(ctx, set.Incident.Category)
	if err != nil {
		return fmt.Errorf("demo incident category: %w", err)
	}
	if _, err := s.OpenIncident(ctx, admin, NewIncident{CategoryID: cat.ID, ThreadID: threadIDs[set.Incident.ThreadTitle],
		Message: set.Incident.Message, Term: "outage"}); err != nil {
		return fmt.Errorf("demo incident: %w", err)
	}
	return nil
}
