package models

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// The relevance set: realistic support threads with overlapping vocabulary
// (searchdata/threads*.txt) beside the demo content, and queries written
// the way customers phrase them, each with the question that answers it
// (searchdata/queries.txt). MeasureRelevance scores the ranking on them; a
// test keeps the figures from falling and `crowdcare bench search` prints
// them.
//
//go:embed searchdata/*.txt
var relevanceFiles embed.FS

// relevanceThread is one fixture thread.
type relevanceThread struct {
	Category, Tags, Title, Question, Accepted string
	Others                                    []string
}

// RelevanceQuery is a query and the title of the question it should find.
type RelevanceQuery struct {
	Query, Want string
}

func readRelevance(pattern string, fn func(line string) error) error {
	names, err := fs.Glob(relevanceFiles, "searchdata/"+pattern)
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := relevanceFiles.ReadFile(name)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "#") {
				continue
			}
			if err := fn(strings.TrimSpace(line)); err != nil {
				return fmt.Errorf("%s:%d: %w", name, i+1, err)
			}
		}
	}
	return nil
}

// relevanceThreads parses the fixture threads: blocks of "X: text" lines
// separated by blank lines (C category, G tags, T title, Q question, A the
// accepted answer, O another answer).
func relevanceThreads() ([]relevanceThread, error) {
	var out []relevanceThread
	var cur *relevanceThread
	err := readRelevance("threads*.txt", func(line string) error {
		if line == "" {
			cur = nil
			return nil
		}
		if cur == nil {
			out = append(out, relevanceThread{})
			cur = &out[len(out)-1]
		}
		key, text, ok := strings.Cut(line, ": ")
		if !ok {
			return fmt.Errorf("not a field: %q", line)
		}
		switch key {
		case "C":
			cur.Category = text
		case "G":
			cur.Tags = text
		case "T":
			cur.Title = text
		case "Q":
			cur.Question = text
		case "A":
			cur.Accepted = text
		case "O":
			cur.Others = append(cur.Others, text)
		default:
			return fmt.Errorf("unknown field %q", key)
		}
		return nil
	})
	return out, err
}

// RelevanceQueries are the relevance set's queries.
func RelevanceQueries() ([]RelevanceQuery, error) {
	var out []RelevanceQuery
	err := readRelevance("queries*.txt", func(line string) error {
		if line == "" {
			return nil
		}
		q, want, ok := strings.Cut(line, " | ")
		if !ok {
			return fmt.Errorf("not 'query | title': %q", line)
		}
		out = append(out, RelevanceQuery{Query: strings.TrimSpace(q), Want: strings.TrimSpace(want)})
		return nil
	})
	return out, err
}

// SeedRelevanceFixtures adds the fixture threads, through the same code
// members use, so that each solved thread gets its KB article; the
// relevance set is these beside the demo content (internal/demo seeds it
// first). Fixture threads are spread over the last year, older first.
func (s *Store) SeedRelevanceFixtures(ctx context.Context) error {
	threads, err := relevanceThreads()
	if err != nil {
		return err
	}
	var members []*User
	for i := range 6 {
		name := fmt.Sprintf("fixture%d", i)
		u, err := s.CreateUser(ctx, NewUser{Username: name, Email: name + "@fixture.invalid", Password: corpusPassword})
		if err != nil {
			return fmt.Errorf("fixture user: %w", err)
		}
		members = append(members, u)
	}
	now := s.now()
	for i, rt := range threads {
		asker, helper := members[i%3], members[3+i%3]
		t, err := s.createThread(ctx, asker, NewThread{Title: rt.Title, CategorySlug: rt.Category, Body: rt.Question, Tags: rt.Tags}, true)
		if err != nil {
			return fmt.Errorf("fixture thread %q: %w", rt.Title, err)
		}
		for j, o := range rt.Others {
			if _, err := s.createAnswer(ctx, members[3+(i+j+1)%3], t.ID, o, "", true); err != nil {
				return fmt.Errorf("fixture answer on %q: %w", rt.Title, err)
			}
		}
		if rt.Accepted != "" {
			p, err := s.createAnswer(ctx, helper, t.ID, rt.Accepted, "", true)
			if err != nil {
				return fmt.Errorf("fixture answer on %q: %w", rt.Title, err)
			}
			if _, err := s.accept(ctx, asker, p.ID, false, true); err != nil {
				return fmt.Errorf("fixture accept on %q: %w", rt.Title, err)
			}
		}
		at := now.Add(-time.Duration(len(threads)-i) * 36 * time.Hour).Unix()
		if _, err := s.w.ExecContext(ctx, `UPDATE threads SET created_at = ?1, last_activity_at = ?1 WHERE id = ?2`, at, t.ID); err != nil {
			return fmt.Errorf("backdate fixture thread: %w", err)
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

// MeasureRelevance runs the relevance queries on this store (filled by
// the demo and SeedRelevanceFixtures) and scores where the expected question ranked.
func (s *Store) MeasureRelevance(ctx context.Context) (RelevanceReport, error) {
	var r RelevanceReport
	queries, err := RelevanceQueries()
	if err != nil {
		return r, err
	}
	titles := map[int64]string{}
	known := map[string]bool{}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT id, title FROM threads`)
	if err != nil {
		return r, err
	}
	for rows.Next() {
		var id int64
		var title string
		if err := rows.Scan(&id, &title); err != nil {
			rows.Close()
			return r, err
		}
		titles[id], known[title] = title, true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	for _, q := range queries {
		if !known[q.Want] {
			return r, fmt.Errorf("relevance query %q expects %q, which is no question's title", q.Query, q.Want)
		}
		res, err := s.Search(ctx, SearchQuery{Text: q.Query})
		if err != nil {
			return r, err
		}
		rank := 0
		seen := map[int64]bool{}
		var got []string
		for i, h := range res.Hits {
			if i < 5 {
				if seen[h.ThreadID] {
					r.Duplicates++
				}
				seen[h.ThreadID] = true
			}
			if i < 3 {
				got = append(got, titles[h.ThreadID])
			}
			if rank == 0 && titles[h.ThreadID] == q.Want {
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
