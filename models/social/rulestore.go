package social

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
)

// LoadRules reads the active watch rules through q (a pool, or an
// import's transaction), the trusted ones first.
func LoadRules(ctx context.Context, q db.Querier) ([]Rule, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, keywords, handles, hashtags, exclusions, trusted, COALESCE(category_id, 0), active
		FROM social_rules WHERE active = 1 ORDER BY trusted DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	defer rows.Close()
	var out []Rule
	for rows.Next() {
		var r Rule
		var kw, hd, ht, ex string
		if err := rows.Scan(&r.ID, &r.Name, &kw, &hd, &ht, &ex, &r.Trusted, &r.CategoryID, &r.Active); err != nil {
			return nil, err
		}
		r.Keywords, r.Handles, r.Hashtags, r.Exclusions = SplitList(kw), SplitList(hd), SplitList(ht), SplitList(ex)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SocialRules lists the active rules.
func (s *Social) SocialRules(ctx context.Context) ([]Rule, error) {
	return LoadRules(ctx, s.db.Primary())
}

// RuleRow is a watch rule as its form was typed (the lists as text), with
// the category of its new threads (0: none), to be stored.
type RuleRow struct {
	Name, Keywords, Handles, Hashtags, Exclusions string
	Trusted                                       bool
	CategoryID                                    int64
}

// InsertRule stores a new rule in the transaction of the step that
// creates it and returns its id.
func InsertRule(ctx context.Context, tx *sql.Tx, r RuleRow, now time.Time) (int64, error) {
	var cat any
	if r.CategoryID != 0 {
		cat = r.CategoryID
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO social_rules (name, keywords, handles, hashtags, exclusions, trusted, category_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.Name, r.Keywords, r.Handles, r.Hashtags, r.Exclusions, r.Trusted, cat,
		now.Unix()).Scan(&id)
	return id, err
}

// DeactivateRule stops rule id from matching new posts, in the
// transaction of the step that does it.
func DeactivateRule(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE social_rules SET active = 0 WHERE id = ?`, id)
	return err
}
