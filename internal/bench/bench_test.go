package bench

import (
	"context"
	"testing"

	"github.com/crowdcare/crowdcare/internal/storetest"
	"github.com/crowdcare/crowdcare/models"
)

func newStore(t testing.TB) *models.Store { return storetest.Open(t, "bench.db", nil) }

// TestGenerateCorpusWritesSearchableThreads: the corpus has the threads and
// posts asked for, an article for each solved thread, text that search
// finds, and the same seed makes the same corpus.
func TestGenerateCorpusWritesSearchableThreads(t *testing.T) {
	ctx := context.Background()
	var firsts [2][]string
	for run := range 2 {
		s := newStore(t)
		if err := GenerateCorpus(ctx, s, CorpusOptions{Threads: 120, Posts: 900, Users: 20, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		answers := 0
		for page := 1; ; page++ {
			list, err := s.Threads(ctx, models.ThreadQuery{Page: page})
			if err != nil {
				t.Fatal(err)
			}
			if list.Total != 120 {
				t.Fatalf("%d threads", list.Total)
			}
			for _, th := range list.Threads {
				answers += th.AnswerCount
				if page == 1 {
					firsts[run] = append(firsts[run], th.Title)
				}
			}
			if page >= list.Pages {
				break
			}
		}
		if answers != 780 {
			t.Errorf("%d answers, want 780", answers)
		}
		solved, err := s.Threads(ctx, models.ThreadQuery{Show: models.ShowSolved})
		if err != nil {
			t.Fatal(err)
		}
		articles, err := s.Articles(ctx, models.ArticleQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if solved.Total == 0 || articles.Total != solved.Total {
			t.Errorf("%d solved threads, %d articles", solved.Total, articles.Total)
		}
		// The text is real support language: common support words are found.
		res, err := s.Search(ctx, models.SearchQuery{Text: "router"})
		if err != nil || res.Total == 0 {
			t.Fatalf("search router: %+v %v", res, err)
		}
	}
	if len(firsts[0]) == 0 || len(firsts[0]) != len(firsts[1]) {
		t.Fatalf("first pages: %d and %d threads", len(firsts[0]), len(firsts[1]))
	}
	for i := range firsts[0] {
		if firsts[0][i] != firsts[1][i] {
			t.Errorf("seed 3 made %q, then %q", firsts[0][i], firsts[1][i])
		}
	}
}

// TestGenerateMentionsOnce: the mentions are added once, however often the
// benchmark runs.
func TestGenerateMentionsOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for range 2 {
		n, err := GenerateMentions(ctx, s, 2500, 1, CorpusSample{})
		if err != nil || n != 2500 {
			t.Fatalf("mentions: %d, %v", n, err)
		}
	}
	if n, err := s.CountSocialItems(ctx, "corpus"); err != nil || n != 2500 {
		t.Fatalf("corpus items: %d, %v", n, err)
	}
}

func BenchmarkSearch(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	if err := GenerateCorpus(ctx, s, CorpusOptions{Threads: 5000, Posts: 50000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	for name, q := range map[string]string{"single-word": "router", "multi-word": "router keeps dropping", "phrase": `"factory reset"`} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(ctx, models.SearchQuery{Text: q}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
