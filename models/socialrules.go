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

// newSocial is social listening's storage (models/social) over the
// store's database layer.
func (s *Store) newSocial() *social.Social {
	return social.New(s.db, social.Deps{Now: s.now, NotFound: ErrNotFound, SharedKey: SharedKey})
}

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
	v.Check(n.Name != "" && len(n.Name) <= 80, "name", "Name the rule (up to 80 characters).")
	v.Check(len(social.SplitList(n.Keywords))+len(social.SplitList(n.Handles))+len(social.SplitList(n.Hashtags)) > 0, "keywords",
		"Give at least one keyword, handle or hashtag to listen for.")
	var catID int64
	if n.CategorySlug != "" {
		cat, err := s.CategoryBySlug(ctx, n.CategorySlug)
		v.Check(err == nil, "category", "Choose a category.")
		if err == nil {
			catID = cat.ID
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = social.InsertRule(ctx, tx, social.RuleRow{Name: n.Name, Keywords: n.Keywords, Handles: n.Handles,
			Hashtags: n.Hashtags, Exclusions: n.Exclusions, Trusted: n.Trusted, CategoryID: catID}, s.now()); err != nil {
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
		if err := social.DeactivateRule(ctx, tx, id); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, "deactivate_social_rule", "rule", id, "")
	})
}
