package models

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
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
	// over; empty: the search relevance set's threads (searchdata/).
	Sample CorpusSample
}

// CorpusSample is real support language for the generators to imitate.
type CorpusSample struct {
	Categories []NewCategory
	Titles     []string
	Bodies     []string // questions and answers
}

// corpusPassword is every generated account's password (the demo's).
const corpusPassword = "demo-password"

// relevanceSample is the relevance set's threads as a CorpusSample, over
// the categories they name.
func relevanceSample() (CorpusSample, error) {
	threads, err := relevanceThreads()
	if err != nil {
		return CorpusSample{}, err
	}
	var out CorpusSample
	seen := map[string]bool{}
	for _, t := range threads {
		if !seen[t.Category] {
			seen[t.Category] = true
			out.Categories = append(out.Categories, NewCategory{Slug: t.Category, Name: t.Category, Position: len(out.Categories)})
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

// GenerateCorpus fills the database with a large, realistic forum for
// benchmarks: text comes from a word-pair (Markov) model of o.Sample (the
// demo content, for the commands), which is real support language, not
// random letters. It writes
// rows and the search index directly, in large transactions, because going
// through the one-post-at-a-time API would take hours at this size.
func (s *Store) GenerateCorpus(ctx context.Context, o CorpusOptions) error {
	if o.Threads <= 0 || o.Posts < o.Threads {
		return fmt.Errorf("corpus needs threads > 0 and posts >= threads")
	}
	if o.Users <= 0 {
		o.Users = max(100, o.Threads/100)
	}
	pcg := rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)
	r := rand.New(pcg)
	sample, err := o.Sample.orRelevance()
	if err != nil {
		return err
	}
	titleModel, bodyModel := newMarkov(sample.Titles), newMarkov(sample.Bodies)
	tagPool := []string{"router", "wifi", "hub-3", "fibre", "billing", "refund", "tv", "stream-box", "laptop", "battery",
		"bios", "sim", "esim", "roaming", "speed", "outage", "dns", "mesh", "email", "password", "windows", "android", "iphone", "5g"}

	catIDs, err := s.corpusCategories(ctx, sample.Categories)
	if err != nil {
		return err
	}
	userIDs, err := s.corpusUsers(ctx, o.Users)
	if err != nil {
		return err
	}
	answersTotal := o.Posts - o.Threads
	now := s.now()
	const batch = 500
	for start := 0; start < o.Threads; start += batch {
		end := min(start+batch, o.Threads)
		// A transaction PostgreSQL runs again (a serialization failure)
		// draws the same numbers and spreads the same answers.
		state, err := pcg.MarshalBinary()
		if err != nil {
			return err
		}
		left := answersTotal
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if err := pcg.UnmarshalBinary(state); err != nil {
				return err
			}
			answersTotal = left
			for i := start; i < end; i++ {
				// Spread the answers: most threads get a few, some none, a few very many.
				remainingThreads := o.Threads - i
				avg := float64(answersTotal) / float64(remainingThreads)
				n := int(r.ExpFloat64() * avg)
				if i == 0 {
					n = 30 // one "viral" thread with a full page of answers
				}
				n = min(n, answersTotal, 200)
				if i == o.Threads-1 {
					n = answersTotal // the totals asked for are exact
				}
				answersTotal -= n
				if err := s.corpusThread(ctx, tx, r, i, n, now, catIDs, userIDs, tagPool, titleModel, bodyModel); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if o.Progress != nil {
			o.Progress(end)
		}
	}
	return nil
}

func (s *Store) corpusCategories(ctx context.Context, cats []NewCategory) ([]int64, error) {
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

func (s *Store) corpusUsers(ctx context.Context, n int) ([]int64, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(corpusPassword), s.opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		ids = make([]int64, 0, n) // afresh if the transaction runs again
		for i := 0; i < n; i++ {
			var id int64
			name := fmt.Sprintf("member%06d", i)
			if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, email, password_hash, created_at, email_verified_at)
				VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT DO NOTHING RETURNING id`, name, name+"@bench.invalid", string(hash), s.now().Unix()).Scan(&id); err != nil {
				if err == sql.ErrNoRows {
					if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, name).Scan(&id); err != nil {
						return err
					}
				} else {
					return err
				}
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

func (s *Store) corpusThread(ctx context.Context, tx *sql.Tx, r *rand.Rand, i, answers int, now time.Time,
	catIDs, userIDs []int64, tagPool []string, titles, bodies *markov) error {
	pick := func(ids []int64) int64 { return ids[r.IntN(len(ids))] }
	title := titles.title(r)
	asked := now.Add(-time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
	cat := pick(catIDs)
	author := pick(userIDs)
	var threadID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO threads (category_id, author_id, title, slug, created_at, last_activity_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, cat, author, title, Slugify(title), asked.Unix(), asked.Unix()).Scan(&threadID); err != nil {
		return fmt.Errorf("corpus thread %d: %w", i, err)
	}
	post := func(authorID int64, body string, at time.Time, question bool) (int64, error) {
		rd, err := s.md.render(body)
		if err != nil {
			return 0, err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO posts (thread_id, author_id, is_question, body_md, body_html, body_text,
			helpful_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			threadID, authorID, question, body, rd.HTML, rd.Text, r.IntN(4)*btoi(!question), at.Unix()).Scan(&id)
		return id, err
	}
	qid, err := post(author, bodies.body(r), asked, true)
	if err != nil {
		return err
	}
	last := asked
	var answerIDs, answerTimes []int64
	for a := 0; a < answers; a++ {
		last = last.Add(time.Duration(r.Int64N(int64(12 * time.Hour))))
		id, err := post(pick(userIDs), bodies.body(r), last, false)
		if err != nil {
			return err
		}
		answerIDs = append(answerIDs, id)
		answerTimes = append(answerTimes, last.Unix())
	}
	var accepted, acceptedAt, firstAnswerAt any
	if len(answerTimes) > 0 {
		firstAnswerAt = answerTimes[0]
	}
	if len(answerIDs) > 0 && r.IntN(100) < 45 {
		k := r.IntN(len(answerIDs))
		accepted, acceptedAt = answerIDs[k], answerTimes[k]+r.Int64N(3*24*3600)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET question_id = ?, accepted_id = ?, answer_count = ?, last_activity_at = ?,
		first_answer_at = ?, accepted_at = ?, accepted_author_id = (SELECT author_id FROM posts WHERE id = ?2) WHERE id = ?`, qid, accepted, answers, last.Unix(), firstAnswerAt, acceptedAt, threadID); err != nil {
		return err
	}
	var tags []string
	for t := r.IntN(4); t > 0; t-- {
		tags = append(tags, tagPool[r.IntN(len(tagPool))])
	}
	if err := setTags(ctx, tx, threadID, ParseTags(strings.Join(tags, ","))); err != nil {
		return err
	}
	if accepted != nil {
		return s.createArticle(ctx, tx, threadID, accepted.(int64))
	}
	return s.indexThread(ctx, tx, threadID)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
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
		if n := utf8.RuneCountInString(t); n >= TitleMin && n <= TitleMax {
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
	if utf8.RuneCountInString(body) < BodyMin {
		body += " " + m.sentence(r, 30)
	}
	return body
}

// GenerateMentions adds n customers' posts from X spread evenly over the
// last five weeks (what the early warning reads), in the triage inbox, with
// text drawn from a model of the sample's titles (as the corpus's
// questions) and a keyword of the usual watch rules in some of them. It
// does nothing when the corpus mentions are there already, and returns how
// many exist.
func (s *Store) GenerateMentions(ctx context.Context, n int, seed uint64, sample CorpusSample) (int, error) {
	var have int
	if err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM social_items WHERE source = 'corpus'`).Scan(&have); err != nil {
		return 0, fmt.Errorf("count corpus mentions: %w", err)
	}
	if have > 0 || n <= 0 {
		return have, nil
	}
	pcg := rand.NewPCG(seed, seed^0x51ed270b27c2a3f5)
	r := rand.New(pcg)
	sample, err := sample.orRelevance()
	if err != nil {
		return 0, err
	}
	model := newMarkov(sample.Titles)
	keywords := []string{"outage", "no internet", "broadband down", "slow", "refund"}
	now := s.now()
	span := int64(5 * week / time.Second)
	const batch = 2000
	for start := 0; start < n; start += batch {
		state, err := pcg.MarshalBinary() // the same numbers if the transaction runs again
		if err != nil {
			return 0, err
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if err := pcg.UnmarshalBinary(state); err != nil {
				return err
			}
			st, err := tx.PrepareContext(ctx, `INSERT INTO social_items (tweet_id, conversation_id, author_handle, text, lang, lang_checked,
				status, source, created_at, imported_at) VALUES (?1, ?1, ?2, ?3, 'en', 1, 'new', 'corpus', ?4, ?5)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := start; i < min(start+batch, n); i++ {
				text := "@brand " + model.sentence(r, 8+r.IntN(12))
				if r.IntN(4) == 0 {
					text += " " + keywords[r.IntN(len(keywords))]
				}
				at := now.Unix() - r.Int64N(span)
				if _, err := st.ExecContext(ctx, fmt.Sprint(7000000000000000000+i), fmt.Sprintf("customer%d", r.IntN(n/3+1)), text, at, now.Unix()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("corpus mentions: %w", err)
		}
	}
	return n, nil
}
