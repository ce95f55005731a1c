package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
)

// SocialRule is a watch rule: which posts to listen for, and what to do.
type SocialRule struct {
	ID         int64
	Name       string
	Keywords   []string
	Handles    []string
	Hashtags   []string
	Exclusions []string
	Trusted    bool
	CategoryID int64
	Active     bool
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		p = strings.TrimLeft(p, "@#")
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// containsWord reports whether text has phrase as whole words ("wifi" is not in "wifiless").
func containsWord(text, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		before := start == 0 || !isWordByte(text[start-1])
		after := end == len(text) || !isWordByte(text[end])
		if before && after {
			return true
		}
		i = start + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 0x80 && unicode.IsLetter(rune(b))
}

// Matches reports whether a post's text or author matches the rule.
func (r SocialRule) Matches(text, author string) bool {
	lower := strings.ToLower(text)
	for _, x := range r.Exclusions {
		if containsWord(lower, x) {
			return false
		}
	}
	for _, k := range r.Keywords {
		if containsWord(lower, k) {
			return true
		}
	}
	for _, h := range r.Handles {
		if strings.EqualFold(author, h) || containsWord(lower, "@"+h) {
			return true
		}
	}
	for _, h := range r.Hashtags {
		if containsWord(lower, "#"+h) {
			return true
		}
	}
	return false
}

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
		r.Keywords, r.Handles, r.Hashtags, r.Exclusions = splitList(kw), splitList(hd), splitList(ht), splitList(ex)
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
	v.check(len(splitList(n.Keywords))+len(splitList(n.Handles))+len(splitList(n.Hashtags)) > 0, "keywords",
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
