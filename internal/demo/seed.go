package demo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/crowdcare/crowdcare/internal/bench"
	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/tweets"
)

// Password is every demo account's password.
const Password = "demo-password"

// Login is an account to try the demo with, printed at start-up.
type Login struct {
	Username, Password string
	Role               models.Role
	// Try is what to look at with it.
	Try string
}

// Logins are the accounts `make run` prints, one per role worth a tour.
func Logins() []Login {
	return []Login{
		{"demo", Password, models.RoleMember, "ask, answer, vote; notifications waiting"},
		{"netwiz42", Password, models.RoleSuperuser, "the flag queue"},
		{"sophie.northwind", Password, models.RoleAmbassador, "official answers, the social inbox, insights"},
		{"admin", Password, models.RoleAdmin, "site settings, roles, the audit log"},
	}
}

// BrandHandle is Northwind's support account on X.
const BrandHandle = "NorthwindHelp"

// Seed fills an empty forum with the Northwind demo and returns the logins
// to try; it does nothing (and returns none) when any thread exists.
// Everything happens at its time relative to the store's clock now: the
// accounts join, then ask, answer, vote, accept, flag and curate in the
// order they did. Seed before serving: while it writes, the store's clock
// is the demo's.
func Seed(ctx context.Context, store *models.Store) ([]Login, error) {
	sd := store.NewSeeder()
	defer sd.Close()
	empty, err := sd.Empty(ctx)
	if err != nil || !empty {
		return nil, err
	}
	p := &plan{set: northwind(), store: store, sd: sd, now: store.Now(),
		users: map[string]*models.User{}, threads: map[string]*models.Thread{}, answers: map[string]*models.Post{}}
	if err := p.build(); err != nil {
		return nil, err
	}
	if err := p.run(ctx); err != nil {
		return nil, err
	}
	return Logins(), nil
}

// plan is the demo as events in time order.
type plan struct {
	set     Set
	store   *models.Store
	sd      *models.Seeder
	now     time.Time
	events  []event
	users   map[string]*models.User
	threads map[string]*models.Thread // by title
	answers map[string]*models.Post   // by answerKey
	tweets  int64                     // posts from X numbered so far
}

type event struct {
	at   time.Time
	what string
	do   func(ctx context.Context) error
}

func answerKey(title string, i int) string { return fmt.Sprintf("%s#%d", title, i) }

func (p *plan) ago(d time.Duration) time.Time { return p.now.Add(-d) }

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// soon is after plus d, or half way from after to now when that is sooner:
// what follows a recent post still happened in the past.
func (p *plan) soon(after time.Time, d time.Duration) time.Time {
	if at := after.Add(d); at.Before(p.now.Add(-time.Minute)) {
		return at
	}
	return after.Add(p.now.Sub(after) / 2)
}

func (p *plan) add(at time.Time, what string, do func(ctx context.Context) error) {
	p.events = append(p.events, event{at: at, what: what, do: do})
}

// user is a demo account by name; a name the content does not list is a bug.
func (p *plan) user(name string) (*models.User, error) {
	if u, ok := p.users[name]; ok {
		return u, nil
	}
	return nil, fmt.Errorf("demo content: %q has not joined yet (or is not a demo account)", name)
}

// run replays the events in time order, each at its time.
func (p *plan) run(ctx context.Context) error {
	sort.SliceStable(p.events, func(i, j int) bool { return p.events[i].at.Before(p.events[j].at) })
	for _, e := range p.events {
		if !e.at.Before(p.now) {
			return fmt.Errorf("demo content: %s is not in the past (%s)", e.what, e.at.Sub(p.now))
		}
		p.sd.At(e.at)
		if err := e.do(ctx); err != nil {
			return fmt.Errorf("demo: %s: %w", e.what, err)
		}
	}
	p.sd.At(p.now.Add(-time.Second))
	return p.finish(ctx)
}

// build turns the content into events.
func (p *plan) build() error {
	set := p.set
	var admin Person
	for _, who := range set.People {
		if who.Role == models.RoleAdmin {
			admin = who
		}
	}
	if admin.Username == "" {
		return fmt.Errorf("demo content: no admin")
	}
	// The forum opens: the admin's account, the categories, the branding.
	p.add(p.ago(hours(admin.JoinedDaysAgo*24)), "the forum opens", func(ctx context.Context) error {
		u, err := p.sd.CreateUser(ctx, models.NewUser{Username: admin.Username, Email: admin.Username + "@northwind.example",
			Password: Password, Role: models.RoleAdmin})
		if err != nil {
			return err
		}
		p.users[admin.Username] = u
		for i, c := range set.Categories {
			if _, err := p.store.CreateCategory(ctx, models.NewCategory{Slug: c.Slug, Name: c.Name, Description: c.Description, Position: i}); err != nil {
				return fmt.Errorf("category %s: %w", c.Slug, err)
			}
		}
		return ApplyBranding(ctx, p.store, u)
	})
	for _, who := range set.People {
		if who.Role == models.RoleAdmin {
			continue
		}
		p.person(who)
	}
	for _, q := range set.Questions {
		if err := p.question(q); err != nil {
			return err
		}
	}
	for _, c := range set.FromX {
		p.conversation(c)
	}
	p.mentions()
	// The demo member has read all but the last day's notifications.
	p.add(p.ago(26*time.Hour), "demo reads the notifications", func(ctx context.Context) error {
		u, err := p.user("demo")
		if err != nil {
			return err
		}
		return p.store.MarkRead(ctx, u.ID, 0)
	})
	in := set.Incident
	p.add(p.ago(hours(in.HoursAgo)), "the incident opens", func(ctx context.Context) error {
		who, err := p.user(in.OpenedBy)
		if err != nil {
			return err
		}
		cat, err := p.store.CategoryBySlug(ctx, in.Category)
		if err != nil {
			return err
		}
		t, ok := p.threads[in.ThreadTitle]
		if !ok {
			return fmt.Errorf("no question %q yet", in.ThreadTitle)
		}
		_, err = p.store.OpenIncident(ctx, who, models.NewIncident{CategoryID: cat.ID, ThreadID: t.ID, Message: in.Message, Term: in.Term})
		return err
	})
	return nil
}

// person joins, and becomes an ambassador or superuser when the content says so.
func (p *plan) person(who Person) {
	joined := p.ago(hours(who.JoinedDaysAgo * 24))
	p.add(joined, who.Username+" joins", func(ctx context.Context) error {
		role := who.Role
		if role == "" {
			role = models.RoleMember
		}
		u, err := p.sd.CreateUser(ctx, models.NewUser{Username: who.Username, Email: who.Username + "@demo.invalid", Password: Password, Role: role})
		if err != nil {
			return err
		}
		p.users[who.Username] = u
		return nil
	})
	if who.WorkEmail != "" {
		p.add(joined.Add(24*time.Hour), who.Username+" verifies a work address", func(ctx context.Context) error {
			u, err := p.user(who.Username)
			if err != nil {
				return err
			}
			token, err := p.store.RequestAmbassador(ctx, u, who.WorkEmail, func(string) (string, string) {
				return "Confirm your work address", "(demo: confirmed at once)"
			})
			if err != nil {
				return err
			}
			if err := p.store.VerifyAmbassador(ctx, u, token); err != nil {
				return err
			}
			return p.reload(ctx, who.Username)
		})
	}
	if who.SuperuserDaysAgo > 0 {
		p.add(p.ago(hours(who.SuperuserDaysAgo*24)), who.Username+" becomes a superuser", func(ctx context.Context) error {
			u, err := p.user(who.Username)
			if err != nil {
				return err
			}
			if err := p.store.SetUserRole(ctx, p.users["admin"], u.ID, models.RoleSuperuser,
				"Years of accurate, friendly answers in Broadband & Wi-Fi."); err != nil {
				return err
			}
			return p.reload(ctx, who.Username)
		})
	}
}

// reload reads an account again after its role changed.
func (p *plan) reload(ctx context.Context, name string) error {
	u, err := p.store.UserByUsername(ctx, name)
	if err != nil {
		return err
	}
	p.users[name] = u
	return nil
}

// question is asked, answered, voted on, accepted, recommended, flagged and curated.
func (p *plan) question(q Question) error {
	asked := p.ago(hours(q.HoursAgo))
	p.add(asked, "“"+q.Title+"” is asked", func(ctx context.Context) error {
		author, err := p.user(q.Author)
		if err != nil {
			return err
		}
		t, err := p.sd.Ask(ctx, author, models.NewThread{Title: q.Title, CategorySlug: q.Category, Body: q.Body, Tags: q.Tags})
		if err != nil {
			return err
		}
		p.threads[q.Title] = t
		return nil
	})
	var accepted time.Time
	for i, a := range q.Answers {
		key := answerKey(q.Title, i)
		at := asked.Add(hours(a.HoursAfter))
		p.add(at, a.Author+" answers “"+q.Title+"”", func(ctx context.Context) error {
			author, err := p.user(a.Author)
			if err != nil {
				return err
			}
			t := p.threads[q.Title]
			var post *models.Post
			if a.Member {
				post, err = p.store.CreateAnswer(ctx, author, t.ID, a.Body)
			} else {
				post, err = p.sd.Answer(ctx, author, t.ID, a.Body)
			}
			if err != nil {
				return err
			}
			p.answers[key] = post
			return nil
		})
		// Helpful votes come in over the next day.
		for j, v := range a.Helpful {
			p.add(p.soon(at, time.Duration(j+1)*47*time.Minute), v+" finds an answer helpful", func(ctx context.Context) error {
				voter, err := p.user(v)
				if err != nil {
					return err
				}
				return p.sd.Vote(ctx, voter, p.answers[key].ID)
			})
		}
		if a.Accepted {
			accepted = p.soon(at, time.Hour)
			p.add(accepted, q.Author+" accepts an answer", func(ctx context.Context) error {
				asker, err := p.user(q.Author)
				if err != nil {
					return err
				}
				return p.sd.Accept(ctx, asker, p.answers[key].ID)
			})
		}
		if a.RecommendedBy != "" {
			p.add(p.soon(at, 2*time.Hour), a.RecommendedBy+" recommends an answer", func(ctx context.Context) error {
				amb, err := p.user(a.RecommendedBy)
				if err != nil {
					return err
				}
				return p.store.RecommendAnswer(ctx, amb, p.answers[key].ID, false)
			})
		}
		for _, f := range a.Flags {
			p.add(at.Add(hours(f.HoursAfter)), f.By+" flags an answer", func(ctx context.Context) error {
				by, err := p.user(f.By)
				if err != nil {
					return err
				}
				return p.store.FlagPost(ctx, by, p.answers[key].ID, f.Reason, f.Note)
			})
		}
	}
	if art := q.Article; art != nil {
		if accepted.IsZero() {
			return fmt.Errorf("demo content: “%s” has an article but no accepted answer", q.Title)
		}
		if art.CuratedBy != "" {
			p.add(accepted.Add(hours(art.CuratedHoursAfter)), art.CuratedBy+" curates “"+q.Title+"”", func(ctx context.Context) error {
				return p.onArticle(ctx, q.Title, art.CuratedBy, func(curator *models.User, id int64) error {
					return p.store.EditArticle(ctx, curator, id, models.ArticleEdit{Title: art.Title, Problem: art.Problem, Solution: art.Solution})
				})
			})
		}
		if art.OutdatedBy != "" {
			p.add(p.ago(hours(art.OutdatedHoursAgo)), art.OutdatedBy+" marks “"+q.Title+"” out of date", func(ctx context.Context) error {
				return p.onArticle(ctx, q.Title, art.OutdatedBy, func(curator *models.User, id int64) error {
					return p.store.SetArticleOutdated(ctx, curator, id, true, art.OutdatedNote)
				})
			})
		}
	}
	return nil
}

// onArticle runs fn as a curator on the KB article of the question with title.
func (p *plan) onArticle(ctx context.Context, title, curator string, fn func(*models.User, int64) error) error {
	who, err := p.user(curator)
	if err != nil {
		return err
	}
	t, ok := p.threads[title]
	if !ok {
		return fmt.Errorf("no question %q", title)
	}
	a, err := p.store.ArticleForThread(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("the article of %q: %w", title, err)
	}
	return fn(who, a.ID)
}

// tweetID is an id as X makes them (a "snowflake": milliseconds since X's
// epoch, then a sequence number), so ids grow with time as real ones do.
func (p *plan) tweetID(at time.Time) string {
	p.tweets++
	return fmt.Sprint((at.UnixMilli()-1288834974657)<<22 + p.tweets)
}

// conversation is imported from X as a thread a couple of minutes after its last post.
func (p *plan) conversation(c Conversation) {
	var list []tweets.Tweet
	last := time.Time{}
	for i, tw := range c.Tweets {
		at := p.ago(time.Duration(tw.MinutesAgo * float64(time.Minute))).Truncate(time.Second)
		t := tweets.Tweet{ID: p.tweetID(at), AuthorHandle: tw.Handle, Text: tw.Text, Lang: "en", CreatedAt: at.UTC()}
		if i > 0 {
			t.InReplyToID, t.InReplyToUser = list[i-1].ID, list[i-1].AuthorHandle
		}
		list = append(list, t)
		if at.After(last) {
			last = at
		}
	}
	p.add(p.soon(last, 2*time.Minute), "a conversation from X is imported", func(ctx context.Context) error {
		return p.importTweets(ctx, models.ImportOptions{Category: c.Category}, list)
	})
}

// mentions are imported to the triage inbox, with the watch rule that marks the outage.
func (p *plan) mentions() {
	var list []tweets.Tweet
	last := time.Time{}
	for _, m := range p.set.Mentions {
		at := p.ago(time.Duration(m.MinutesAgo) * time.Minute).Truncate(time.Second)
		list = append(list, tweets.Tweet{ID: p.tweetID(at), AuthorHandle: m.Handle, Text: m.Text, Lang: "en", CreatedAt: at.UTC()})
		if at.After(last) {
			last = at
		}
	}
	p.add(p.ago(30*24*time.Hour), "the outage watch rule is made", func(ctx context.Context) error {
		_, err := p.store.CreateSocialRule(ctx, p.users["admin"], models.NewSocialRule{Name: "Outages", Keywords: "outage, broadband down, no internet"})
		return err
	})
	p.add(p.soon(last, 3*time.Minute), "posts from X go to the inbox", func(ctx context.Context) error {
		return p.importTweets(ctx, models.ImportOptions{Triage: true}, list)
	})
}

func (p *plan) importTweets(ctx context.Context, o models.ImportOptions, list []tweets.Tweet) error {
	o.BrandHandles, o.Actor, o.Source, o.Files = []string{BrandHandle}, p.users["admin"], "demo", []string{"the demo's posts from X"}
	im, err := p.store.NewImporter(ctx, o)
	if err != nil {
		return err
	}
	for _, t := range list {
		if err := im.Add(ctx, t); err != nil {
			im.Abandon()
			return err
		}
	}
	_, err = im.Finish(ctx)
	return err
}

// finish adds what has no single moment: visitors rated the KB's
// articles, two weeks of searches feed the insights, and no notification
// is emailed.
func (p *plan) finish(ctx context.Context) error {
	list, err := p.store.Articles(ctx, models.ArticleQuery{PerPage: 50})
	if err != nil {
		return fmt.Errorf("demo articles: %w", err)
	}
	for i, a := range list.Articles {
		for v := 0; v < 3+(i*7)%9; v++ {
			if err := p.store.VoteArticle(ctx, a.ID, fmt.Sprintf("demo-visitor-%d-%d", i, v), "", (i+v)%7 != 0); err != nil {
				return fmt.Errorf("demo article vote: %w", err)
			}
		}
	}
	if err := selfServiceHistory(ctx, p.store, p.sd, 14, p.set.NoResult, 7); err != nil {
		return err
	}
	return p.sd.SkipEmails(ctx)
}

// CorpusSample is the demo's text and categories, for the benchmark
// corpus generators to imitate.
func CorpusSample() bench.CorpusSample {
	set := northwind()
	var out bench.CorpusSample
	for i, c := range set.Categories {
		out.Categories = append(out.Categories, models.NewCategory{Slug: c.Slug, Name: c.Name, Description: c.Description, Position: i})
	}
	for _, q := range set.Questions {
		out.Titles = append(out.Titles, q.Title)
		out.Bodies = append(out.Bodies, q.Body)
		for _, a := range q.Answers {
			out.Bodies = append(out.Bodies, a.Body)
		}
	}
	return out
}
