package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/internal/bench/relevance"
	"github.com/crowdcare/crowdcare/models"
)

// CorpusOptions sizes a generated benchmark corpus.
type CorpusOptions struct {
	Threads int
	Posts   int // questions and answers together
	Users   int
	Seed    uint64
	// Progress is called after each batch with the threads written so far.
	Progress func(done int)
	// Sample is the text to imitate and the categories to spread threads
	// over; empty: the search relevance set's threads (relevance/).
	Sample CorpusSample
}

// CorpusSample is real support language for the generators to imitate.
type CorpusSample struct {
	Categories []models.NewCategory
	Titles     []string
	Bodies     []string // questions and answers
}

// Password is every generated account's password (the demo's).
const Password = "demo-password"

// relevanceSample is the relevance set's threads as a CorpusSample, over
// the categories they name.
func relevanceSample() (CorpusSample, error) {
	threads, err := relevance.Threads()
	if err != nil {
		return CorpusSample{}, err
	}
	var out CorpusSample
	seen := map[string]bool{}
	for _, t := range threads {
		if !seen[t.Category] {
			seen[t.Category] = true
			out.Categories = append(out.Categories, models.NewCategory{Slug: t.Category, Name: t.Category, Position: len(out.Categories)})
		}
		out.Titles = append(out.Titles, t.Title)
		out.Bodies = append(out.Bodies, t.Question)
		if t.Accepted != "" {
			out.Bodies = append(out.Bodies, t.Accepted)
		}
		out.Bodies = append(out.Bodies, t.Others...)
	}
	return out, nil
}

func (o CorpusSample) orRelevance() (CorpusSample, error) {
	if len(o.Titles) > 0 && len(o.Bodies) > 0 && len(o.Categories) > 0 {
		return o, nil
	}
	return relevanceSample()
}

// GenerateCorpus fills the store with a large, realistic forum for
// benchmarks: text comes from a word-pair (Markov) model of o.Sample (the
// demo content, for the commands), which is real support language, not
// random letters. It writes through the store's bulk loader (WriteThreads),
// 500 threads a transaction, because going through the one-post-at-a-time
// API would take hours at this size. The same seed makes the same corpus.
func GenerateCorpus(ctx context.Context, s *models.Store, o CorpusOptions) error {
	if o.Threads <= 0 || o.Posts < o.Threads {
		return fmt.Errorf("corpus needs threads > 0 and posts >= threads")
	}
	if o.Users <= 0 {
		o.Users = max(100, o.Threads/100)
	}
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	sample, err := o.Sample.orRelevance()
	if err != nil {
		return err
	}
	titleModel, bodyModel := newMarkov(sample.Titles), newMarkov(sample.Bodies)
	tagPool := []string{"router", "wifi", "hub-3", "fibre", "billing", "refund", "tv", "stream-box", "laptop", "battery",
		"bios", "sim", "esim", "roaming", "speed", "outage", "dns", "mesh", "email", "password", "windows", "android", "iphone", "5g"}

	catIDs, err := corpusCategories(ctx, s, sample.Categories)
	if err != nil {
		return err
	}
	members := make([]models.BulkMember, o.Users)
	for i := range members {
		name := fmt.Sprintf("member%06d", i)
		members[i] = models.BulkMember{Username: name, Email: name + "@bench.invalid"}
	}
	userIDs, err := s.CreateMembers(ctx, members, Password)
	if err != nil {
		return err
	}
	answersLeft := o.Posts - o.Threads
	now := s.Now()
	const batch = 500
	for start := 0; start < o.Threads; start += batch {
		end := min(start+batch, o.Threads)
		threads := make([]models.BulkThread, 0, end-start)
		for i := start; i < end; i++ {
			// Spread the answers: most threads get a few, some none, a few very many.
			avg := float64(answersLeft) / float64(o.Threads-i)
			n := int(r.ExpFloat64() * avg)
			if i == 0 {
				n = 30 // one "viral" thread with a full page of answers
			}
			n = min(n, answersLeft, 200)
			if i == o.Threads-1 {
				n = answersLeft // the totals asked for are exact
			}
			answersLeft -= n
			threads = append(threads, corpusThread(r, n, now, catIDs, userIDs, tagPool, titleModel, bodyModel))
		}
		if err := s.WriteThreads(ctx, threads); err != nil {
			return fmt.Errorf("corpus threads %d-%d: %w", start, end-1, err)
		}
		if o.Progress != nil {
			o.Progress(end)
		}
	}
	return nil
}

func corpusCategories(ctx context.Context, s *models.Store, cats []models.NewCategory) ([]int64, error) {
	var ids []int64
	for i, c := range cats {
		existing, err := s.CategoryBySlug(ctx, c.Slug)
		if err == nil {
			ids = append(ids, existing.ID)
			continue
		}
		c.Position = i
		nc, err := s.CreateCategory(ctx, c)
		if err != nil {
			return nil, err
		}
		ids = append(ids, nc.ID)
	}
	return ids, nil
}

// corpusThread draws one thread with its answers: asked in the last two
// years, answers up to 12 hours apart, 45% of those with answers solved.
func corpusThread(r *rand.Rand, answers int, now time.Time, catIDs, userIDs []int64, tagPool []string, titles, bodies *markov) models.BulkThread {
	pick := func(ids []int64) int64 { return ids[r.IntN(len(ids))] }
	t := models.BulkThread{Title: titles.title(r), Accepted: -1}
	t.At = now.Add(-time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
	t.CategoryID = pick(catIDs)
	t.AuthorID = pick(userIDs)
	t.Question = models.BulkPost{AuthorID: t.AuthorID, Body: bodies.body(r), At: t.At}
	r.IntN(4) // drawn for the question's helpful votes, which it never has: keeps the corpus of a seed as it was
	last := t.At
	for a := 0; a < answers; a++ {
		last = last.Add(time.Duration(r.Int64N(int64(12 * time.Hour))))
		p := models.BulkPost{AuthorID: pick(userIDs), Body: bodies.body(r), At: last}
		p.Helpful = r.IntN(4)
		t.Answers = append(t.Answers, p)
	}
	if answers > 0 && r.IntN(100) < 45 {
		t.Accepted = r.IntN(answers)
		t.AcceptedAt = time.Unix(t.Answers[t.Accepted].At.Unix()+r.Int64N(3*24*3600), 0)
	}
	for n := r.IntN(4); n > 0; n-- {
		t.Tags = append(t.Tags, tagPool[r.IntN(len(tagPool))])
	}
	return t
}

// markov is a word-pair model: each word maps to the words seen after it.
type markov struct {
	next   map[string][]string
	starts []string
}

func newMarkov(texts []string) *markov {
	m := &markov{next: map[string][]string{}}
	clean := strings.NewReplacer("**", "", "`", "", "#", "", "|", " ", "›", " ", "```", " ")
	for _, t := range texts {
		words := strings.Fields(clean.Replace(t))
		for i, w := range words {
			if i == 0 || strings.HasSuffix(words[i-1], ".") || strings.HasSuffix(words[i-1], "?") {
				m.starts = append(m.starts, w)
			}
			if i+1 < len(words) {
				m.next[w] = append(m.next[w], words[i+1])
			}
		}
	}
	return m
}

func (m *markov) sentence(r *rand.Rand, maxWords int) string {
	w := m.starts[r.IntN(len(m.starts))]
	out := []string{w}
	for len(out) < maxWords {
		next := m.next[w]
		if len(next) == 0 {
			break
		}
		w = next[r.IntN(len(next))]
		out = append(out, w)
		if strings.HasSuffix(w, ".") || strings.HasSuffix(w, "?") || strings.HasSuffix(w, "!") {
			break
		}
	}
	return strings.Join(out, " ")
}

func (m *markov) title(r *rand.Rand) string {
	for {
		t := strings.TrimRight(m.sentence(r, 4+r.IntN(9)), ".,;:")
		if n := utf8.RuneCountInString(t); n >= models.TitleMin && n <= models.TitleMax {
			return t
		}
	}
}

func (m *markov) body(r *rand.Rand) string {
	var paras []string
	for p := 1 + r.IntN(3); p > 0; p-- {
		var sents []string
		for n := 2 + r.IntN(4); n > 0; n-- {
			sents = append(sents, m.sentence(r, 30))
		}
		para := strings.Join(sents, " ")
		if r.IntN(6) == 0 {
			para = "- " + m.sentence(r, 12) + "\n- " + m.sentence(r, 12) + "\n- " + m.sentence(r, 12)
		}
		paras = append(paras, para)
	}
	body := strings.Join(paras, "\n\n")
	if utf8.RuneCountInString(body) < models.BodyMin {
		body += " " + m.sentence(r, 30)
	}
	return body
}

// mentionSource marks the corpus's posts from X.
const mentionSource = "corpus"

// GenerateMentions adds n customers' posts from X spread evenly over the
// last five weeks (what the early warning reads), in the triage inbox, with
// text drawn from a model of the sample's titles (as the corpus's
// questions) and a keyword of the usual watch rules in some of them. It
// does nothing when the corpus mentions are there already, and returns how
// many exist.
func GenerateMentions(ctx context.Context, s *models.Store, n int, seed uint64, sample CorpusSample) (int, error) {
	have, err := s.CountSocialItems(ctx, mentionSource)
	if err != nil {
		return 0, err
	}
	if have > 0 || n <= 0 {
		return have, nil
	}
	r := rand.New(rand.NewPCG(seed, seed^0x51ed270b27c2a3f5))
	sample, err = sample.orRelevance()
	if err != nil {
		return 0, err
	}
	model := newMarkov(sample.Titles)
	keywords := []string{"outage", "no internet", "broadband down", "slow", "refund"}
	now := s.Now()
	span := int64(5 * 7 * 24 * time.Hour / time.Second)
	const batch = 2000
	for start := 0; start < n; start += batch {
		var items []models.NewSocialItem
		for i := start; i < min(start+batch, n); i++ {
			text := "@brand " + model.sentence(r, 8+r.IntN(12))
			if r.IntN(4) == 0 {
				text += " " + keywords[r.IntN(len(keywords))]
			}
			at := now.Unix() - r.Int64N(span)
			items = append(items, models.NewSocialItem{TweetID: fmt.Sprint(7000000000000000000 + i),
				AuthorHandle: fmt.Sprintf("customer%d", r.IntN(n/3+1)), Text: text, Lang: "en", CreatedAt: time.Unix(at, 0)})
		}
		if err := s.AddSocialItems(ctx, mentionSource, items); err != nil {
			return 0, fmt.Errorf("corpus mentions: %w", err)
		}
	}
	return n, nil
}
