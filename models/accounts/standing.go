package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Standing is an account as a write transaction reads it, for the steps
// that must not trust the request's copy of the account: its suspension
// (Until is the zero time when there is none) and whether it is gone
// (deleted, or no such row).
type Standing struct {
	Until time.Time
	Why   string
	Gone  bool
}

// StandingIn reads the account id's standing through tx.
func StandingIn(ctx context.Context, tx *sql.Tx, id int64) (Standing, error) {
	var until, deleted int64
	var st Standing
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(suspended_until, 0), suspend_reason, COALESCE(deleted_at, 0) FROM users WHERE id = ?`,
		id).Scan(&until, &st.Why, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return Standing{Gone: true}, nil
	}
	if err != nil {
		return st, fmt.Errorf("the account as stored: %w", err)
	}
	st.Gone = deleted != 0
	if until != 0 {
		st.Until = time.Unix(until, 0)
	}
	return st, nil
}
