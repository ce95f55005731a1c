package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"time"
)

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
	Category     Category
	Tags         []string
	ThreadTitle  string
	ThreadSlug   string
	Author       UserRef // who wrote the answer the solution came from
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// URL is the article's canonical address.
func (a *Article) URL() string { return ArticleURL(a.ID, a.Slug) }

// ArticleURL is the canonical address of article id, whose slug is slug.
func ArticleURL(id int64, slug string) string { return "/kb/" + strconv.FormatInt(id, 10) + "/" + slug }

// ThreadURL is the thread the article was solved in.
func (a *Article) ThreadURL() string {
	return ThreadURL(a.ThreadID, a.ThreadSlug)
}

// Why an article was marked outdated by the system. Curators write their own notes.
const (
	noteWithdrawn       = "The asker withdrew the acceptance of this answer."
	noteAnswerChanged   = "A different answer was accepted in the thread; check that the solution still matches it."
	noteAnswerEdited    = "The answer was edited after this article was curated; check the solution."
	noteQuestionEdited  = "The question was edited after this article was curated; check the problem statement."
	noteAnswerRemoved   = "The answer this solution came from was removed."
	noteQuestionRemoved = "The question this article came from was removed."
)

// kbEvent is a change in a thread that its article must follow.
type kbEvent int

const (
	kbAccepted kbEvent = iota
	kbUnaccepted
	kbPostEdited
	kbPostRemoved
)

// articleState is what syncArticle needs to know about an article.
type articleState struct {
	id, postID int64
	curated    bool
	outdated   bool
	note       string
}

// syncArticle keeps a thread's KB article in step with the thread, inside the
// transaction of the change: an article is never silently left wrong.
// postID is the post the event is about.
func (s *Store) syncArticle(ctx context.Context, tx *sql.Tx, ev kbEvent, threadID, postID int64) error {
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
	case ev == kbAccepted && !exists:
		return s.createArticle(ctx, tx, threadID, postID)
	case !exists:
		return nil
	case ev == kbAccepted && !a.curated:
		if err := s.refreshArticle(ctx, tx, a.id, threadID, postID); err != nil {
			return err
		}
	case ev == kbAccepted && a.postID != postID:
		if err := s.markOutdated(ctx, tx, a.id, noteAnswerChanged); err != nil {
			return err
		}
	case ev == kbAccepted && a.note == noteWithdrawn:
		// The same answer accepted again: the reason for the warning is gone.
		if _, err := tx.ExecContext(ctx, `UPDATE kb_articles SET outdated = 0, outdated_note = '' WHERE id = ?`, a.id); err != nil {
			return err
		}
	case ev == kbUnaccepted && a.postID == postID:
		if err := s.markOutdated(ctx, tx, a.id, noteWithdrawn); err != nil {
			return err
		}
	case ev == kbPostEdited && (isQuestion || a.postID == postID) && !a.curated:
		if err := s.refreshArticle(ctx, tx, a.id, threadID, a.postID); err != nil {
			return err
		}
	case ev == kbPostEdited && isQuestion:
		if err := s.markOutdated(ctx, tx, a.id, noteQuestionEdited); err != nil {
			return err
		}
	case ev == kbPostEdited && a.postID == postID:
		if err := s.markOutdated(ctx, tx, a.id, noteAnswerEdited); err != nil {
			return err
		}
	case ev == kbPostRemoved && (isQuestion || a.postID == postID):
		// Removed words are never shown, so the article goes offline until a curator acts.
		note := noteAnswerRemoved
		if isQuestion {
			note = noteQuestionRemoved
		}
		if err := s.markOutdated(ctx, tx, a.id, note); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE kb_articles SET published = 0 WHERE id = ?`, a.id); err != nil {
			return err
		}
	}
	// Category, tags or visibility may have changed with the thread.
	return s.indexArticle(ctx, tx, a.id)
}

// articleSource reads what an article is made from: the question's title and
// first paragraph, and an answer.
func (s *Store) articleSource(ctx context.Context, tx *sql.Tx, threadID, postID int64) (title, problem, solution string, err error) {
	var questionMD string
	err = tx.QueryRowContext(ctx, `SELECT t.title, q.body_md, a.body_md FROM threads t
		JOIN posts q ON q.id = t.question_id JOIN posts a ON a.id = ? AND a.thread_id = t.id
		WHERE t.id = ?`, postID, threadID).Scan(&title, &questionMD, &solution)
	if err != nil {
		return "", "", "", fmt.Errorf("load article source of thread %d: %w", threadID, err)
	}
	return title, s.md.FirstParagraph(questionMD), solution, nil
}

func (s *Store) createArticle(ctx context.Context, tx *sql.Tx, threadID, postID int64) error {
	title, problem, solution, err := s.articleSource(ctx, tx, threadID, postID)
	if err != nil {
		return err
	}
	p, sol, err := s.renderArticle(problem, solution)
	if err != nil {
		return err
	}
	now := s.now().Unix()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO kb_articles (thread_id, post_id, title, slug, problem_md, problem_html,
		solution_md, solution_html, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		threadID, postID, title, Slugify(title), problem, p, solution, sol, now, now).Scan(&id)
	if err != nil {
		return fmt.Errorf("create article for thread %d: %w", threadID, err)
	}
	return s.indexArticle(ctx, tx, id)
}

// refreshArticle rewrites an uncurated article from the thread, keeping the old text as a revision.
func (s *Store) refreshArticle(ctx context.Context, tx *sql.Tx, articleID, threadID, postID int64) error {
	title, problem, solution, err := s.articleSource(ctx, tx, threadID, postID)
	if err != nil {
		return err
	}
	if err := s.writeArticle(ctx, tx, articleID, nil, title, problem, solution, "Updated from the thread.", false); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE kb_articles SET post_id = ? WHERE id = ?`, postID, articleID)
	return err
}

// writeArticle stores new text for an article and keeps the old one as a revision.
func (s *Store) writeArticle(ctx context.Context, tx *sql.Tx, articleID int64, editor *User, title, problem, solution, note string, curated bool) error {
	p, sol, err := s.renderArticle(problem, solution)
	if err != nil {
		return err
	}
	now := s.now().Unix()
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
		WHERE id = ?`, title, Slugify(title), problem, p, solution, sol, curated, now, articleID)
	if err != nil {
		return fmt.Errorf("update article %d: %w", articleID, err)
	}
	return nil
}

func (s *Store) renderArticle(problem, solution string) (string, string, error) {
	p, err := s.md.Render(problem)
	if err != nil {
		return "", "", err
	}
	sol, err := s.md.Render(solution)
	if err != nil {
		return "", "", err
	}
	return p.HTML, sol.HTML, nil
}

func (s *Store) markOutdated(ctx context.Context, tx *sql.Tx, articleID int64, note string) error {
	_, err := tx.ExecContext(ctx, `UPDATE kb_articles SET outdated = 1, outdated_note = ?, updated_at = ? WHERE id = ?`,
		note, s.now().Unix(), articleID)
	if err != nil {
		return fmt.Errorf("mark article %d outdated: %w", articleID, err)
	}
	return nil
}
