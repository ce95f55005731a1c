package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/invalid"
	"github.com/crowdcare/crowdcare/models/notallowed"
	"github.com/crowdcare/crowdcare/models/policy"
)

// ArticleEdit is what the curation form sends.
type ArticleEdit struct {
	Title    string
	Problem  string
	Solution string
}

// CurateArticle loads an article for a curator, refusing everyone else
// (the store's forbidden error).
func (s *KB) CurateArticle(ctx context.Context, actor *accounts.User, id int64) (*Article, error) {
	if !actor.Can(policy.PermCurateKB) {
		return nil, s.n.Forbidden
	}
	return s.Article(ctx, id)
}

// SetArticlePublished publishes or unpublishes an article.
func (s *KB) SetArticlePublished(ctx context.Context, actor *accounts.User, id int64, published bool) error {
	a, err := s.CurateArticle(ctx, actor, id)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.n.StillMay(ctx, tx, actor); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE kb_articles SET published = ?, updated_at = ? WHERE id = ?`,
			published, s.n.Now().Unix(), a.ID); err != nil {
			return fmt.Errorf("publish article %d: %w", a.ID, err)
		}
		return s.n.Index(ctx, tx, a.ID)
	})
}

// SetArticleOutdated marks an article outdated with a note for readers, or clears the mark.
func (s *KB) SetArticleOutdated(ctx context.Context, actor *accounts.User, id int64, outdated bool, note string) error {
	a, err := s.CurateArticle(ctx, actor, id)
	if err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if outdated && note == "" {
		return (&invalid.Error{Fields: map[string]string{"note": "Say what is out of date, so readers know what to watch for."}})
	}
	if len([]rune(note)) > 500 {
		return (&invalid.Error{Fields: map[string]string{"note": "Keep the note to 500 characters."}})
	}
	if !outdated {
		note = ""
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.n.StillMay(ctx, tx, actor); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE kb_articles SET outdated = ?, outdated_note = ?, updated_at = ? WHERE id = ?`,
			outdated, note, s.n.Now().Unix(), a.ID); err != nil {
			return fmt.Errorf("mark article %d: %w", a.ID, err)
		}
		return nil
	})
}

// VisitorVotesPerDay is how many visitors' ratings of one article one
// client address adds in 24 hours (a household or an office shares an
// address); a visitor changing their own rating does not count again.
const VisitorVotesPerDay = 10

// VoteArticle records whether an article helped. voter identifies a user or a
// visitor's session; voting again replaces the earlier vote. addr is a
// visitor's client address ("" for a member): past VisitorVotesPerDay new
// visitors' ratings of the article from it in 24 hours, the vote is refused
// (notallowed.KBVotesPerDay).
func (s *KB) VoteArticle(ctx context.Context, id int64, voter, addr string, helpful bool) error {
	if voter == "" {
		return fmt.Errorf("vote on article %d: no voter", id)
	}
	now := s.n.Now().Unix()
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		var published bool
		err := tx.QueryRowContext(ctx, `SELECT published FROM kb_articles WHERE id = ?`, id).Scan(&published)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !published) {
			return s.n.NotFound
		}
		if err != nil {
			return err // a transaction that lost a race is run again
		}
		if addr != "" {
			if err := s.countVisitorVote(ctx, tx, id, voter, addr); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO kb_votes (article_id, voter, helpful, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (article_id, voter) DO UPDATE SET helpful = excluded.helpful`, id, voter, helpful, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE kb_articles SET
			helpful_yes = (SELECT COUNT(*) FROM kb_votes WHERE article_id = ?1 AND helpful = 1),
			helpful_no = (SELECT COUNT(*) FROM kb_votes WHERE article_id = ?1 AND helpful = 0) WHERE id = ?1`, id)
		return err
	})
}

// countVisitorVote counts a visitor's new rating of the article against
// their address, or refuses it past VisitorVotesPerDay; a visitor who rated
// it before changes their rating freely.
func (s *KB) countVisitorVote(ctx context.Context, tx *sql.Tx, id int64, voter, addr string) error {
	var voted bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM kb_votes WHERE article_id = ? AND voter = ?)`, id, voter).
		Scan(&voted); err != nil {
		return err
	}
	if voted {
		return nil
	}
	n, err := s.n.NoteRequest(ctx, tx, "kb_vote", fmt.Sprintf("%s/%d", addr, id), 24*time.Hour)
	if err != nil {
		return err
	}
	if n > VisitorVotesPerDay {
		return &notallowed.Error{Kind: notallowed.KBVotesPerDay, N: n - 1}
	}
	return nil
}

// ArticleVote is the vote a voter gave an article: 1 yes, -1 no, 0 none.
func (s *KB) ArticleVote(ctx context.Context, id int64, voter string) (int, error) {
	var helpful bool
	err := s.db.Reader(ctx).QueryRowContext(ctx, `SELECT helpful FROM kb_votes WHERE article_id = ? AND voter = ?`, id, voter).Scan(&helpful)
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
