package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ArticleEdit is what the curation form sends.
type ArticleEdit struct {
	Title    string
	Problem  string
	Solution string
}

// curate loads an article for a curator, refusing everyone else.
func (s *Store) curate(ctx context.Context, actor *User, id int64) (*Article, error) {
	if !actor.Can(PermCurateKB) {
		return nil, ErrForbidden
	}
	return s.Article(ctx, id)
}

// EditArticle changes an article's text; the old text is kept as a revision
// and the article counts as curated (and reviewed) from then on.
func (s *Store) EditArticle(ctx context.Context, actor *User, id int64, e ArticleEdit) error {
	a, err := s.curate(ctx, actor, id)
	if err != nil {
		return err
	}
	e.Title = strings.Join(strings.Fields(cleanText(e.Title)), " ")
	e.Problem, e.Solution = strings.TrimSpace(cleanText(e.Problem)), strings.TrimSpace(cleanText(e.Solution))
	v := validator{}
	checkTitle(v, e.Title)
	n := utf8.RuneCountInString(e.Problem)
	v.check(n > 0, "problem", "Describe the problem in a sentence or two.")
	v.check(n <= 5000, "problem", "Keep the problem statement to 5000 characters.")
	solution := validator{}
	checkBody(solution, e.Solution)
	if msg, ok := solution["body"]; ok {
		v["solution"] = msg
	}
	// Within the limits on a post's Markdown (rendered again when written).
	if _, err := s.renderBody(v, "problem", e.Problem); err != nil {
		return err
	}
	if _, err := s.renderBody(v, "solution", e.Solution); err != nil {
		return err
	}
	if err := v.err(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.writeArticle(ctx, tx, a.ID, actor, e.Title, e.Problem, e.Solution, "Edited by a curator.", true); err != nil {
			return err
		}
		return s.indexArticle(ctx, tx, a.ID)
	})
}

// SetArticlePublished publishes or unpublishes an article.
func (s *Store) SetArticlePublished(ctx context.Context, actor *User, id int64, published bool) error {
	a, err := s.curate(ctx, actor, id)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE kb_articles SET published = ?, updated_at = ? WHERE id = ?`,
			published, s.now().Unix(), a.ID); err != nil {
			return fmt.Errorf("publish article %d: %w", a.ID, err)
		}
		return s.indexArticle(ctx, tx, a.ID)
	})
}

// SetArticleOutdated marks an article outdated with a note for readers, or clears the mark.
func (s *Store) SetArticleOutdated(ctx context.Context, actor *User, id int64, outdated bool, note string) error {
	a, err := s.curate(ctx, actor, id)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if outdated && note == "" {
		return &ValidationError{Fields: map[string]string{"note": "Say what is out of date, so readers know what to watch for."}}
	}
	if len([]rune(note)) > 500 {
		return &ValidationError{Fields: map[string]string{"note": "Keep the note to 500 characters."}}
	}
	if !outdated {
		note = ""
	}
	_, err = s.exec(ctx, `UPDATE kb_articles SET outdated = ?, outdated_note = ?, updated_at = ? WHERE id = ?`,
		outdated, note, s.now().Unix(), a.ID)
	if err != nil {
		return fmt.Errorf("mark article %d: %w", a.ID, err)
	}
	return nil
}

// PromoteAnswer makes another answer of the same thread the article's solution.
func (s *Store) PromoteAnswer(ctx context.Context, actor *User, id, postID int64) error {
	a, err := s.curate(ctx, actor, id)
	if err != nil {
		return err
	}
	p, err := s.Post(ctx, postID)
	if err != nil {
		return err
	}
	if p.ThreadID != a.ThreadID || p.IsQuestion || p.Deleted || p.Hidden || p.Pending {
		return &ErrNotAllowed{Reason: "Only a visible answer in the same thread can become the solution."}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.writeArticle(ctx, tx, a.ID, actor, a.Title, a.ProblemMD, p.BodyMD, "Another answer was promoted.", true); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE kb_articles SET post_id = ? WHERE id = ?`, postID, a.ID); err != nil {
			return err
		}
		return s.indexArticle(ctx, tx, a.ID)
	})
}

// VoteArticle records whether an article helped. voter identifies a user or a
// visitor's session; voting again replaces the earlier vote.
func (s *Store) VoteArticle(ctx context.Context, id int64, voter string, helpful bool) error {
	if voter == "" {
		return fmt.Errorf("vote on article %d: no voter", id)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var published bool
		err := tx.QueryRowContext(ctx, `SELECT published FROM kb_articles WHERE id = ?`, id).Scan(&published)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !published) {
			return ErrNotFound
		}
		if err != nil {
			return err // a transaction that lost a race is run again
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO kb_votes (article_id, voter, helpful, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (article_id, voter) DO UPDATE SET helpful = excluded.helpful`, id, voter, helpful, s.now().Unix()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE kb_articles SET
			helpful_yes = (SELECT COUNT(*) FROM kb_votes WHERE article_id = ?1 AND helpful = 1),
			helpful_no = (SELECT COUNT(*) FROM kb_votes WHERE article_id = ?1 AND helpful = 0) WHERE id = ?1`, id)
		return err
	})
}

// ArticleVote is the vote a voter gave an article: 1 yes, -1 no, 0 none.
func (s *Store) ArticleVote(ctx context.Context, id int64, voter string) (int, error) {
	var helpful bool
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT helpful FROM kb_votes WHERE article_id = ? AND voter = ?`, id, voter).Scan(&helpful)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("load article vote: %w", err)
	}
	if helpful {
		return 1, nil
	}
	return -1, nil
}
