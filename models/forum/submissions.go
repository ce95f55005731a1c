package forum

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SubmissionKeyTTL is how long what a submission made is remembered under
// its key: a repeat within it leads to the first result.
const SubmissionKeyTTL = 24 * time.Hour

// ValidSubmissionKey reports whether a form's key has the shape the forms
// make (16 to 64 letters, digits, "-" or "_"); any other is ignored, and the
// submission is written as if it had none.
func ValidSubmissionKey(k string) bool {
	if len(k) < 16 || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// SubmissionKey is the stored key of a form's key for one kind of
// submission ("thread", "answer", "edit"), so a key sent with another form
// never leads to a result of the wrong kind; "" for none (or an invalid one).
func SubmissionKey(kind, key string) string {
	if !ValidSubmissionKey(key) {
		return ""
	}
	return kind + ":" + key
}

// errRepeated: the key was claimed by the same submission sent in parallel,
// after this one looked; its transaction is rolled back.
var errRepeated = errors.New("submission key already used")

// earlierSubmission is what the user's submission under key made, if it was
// written in the last SubmissionKeyTTL. An empty key has none.
func (f *Forum) earlierSubmission(ctx context.Context, userID int64, key string) (int64, bool, error) {
	if key == "" {
		return 0, false, nil
	}
	var id int64
	err := f.reader(ctx).QueryRowContext(ctx, `SELECT result_id FROM submission_keys WHERE user_id = ? AND key = ? AND created_at > ?`,
		userID, key, f.deps.Now().Add(-SubmissionKeyTTL).Unix()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("look up submission key: %w", err)
	}
	return id, true, nil
}

// ClaimSubmission records, in the transaction that writes it, that the
// user's submission under key (a SubmissionKey) made id, and forgets keys
// past their day. A key claimed meanwhile rolls the transaction back, so
// two copies of one submission sent together write once (Repeated finds
// the first one's result).
func (f *Forum) ClaimSubmission(ctx context.Context, tx *sql.Tx, userID int64, key string, id int64) error {
	if key == "" {
		return nil
	}
	now := f.deps.Now()
	if _, err := tx.ExecContext(ctx, `DELETE FROM submission_keys WHERE created_at <= ?`, now.Add(-SubmissionKeyTTL).Unix()); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO submission_keys (user_id, key, result_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, key) DO NOTHING`, userID, key, id, now.Unix())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errRepeated
	}
	return nil
}

// Repeated runs write unless the user's submission under key was written
// already, returning what that one made (first is false then). A copy sent
// in parallel that wins the race is found after write's transaction is
// rolled back (write claims the key with ClaimSubmission).
func (f *Forum) Repeated(ctx context.Context, userID int64, key string, write func() (int64, error)) (id int64, first bool, err error) {
	if id, ok, err := f.earlierSubmission(ctx, userID, key); err != nil || ok {
		return id, false, err
	}
	id, err = write()
	if errors.Is(err, errRepeated) {
		id, ok, lerr := f.earlierSubmission(ctx, userID, key)
		if lerr == nil && !ok {
			lerr = fmt.Errorf("submission key of user %d: claimed and not found", userID)
		}
		return id, false, lerr
	}
	return id, err == nil, err
}
