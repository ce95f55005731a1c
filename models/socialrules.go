package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/crowdcare/crowdcare/models/social"
)

// SocialRule is a watch rule: which posts to listen for, and what to do
// (social.Rule, whose Matches the import uses; an alias for the handlers).
type SocialRule = social.Rule

func loadRules(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]SocialRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, keywords, handles, hashtags, exclusions, trusted, COALESCE(category_id, 0), active
		FROM social_rules WHERE active = 1 ORDER BY trusted DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	defer rows.Close()
	var out []SocialRule
	for rows.Next() {
		var r SocialRule
		var kw, hd, ht, ex string
		if err := rows.Scan(&r.ID, &r.Name, &kw, &hd, &ht, &ex, &r.Trusted, &r.CategoryID, &r.Active); err != nil {
			return nil, err
		}
		r.Keywords, r.Handles, r.Hashtags, r.Exclusions = social.SplitList(kw), social.SplitList(hd), social.SplitList(ht), social.SplitList(ex)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SocialRules lists the active rules.
func (s *Store) SocialRules(ctx context.Context) ([]SocialRule, error) { return loadRules(ctx, s.r) }

// NewSocialRule is the rule form as typed.
type NewSocialRule struct {
	Name, Keywords, Handles, Hashtags, Exclusions, CategorySlug string
	Trusted                                                     bool
}

// CreateSocialRule adds a watch rule.
func (s *Store) CreateSocialRule(ctx context.Context, actor *User, n NewSocialRule) (*SocialRule, error) {
	if !actor.Can(PermTriageSocial) {
		return nil, ErrForbidden
	}
	v := validator{}
	n.Name = strings.TrimSpace(n.Name)
	v.check(n.Name != "" && len(n.Name) <= 80, "name", "Name the rule (up to 80 characters).")
	v.check(len(social.SplitList(n.Keywords))+len(social.SplitList(n.Handles))+len(social.SplitList(n.Hashtags)) > 0, "keywords",
		"Give at least one keyword, handle or hashtag to listen for.")
	var catID any
	if n.CategorySlug != "" {
		cat, err := s.CategoryBySlug(ctx, n.CategorySlug)
		v.check(err == nil, "category", "Choose a category.")
		if err == nil {
			catID = cat.ID
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO social_rules (name, keywords, handles, hashtags, exclusions, trusted, category_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.Name, n.Keywords, n.Handles, n.Hashtags, n.Exclusions, n.Trusted, catID,
			s.now().Unix()).Scan(&id); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, "create_social_rule", "rule", id, n.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("create rule: %w", err)
	}
	return &SocialRule{ID: id, Name: n.Name, Trusted: n.Trusted}, nil
}

// DeactivateSocialRule stops a rule from matching new posts.
func (s *Store) DeactivateSocialRule(ctx context.Context, actor *User, id int64) error {
	if !actor.Can(PermTriageSocial) {
		return ErrForbidden
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE social_rules SET active = 0 WHERE id = ?`, id); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, "deactivate_social_rule", "rule", id, "")
	})
}
