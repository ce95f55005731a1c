package models

import (
	"context"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/insights"
)

// InsightsFilter picks the questions a dashboard figure covers: those asked
// in [From, To), optionally in one category and one language (an ISO 639-1
// code as detected).
type InsightsFilter struct {
	From, To   time.Time
	CategoryID int64
	Lang       string
}

// Sources a question can come from.
const (
	SourceWeb   = "web"
	SourceTweet = "tweet"
)

// The figures' types and maths live in models/insights; these aliases keep
// the names the handlers use.

// Timing sums up how fast one source's questions were answered (insights.Timing).
type Timing = insights.Timing

// Answerers says who wrote the accepted answers (insights.Answerers).
type Answerers = insights.Answerers

// Contributor is one member with accepted answers in the period (insights.Contributor).
type Contributor = insights.Contributor

// Responsiveness measures time to first answer and to an accepted answer,
// separately for questions asked on the web and tweets imported as threads.
// An imported thread's clock starts at the tweet's own time, which is the
// thread's creation time.
func (s *Store) Responsiveness(ctx context.Context, f InsightsFilter) ([]Timing, error) {
	// Named: the index holds every column read, so a year of questions is
	// read from it alone; the planner would pick a narrower one and read the table.
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT t.created_at, t.first_answer_at, CASE WHEN t.accepted_author_id IS NULL THEN NULL ELSE t.accepted_at END, t.source_url != ''
		FROM threads t`+s.indexedBy("threads_insights")+` WHERE `+visibleThread+` AND t.created_at >= ?1 AND t.created_at < ?2 AND (?3 = 0 OR t.category_id = ?3) AND (?4 = '' OR t.lang = ?4)`,
		f.From.Unix(), f.To.Unix(), f.CategoryID, f.Lang)
	if err != nil {
		return nil, fmt.Errorf("responsiveness: %w", err)
	}
	defer rows.Close()
	type sample struct{ first, accepted []time.Duration }
	var samples [2]sample
	timings := []Timing{{Source: SourceWeb}, {Source: SourceTweet}}
	for rows.Next() {
		var asked int64
		var first, accepted *int64
		var tweet bool
		if err := rows.Scan(&asked, &first, &accepted, &tweet); err != nil {
			return nil, err
		}
		i := btoi(tweet)
		timings[i].Asked++
		if first != nil {
			d := insights.NonNegative(*first - asked)
			samples[i].first = append(samples[i].first, d)
			if d <= time.Hour {
				timings[i].Within1h++
			}
			if d <= 24*time.Hour {
				timings[i].Within24++
			}
		}
		if accepted != nil {
			samples[i].accepted = append(samples[i].accepted, insights.NonNegative(*accepted-asked))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range timings {
		t := &timings[i]
		t.Answered, t.Accepted = len(samples[i].first), len(samples[i].accepted)
		t.FirstAnswerMedian, t.FirstAnswerP90 = insights.Median(samples[i].first), insights.Percentile(samples[i].first, 90)
		t.AcceptedMedian, t.AcceptedP90 = insights.Median(samples[i].accepted), insights.Percentile(samples[i].accepted, 90)
		t.Buckets = insights.Bucketize(samples[i].first, t.Asked-t.Answered)
	}
	return timings, nil
}

// WhoAnswers counts accepted answers by their author's current role.
func (s *Store) WhoAnswers(ctx context.Context, f InsightsFilter, top int) (Answerers, error) {
	var a Answerers
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT u.username, u.role, a.n FROM (
		SELECT t.accepted_author_id AS author, COUNT(*) AS n FROM threads t`+s.indexedBy("threads_insights")+`
		WHERE `+visibleThread+` AND t.created_at >= ?1 AND t.created_at < ?2 AND (?3 = 0 OR t.category_id = ?3) AND (?4 = '' OR t.lang = ?4)
			AND t.accepted_author_id IS NOT NULL
		GROUP BY t.accepted_author_id) a JOIN users u ON u.id = a.author
		ORDER BY a.n DESC, u.username`, f.From.Unix(), f.To.Unix(), f.CategoryID, f.Lang)
	if err != nil {
		return a, fmt.Errorf("who answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Contributor
		if err := rows.Scan(&c.Username, &c.Role, &c.Accepted); err != nil {
			return a, err
		}
		switch {
		case c.Role.IsStaff():
			a.Staff += c.Accepted
		case c.Role == RoleSuperuser:
			a.Superusers += c.Accepted
		default:
			a.Peers += c.Accepted
		}
		if len(a.Top) < top {
			a.Top = append(a.Top, c)
		}
	}
	return a, rows.Err()
}

// OpenQuestion is one entry of the unanswered work queue.
type OpenQuestion struct {
	ID       int64
	Title    string
	Slug     string
	Category string
	AskedAt  time.Time
	Tweet    bool
}

// URL is the thread page.
func (q OpenQuestion) URL() string { return ThreadURL(q.ID, q.Slug) }

// Unanswered lists visible, unlocked questions nobody but the asker has
// answered, oldest first, and how many there are in all. It ignores the period: it is
// the queue as it stands now.
func (s *Store) Unanswered(ctx context.Context, categoryID int64, lang string, limit int) ([]OpenQuestion, int, error) {
	// Named: without statistics the planner prefers scanning every live thread.
	where := ` FROM threads t` + s.indexedBy("threads_unanswered") + ` JOIN categories c ON c.id = t.category_id
		WHERE t.first_answer_at IS NULL AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND t.pending = 0
		AND t.question_id IS NOT NULL AND t.locked_at IS NULL AND (?1 = 0 OR t.category_id = ?1) AND (?2 = '' OR t.lang = ?2)`
	var total int
	if err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+where, categoryID, lang).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count unanswered: %w", err)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT t.id, t.title, t.slug, c.name, t.created_at, t.source_url != ''`+where+
		` ORDER BY t.created_at, t.id LIMIT ?3`, categoryID, lang, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("unanswered: %w", err)
	}
	defer rows.Close()
	var out []OpenQuestion
	for rows.Next() {
		var q OpenQuestion
		var at int64
		if err := rows.Scan(&q.ID, &q.Title, &q.Slug, &q.Category, &at, &q.Tweet); err != nil {
			return nil, 0, err
		}
		q.AskedAt = time.Unix(at, 0)
		out = append(out, q)
	}
	return out, total, rows.Err()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
