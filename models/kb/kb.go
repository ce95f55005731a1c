package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/markup"
)

// Needs is what the knowledge base takes from the store besides the
// database: the clock; the errors the web layer turns into pages (not
// found, forbidden, and a refused field: its ValidationError); the
// Markdown renderer; a thread's tags, which an article shares (the
// forum's); and bringing an article's search row up to date in the
// transaction that changed it (the search index's).
type Needs struct {
	Now                 func() time.Time
	NotFound, Forbidden error
	Markdown            *markup.Renderer
	ThreadTags          func(ctx context.Context, threadID int64) ([]string, error)
	Index               func(ctx context.Context, tx *sql.Tx, articleID int64) error
	// StillMay refuses, in the transaction of a curator's change, a curator
	// suspended or deleted since the request read them (the account as
	// stored decides).
	StillMay func(ctx context.Context, tx *sql.Tx, actor *accounts.User) error
	// NoteRequest records a request of a kind under a key in tx and says
	// how many were recorded within the window, this one included
	// (accounts.NoteRequest: the per-address limits' one table).
	NoteRequest func(ctx context.Context, tx *sql.Tx, kind, key string, window time.Duration) (int, error)
}

// KB reads and writes the knowledge base: it reads from the pool a
// request's reads go to (db.DB.Reader) and writes through the store's
// transactions (db.DB.InTx) or in the transaction of the change it
// follows.
type KB struct {
	db *db.DB
	n  Needs
}

// New is the knowledge base over the database d.
func New(d *db.DB, n Needs) *KB { return &KB{db: d, n: n} }

// Article is a knowledge-base entry made from a solved thread.
type Article struct {
	ID           int64
	ThreadID     int64
	PostID       int64
	Title        string
	Slug         string
	ProblemMD    string
	ProblemHTML  template.HTML
	SolutionMD   string
	SolutionHTML template.HTML
	Published    bool
	Outdated     bool
	OutdatedNote string
	Curated      bool
	HelpfulYes   int
	HelpfulNo    int
	Category     forum.Category
	Tags         []string
	ThreadTitle  string
	ThreadSlug   string
	Author       accounts.UserRef // who wrote the answer the solution came from
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// URL is the article's canonical address.
func (a *Article) URL() string { return ArticleURL(a.ID, a.Slug) }

// ArticleURL is the canonical address of article id, whose slug is slug.
func ArticleURL(id int64, slug string) string { return "/kb/" + strconv.FormatInt(id, 10) + "/" + slug }

// ThreadURL is the thread the article was solved in.
func (a *Article) ThreadURL() string {
	return forum.ThreadURL(a.ThreadID, a.ThreadSlug)
}

// Why an article was marked outdated by the system. Curators write their own notes.
const (
	NoteWithdrawn       = "The asker withdrew the acceptance of this answer."
	NoteAnswerChanged   = "A different answer was accepted in the thread; check that the solution still matches it."
	NoteAnswerEdited    = "The answer was edited after this article was curated; check the solution."
	NoteQuestionEdited  = "The question was edited after this article was curated; check the problem statement."
	NoteAnswerRemoved   = "The answer this solution came from was removed."
	NoteQuestionRemoved = "The question this article came from was removed."
)

// Event is a change in a thread that its article must follow.
type Event int

// The changes SyncArticle follows.
const (
	Accepted Event = iota
	Unaccepted
	PostEdited
	PostRemoved
)

// articleState is what SyncArticle needs to know about an article.
type articleState struct {
	id, postID int64
	curated    bool
	outdated   bool
	note       string
}

// SyncArticle keeps a thread's KB article in step with the thread, inside the
// transaction of the change: an article is never silently left wrong.
// postID is the post the event is about. The thread's search row, which
// holds the article, is the caller's to write after it, once for both.
func (s *KB) SyncArticle(ctx context.Context, tx *sql.Tx, ev Event, threadID, postID int64) error {
	var a articleState
	err := tx.QueryRowContext(ctx, `SELECT id, post_id, curated, outdated, outdated_note FROM kb_articles WHERE thread_id = ?`, threadID).
		Scan(&a.id, &a.postID, &a.curated, &a.outdated, &a.note)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("load article of thread %d: %w", threadID, err)
	}
	var isQuestion bool
	if err := tx.QueryRowContext(ctx, `SELECT is_question FROM posts WHERE id = ?`, postID).Scan(&isQuestion); err != nil {
		return fmt.Errorf("load post %d: %w", postID, err)
	}
	switch {
	case ev == Accepted && !exists:
		return s.CreateArticle(ctx, tx, threadID, postID)
	case !exists:
		return nil
	case ev == Accepted && !a.curated:
		if err := s.refreshArticle(ctx, tx, a.id, threadID, postID); err != nil {
			return err
		}
	case ev == Accepted && a.postID != postID:
		if err := s.markOutdated(ctx, tx, a.id, NoteAnswerChanged); err != nil {
			return err
		}
	case ev == Accepted && a.note == NoteWithdrawn:
		// The same answer accepted again: the reason for the warning is gone.
		if _, err := tx.ExecContext(ctx, `UPDATE kb_articles SET outdated = 0, outdated_note = '' WHERE id = ?`, a.id); err != nil {
			return err
		}
	case ev == Unaccepted && a.postID == postID:
		if err := s.markOutdated(ctx, tx, a.id, NoteWithdrawn); err != nil {
			return err
		}
	case ev == PostEdited && (isQuestion || a.postID == postID) && !a.curated:
		if err := s.refreshArticle(ctx, tx, a.id, threadID, a.postID); err != nil {
			return err
		}
	case ev == PostEdited && isQuestion:
		if err := s.markOutdated(ctx, tx, a.id, NoteQuestionEdited); err != nil {
			return err
		}
	case ev == PostEdited && a.postID == postID:
		if err := s.markOutdated(ctx, tx, a.id, NoteAnswerEdited); err != nil {
			return err
		}
	case ev == PostRemoved && (isQuestion || a.postID == postID):
		// Removed words are never shown, so the article goes offline until a curator acts.
		note := NoteAnswerRemoved
		if isQuestion {
			note = NoteQuestionRemoved
		}
		if err := s.markOutdated(ctx, tx, a.id, note); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE kb_articles SET published = 0 WHERE id = ?`, a.id); err != nil {
			return err
		}
	}
	// The thread's search row, which holds its article, is the caller's
	// to write after (the thread's change is in it too).
	return nil
}

// articleSource reads what an article is made from: the question's title and
// first paragraph, and an answer.
func (s *KB) articleSource(ctx context.Context, tx *sql.Tx, threadID, postID int64) (title, problem, solution string, err error) {
	var questionMD string
	err = tx.QueryRowContext(ctx, `SELECT t.title, q.body_md, a.body_md FROM threads t
		JOIN posts q ON q.id = t.question_id JOIN posts a ON a.id = ? AND a.thread_id = t.id
		WHERE t.id = ?`, postID, threadID).Scan(&title, &questionMD, &solution)
	if err != nil {
		return "", "", "", fmt.Errorf("load article source of thread %d: %w", threadID, err)
	}
	return title, s.n.Markdown.FirstParagraph(questionMD), solution, nil
}

// CreateArticle makes the article of a thread whose answer postID was
// accepted, in the transaction that accepted it (SyncArticle does when an
// answer is accepted; the bulk loader, which writes solved threads, calls
// it directly).
func (s *KB) CreateArticle(ctx context.Context, tx *sql.Tx, threadID, postID int64) error {
	title, problem, solution, err := s.articleSource(ctx, tx, threadID, postID)
	if err != nil {
		return err
	}
	p, sol, err := s.renderArticle(problem, solution)
	if err != nil {
		return err
	}
	now := s.n.Now().Unix()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO kb_articles (thread_id, post_id, title, slug, problem_md, problem_html,
		solution_md, solution_html, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		threadID, postID, title, forum.Slugify(title), problem, p, solution, sol, now, now).Scan(&id)
	if err != nil {
		return fmt.Errorf("create article for thread %d: %w", threadID, err)
	}
	return nil // the caller writes the thread's search row, article included
}

// refreshArticle rewrites an uncurated article from the thread, keeping the old text as a revision.
func (s *KB) refreshArticle(ctx context.Context, tx *sql.Tx, articleID, threadID, postID int64) error {
	title, problem, solution, err := s.articleSource(ctx, tx, threadID, postID)
	if err != nil {
		return err
	}
	return s.SetSolution(ctx, tx, articleID, nil, title, problem, solution, postID, "Updated from the thread.", false)
}

// ErrNotASolution: the answer to promote is not a visible answer of the
// article's thread, as the promotion's transaction reads it.
var ErrNotASolution = errors.New("not a visible answer of the article's thread")

// PromoteIn makes answer postID the solution of article articleID in tx,
// reading the article's title and problem and the answer in tx too: an
// edit or a hide that commits meanwhile is neither undone nor missed (on
// PostgreSQL the reads of a request before its transaction may be older
// than what the transaction writes over). ErrNotASolution when postID is
// not a visible answer of the article's thread.
func (s *KB) PromoteIn(ctx context.Context, tx *sql.Tx, articleID int64, editor *accounts.User, postID int64, note string) error {
	var title, problem, solution string
	err := tx.QueryRowContext(ctx, `SELECT k.title, k.problem_md, p.body_md FROM kb_articles k
		JOIN posts p ON p.id = ? AND p.thread_id = k.thread_id AND p.is_question = 0 AND `+forum.VisiblePost+`
		WHERE k.id = ?`, postID, articleID).Scan(&title, &problem, &solution)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotASolution
	}
	if err != nil {
		return fmt.Errorf("load article %d and answer %d: %w", articleID, postID, err)
	}
	return s.SetSolution(ctx, tx, articleID, editor, title, problem, solution, postID, note, true)
}

// SetSolution is WriteArticle with the solution taken from answer postID,
// which becomes the article's source.
func (s *KB) SetSolution(ctx context.Context, tx *sql.Tx, articleID int64, editor *accounts.User, title, problem, solution string, postID int64, note string, curated bool) error {
	if err := s.WriteArticle(ctx, tx, articleID, editor, title, problem, solution, note, curated); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE kb_articles SET post_id = ? WHERE id = ?`, postID, articleID)
	return err
}

// WriteArticle stores new text for an article in tx and keeps the old one
// as a revision; the caller brings its search row up to date (Index).
func (s *KB) WriteArticle(ctx context.Context, tx *sql.Tx, articleID int64, editor *accounts.User, title, problem, solution, note string, curated bool) error {
	p, sol, err := s.renderArticle(problem, solution)
	if err != nil {
		return err
	}
	now := s.n.Now().Unix()
	var editorID any
	if editor != nil {
		editorID = editor.ID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO kb_revisions (article_id, editor_id, title, problem_md, solution_md, note, created_at)
		SELECT id, ?, title, problem_md, solution_md, ?, ? FROM kb_articles WHERE id = ?`, editorID, note, now, articleID); err != nil {
		return fmt.Errorf("keep article revision: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE kb_articles SET title = ?, slug = ?, problem_md = ?, problem_html = ?,
		solution_md = ?, solution_html = ?, curated = CASE WHEN curated = 1 OR ? = 1 THEN 1 ELSE 0 END, outdated = 0, outdated_note = '', updated_at = ?
		WHERE id = ?`, title, forum.Slugify(title), problem, p, solution, sol, curated, now, articleID)
	if err != nil {
		return fmt.Errorf("update article %d: %w", articleID, err)
	}
	return nil
}

func (s *KB) renderArticle(problem, solution string) (string, string, error) {
	p, err := s.n.Markdown.Render(problem)
	if err != nil {
		return "", "", err
	}
	sol, err := s.n.Markdown.Render(solution)
	if err != nil {
		return "", "", err
	}
	return p.HTML, sol.HTML, nil
}

func (s *KB) markOutdated(ctx context.Context, tx *sql.Tx, articleID int64, note string) error {
	_, err := tx.ExecContext(ctx, `UPDATE kb_articles SET outdated = 1, outdated_note = ?, updated_at = ? WHERE id = ?`,
		note, s.n.Now().Unix(), articleID)
	if err != nil {
		return fmt.Errorf("mark article %d outdated: %w", articleID, err)
	}
	return nil
}
