package social

import (
	"context"
	"database/sql"
	"hash/fnv"
	"strings"

	"github.com/crowdcare/crowdcare/models/db"
)

// RepeatKey identifies an author's text, 0 when the author is unknown: the
// same text three times from one author is spam (the store's import ranks
// the copies). An author is their X user id when the source gives one,
// else their handle; posts whose file names nobody are never counted
// together.
func RepeatKey(authorID, handle, text string) int64 {
	var who string
	switch {
	case authorID != "":
		who = "#" + authorID
	case handle != "":
		who = "@" + strings.ToLower(handle)
	default:
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(who))
	h.Write([]byte{0})
	h.Write([]byte(text))
	if k := int64(h.Sum64()); k != 0 {
		return k
	}
	return 1
}

// AddRepeatScore adds a repeated text's 3 to a stored item's spam score,
// in the import's transaction c.
func AddRepeatScore(ctx context.Context, c db.Querier, id string) error {
	_, err := c.ExecContext(ctx, `UPDATE social_items SET spam_score = spam_score + 3 WHERE tweet_id = ?`, id)
	return err
}

// FilterAsSpam filters a stored item as spam (out of the inbox, matching
// no rule), in the import's transaction c.
func FilterAsSpam(ctx context.Context, c db.Querier, id string) error {
	_, err := c.ExecContext(ctx, `UPDATE social_items SET status = 'filtered', filter_reason = ?, rule_id = NULL WHERE tweet_id = ?`,
		FilterSpam, id)
	return err
}

// NextImportID takes a new import's id, in a write transaction: two imports
// started together must not share an id, or each would resolve the other's
// items.
func (s *Social) NextImportID(ctx context.Context, tx *sql.Tx) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, s.db.NextCounter("import_seq", `SELECT COALESCE(MAX(import_id), 0) + 1 FROM social_items`)).Scan(&id)
	return id, err
}

// CountWaiting counts the items of import importID waiting in the inbox
// (status new), through q.
func CountWaiting(ctx context.Context, q db.Querier, importID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM social_items WHERE import_id = ? AND status = 'new'`, importID).Scan(&n)
	return n, err
}

// PseudoLanguage reports whether a language code says "no language"
// rather than naming one.
func PseudoLanguage(code string) bool {
	switch code {
	case "", "und", "qme", "zxx", "qam", "qst", "qht", "art", "qct":
		return true
	}
	return false
}
