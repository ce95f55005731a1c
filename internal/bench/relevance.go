package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/internal/bench/relevance"
	"github.com/crowdcare/crowdcare/models"
)

// SeedRelevanceFixtures adds the relevance set's threads through the same
// code members use (a models.Seeder: no posting rules), so that each solved
// thread gets its KB article; the relevance set is these beside the demo
// content (internal/demo seeds it first). Fixture threads are spread over
// the last year, older first, each written at its own time.
func SeedRelevanceFixtures(ctx context.Context, s *models.Store) error {
	threads, err := relevance.Threads()
	if err != nil {
		return err
	}
	sd := s.NewSeeder()
	defer sd.Close()
	now := s.Now()
	var members []*models.User
	for i := range 6 {
		name := fmt.Sprintf("fixture%d", i)
		u, err := sd.CreateUser(ctx, models.NewUser{Username: name, Email: name + "@fixture.invalid", Password: Password})
		if err != nil {
			return fmt.Errorf("fixture user: %w", err)
		}
		members = append(members, u)
	}
	for i, rt := range threads {
		sd.At(now.Add(-time.Duration(len(threads)-i) * 36 * time.Hour))
		asker, helper := members[i%3], members[3+i%3]
		t, err := sd.Ask(ctx, asker, models.NewThread{Title: rt.Title, CategorySlug: rt.Category, Body: rt.Question, Tags: rt.Tags})
		if err != nil {
			return fmt.Errorf("fixture thread %q: %w", rt.Title, err)
		}
		for j, o := range rt.Others {
			if _, err := sd.Answer(ctx, members[3+(i+j+1)%3], t.ID, o); err != nil {
				return fmt.Errorf("fixture answer on %q: %w", rt.Title, err)
			}
		}
		if rt.Accepted != "" {
			p, err := sd.Answer(ctx, helper, t.ID, rt.Accepted)
			if err != nil {
				return fmt.Errorf("fixture answer on %q: %w", rt.Title, err)
			}
			if err := sd.Accept(ctx, asker, p.ID); err != nil {
				return fmt.Errorf("fixture accept on %q: %w", rt.Title, err)
			}
		}
	}
	return nil
}

// RelevanceReport is how well search found the expected questions.
type RelevanceReport struct {
	Queries int
	// Recall1 and Recall3 are the shares of queries whose question came
	// first, or among the first three; MRR is the mean of 1/rank (0 when
	// not in the first page).
	Recall1, Recall3, MRR float64
	// Duplicates counts queries that listed one question twice in their
	// first five results.
	Duplicates int
	Misses     []RelevanceMiss
}

// RelevanceMiss is a query whose question did not come first.
type RelevanceMiss struct {
	Query, Want string
	Rank        int      // 0: not on the first page
	Got         []string // the first three titles
}

// MeasureRelevance runs the relevance queries on s (filled by the demo and
// SeedRelevanceFixtures) and scores where the expected question ranked.
func MeasureRelevance(ctx context.Context, s *models.Store) (RelevanceReport, error) {
	var r RelevanceReport
	queries, err := relevance.Queries()
	if err != nil {
		return r, err
	}
	known := map[string]bool{}
	for page := 1; ; page++ {
		list, err := s.Threads(ctx, models.ThreadQuery{Page: page})
		if err != nil {
			return r, fmt.Errorf("list threads: %w", err)
		}
		for _, t := range list.Threads {
			known[t.Title] = true
		}
		if page >= list.Pages || page >= models.MaxListPage {
			break
		}
	}
	titles := map[int64]string{}
	title := func(id int64) (string, error) {
		if t, ok := titles[id]; ok {
			return t, nil
		}
		t, err := s.Thread(ctx, id)
		if err != nil {
			return "", err
		}
		titles[id] = t.Title
		return t.Title, nil
	}
	for _, q := range queries {
		if !known[q.Want] {
			return r, fmt.Errorf("relevance query %q expects %q, which is no question's title", q.Query, q.Want)
		}
		res, err := s.Search(ctx, models.SearchQuery{Text: q.Query})
		if err != nil {
			return r, err
		}
		rank := 0
		seen := map[int64]bool{}
		var got []string
		for i, h := range res.Hits {
			t, err := title(h.ThreadID)
			if err != nil {
				return r, err
			}
			if i < 5 {
				if seen[h.ThreadID] {
					r.Duplicates++
				}
				seen[h.ThreadID] = true
			}
			if i < 3 {
				got = append(got, t)
			}
			if rank == 0 && t == q.Want {
				rank = i + 1
			}
		}
		r.Queries++
		if rank == 1 {
			r.Recall1++
		}
		if rank >= 1 && rank <= 3 {
			r.Recall3++
		}
		if rank > 0 {
			r.MRR += 1 / float64(rank)
		}
		if rank != 1 {
			r.Misses = append(r.Misses, RelevanceMiss{Query: q.Query, Want: q.Want, Rank: rank, Got: got})
		}
	}
	if r.Queries > 0 {
		n := float64(r.Queries)
		r.Recall1, r.Recall3, r.MRR = r.Recall1/n, r.Recall3/n, r.MRR/n
	}
	return r, nil
}
