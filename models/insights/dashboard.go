package insights

import (
	"context"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/policy"
)

// Domains is what the insights need of the other domains, as models hands
// it down: which threads a visitor sees (an SQL condition on threads
// aliased t: the forum's rule), the addresses of threads and of posts on X
// that the dashboard links to, and the keywords of the active watch rules
// with the way they match a text (social listening's).
type Domains struct {
	VisibleThread string
	ThreadURL     func(id int64, slug string) string
	TweetURL      func(handle, tweetID, format string) string
	// WatchKeywords are the active watch rules' keywords, once each, those
	// of one category's rules when categoryID is not 0.
	WatchKeywords func(ctx context.Context, categoryID int64) ([]string, error)
	// ContainsWord reports whether a lower-case text holds a lower-case
	// keyword as a whole word or phrase, as a watch rule matches it.
	ContainsWord func(text, keyword string) bool
}

// Insights reads the dashboard's figures, counts events and search
// sessions in memory and flushes them, reads the early warning and keeps
// the incidents. models.Store embeds one, so its methods are the store's.
type Insights struct {
	db     *db.DB
	now    func() time.Time
	dom    Domains
	events *eventBuffer
	visits *visitTracker // search sessions, in memory only
}

// New is the insights over the database d, with the store's clock and
// what they need of the other domains. Counting works at once; the
// periodic flush starts with Start.
func New(d *db.DB, now func() time.Time, dom Domains) *Insights {
	return &Insights{db: d, now: now, dom: dom,
		events: &eventBuffer{m: map[eventKey]int{}},
		visits: &visitTracker{visits: map[[32]byte]*visit{}}}
}

// Filter picks the questions a dashboard figure covers: those asked
// in [From, To), optionally in one category and one language (an ISO 639-1
// code as detected).
type Filter struct {
	From, To   time.Time
	CategoryID int64
	Lang       string
}

// Sources a question can come from.
const (
	SourceWeb   = "web"
	SourceTweet = "tweet"
)

// Responsiveness measures time to first answer and to an accepted answer,
// separately for questions asked on the web and tweets imported as threads.
// An imported thread's clock starts at the tweet's own time, which is the
// thread's creation time.
func (in *Insights) Responsiveness(ctx context.Context, f Filter) ([]Timing, error) {
	// Named: the index holds every column read, so a year of questions is
	// read from it alone; the planner would pick a narrower one and read the table.
	rows, err := in.db.Reader(ctx).QueryContext(ctx, `SELECT t.created_at, t.first_answer_at, CASE WHEN t.accepted_author_id IS NULL THEN NULL ELSE t.accepted_at END, t.source_url != ''
		FROM threads t`+in.db.IndexedBy("threads_insights")+` WHERE `+in.dom.VisibleThread+` AND t.created_at >= ?1 AND t.created_at < ?2 AND (?3 = 0 OR t.category_id = ?3) AND (?4 = '' OR t.lang = ?4)`,
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
		i := 0
		if tweet {
			i = 1
		}
		timings[i].Asked++
		if first != nil {
			d := NonNegative(*first - asked)
			samples[i].first = append(samples[i].first, d)
			if d <= time.Hour {
				timings[i].Within1h++
			}
			if d <= 24*time.Hour {
				timings[i].Within24++
			}
		}
		if accepted != nil {
			samples[i].accepted = append(samples[i].accepted, NonNegative(*accepted-asked))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range timings {
		t := &timings[i]
		t.Answered, t.Accepted = len(samples[i].first), len(samples[i].accepted)
		t.FirstAnswerMedian, t.FirstAnswerP90 = Median(samples[i].first), Percentile(samples[i].first, 90)
		t.AcceptedMedian, t.AcceptedP90 = Median(samples[i].accepted), Percentile(samples[i].accepted, 90)
		t.Buckets = Bucketize(samples[i].first, t.Asked-t.Answered)
	}
	return timings, nil
}

// WhoAnswers counts accepted answers by their author's current role.
func (in *Insights) WhoAnswers(ctx context.Context, f Filter, top int) (Answerers, error) {
	var a Answerers
	rows, err := in.db.Reader(ctx).QueryContext(ctx, `SELECT u.username, u.role, a.n FROM (
		SELECT t.accepted_author_id AS author, COUNT(*) AS n FROM threads t`+in.db.IndexedBy("threads_insights")+`
		WHERE `+in.dom.VisibleThread+` AND t.created_at >= ?1 AND t.created_at < ?2 AND (?3 = 0 OR t.category_id = ?3) AND (?4 = '' OR t.lang = ?4)
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
		case c.Role == policy.RoleSuperuser:
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
	url      string
}

// URL is the thread page.
func (q OpenQuestion) URL() string { return q.url }

// Unanswered lists visible, unlocked questions nobody but the asker has
// answered, oldest first, and how many there are in all. It ignores the period: it is
// the queue as it stands now.
func (in *Insights) Unanswered(ctx context.Context, categoryID int64, lang string, limit int) ([]OpenQuestion, int, error) {
	// Named: without statistics the planner prefers scanning every live thread.
	where := ` FROM threads t` + in.db.IndexedBy("threads_unanswered") + ` JOIN categories c ON c.id = t.category_id
		WHERE t.first_answer_at IS NULL AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND t.pending = 0
		AND t.question_id IS NOT NULL AND t.locked_at IS NULL AND (?1 = 0 OR t.category_id = ?1) AND (?2 = '' OR t.lang = ?2)`
	var total int
	if err := in.db.Reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+where, categoryID, lang).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count unanswered: %w", err)
	}
	rows, err := in.db.Reader(ctx).QueryContext(ctx, `SELECT t.id, t.title, t.slug, c.name, t.created_at, t.source_url != ''`+where+
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
		q.AskedAt, q.url = time.Unix(at, 0), in.dom.ThreadURL(q.ID, q.Slug)
		out = append(out, q)
	}
	return out, total, rows.Err()
}
