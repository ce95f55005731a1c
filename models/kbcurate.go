package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models/kb"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// EditArticle changes an article's text; the old text is kept as a revision
// and the article counts as curated (and reviewed) from then on. Here, not
// in models/kb: the title and body rules and the text cleaning are the
// forum's.
func (s *Store) EditArticle(ctx context.Context, actor *User, id int64, e ArticleEdit) error {
	a, err := s.CurateArticle(ctx, actor, id)
	if err != nil {
		return err
	}
	e.Title = strings.Join(strings.Fields(cleanText(e.Title)), " ")
	e.Problem, e.Solution = strings.TrimSpace(cleanText(e.Problem)), strings.TrimSpace(cleanText(e.Solution))
	v := validator{}
	checkTitle(v, e.Title)
	n := utf8.RuneCountInString(e.Problem)
	v.Check(n > 0, "problem", "Describe the problem in a sentence or two.")
	v.Check(n <= 5000, "problem", "Keep the problem statement to 5000 characters.")
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
	if err := v.Err(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.stillMayWrite(ctx, tx, actor); err != nil {
			return err
		}
		if err := s.KB.WriteArticle(ctx, tx, a.ID, actor, e.Title, e.Problem, e.Solution, "Edited by a curator.", true); err != nil {
			return err
		}
		return s.indexArticle(ctx, tx, a.ID)
	})
}

// PromoteAnswer makes another answer of the same thread the article's
// solution. Here, not in models/kb: it reads the forum's post.
func (s *Store) PromoteAnswer(ctx context.Context, actor *User, id, postID int64) error {
	a, err := s.CurateArticle(ctx, actor, id)
	if err != nil {
		return err
	}
	// The answer is read in the write, with the article's text (kb.PromoteIn).
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.stillMayWrite(ctx, tx, actor); err != nil {
			return err
		}
		if err := s.KB.PromoteIn(ctx, tx, a.ID, actor, postID, "Another answer was promoted."); err != nil {
			return err
		}
		return s.indexArticle(ctx, tx, a.ID)
	})
	if errors.Is(err, kb.ErrNotASolution) {
		return &ErrNotAllowed{Kind: notallowed.NotASolution}
	}
	return err
}
