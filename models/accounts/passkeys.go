package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/markup"
	"github.com/crowdcare/crowdcare/models/notallowed"
	"strings"
	"time"
	"unicode/utf8"
)

// Passkey is a WebAuthn credential registered as a second factor. The
// credential itself (public key, sign count, flags) is the web layer's
// WebAuthn library's, kept as the JSON it writes.
type Passkey struct {
	ID           int64
	Name         string
	CredentialID []byte
	Credential   string // JSON
	CreatedAt    time.Time
	LastUsedAt   time.Time // zero: never used
}

// MaxPasskeys bounds the passkeys of one account.
const MaxPasskeys = 10

// Passkeys lists an account's passkeys, oldest first.
func (a *Accounts) Passkeys(ctx context.Context, userID int64) ([]Passkey, error) {
	rows, err := a.db.Primary().QueryContext(ctx, `SELECT id, name, credential_id, credential, created_at, COALESCE(last_used_at, 0)
		FROM passkeys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("passkeys of %d: %w", userID, err)
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		var p Passkey
		var created, used int64
		if err := rows.Scan(&p.ID, &p.Name, &p.CredentialID, &p.Credential, &created, &used); err != nil {
			return nil, err
		}
		p.CreatedAt = time.Unix(created, 0)
		if used != 0 {
			p.LastUsedAt = time.Unix(used, 0)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddPasskey registers a passkey the browser just created for the account.
// Like any new second factor it ends every session of the account (the
// caller starts a fresh one for this browser); without unused recovery
// codes a set is made and returned.
func (a *Accounts) AddPasskey(ctx context.Context, u *User, credentialID []byte, credential, name string) ([]string, error) {
	name = strings.TrimSpace(markup.CleanText(name))
	v := validator{}
	v.Check(utf8.RuneCountInString(name) <= 50, "name", "Use up to 50 characters.")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if name == "" {
		name = "Passkey added " + a.now().UTC().Format("2 Jan 2006")
	}
	var codes []string
	var refusal error // a refusal with its reason, returned as it is
	err := a.db.InTx(ctx, func(tx *sql.Tx) error {
		codes, refusal = nil, nil
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM passkeys WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxPasskeys {
			refusal = &notallowed.Error{Kind: notallowed.PasskeyLimit, N: MaxPasskeys}
			return refusal
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO passkeys (user_id, credential_id, credential, name, created_at) VALUES (?, ?, ?, ?, ?)`,
			u.ID, credentialID, credential, name, a.now().Unix()); err != nil {
			if db.IsUnique(err) {
				refusal = &notallowed.Error{Kind: notallowed.PasskeyTaken}
				return refusal
			}
			return err
		}
		var err error
		codes, err = a.secondFactorAdded(ctx, tx, u.ID)
		return err
	})
	if err != nil {
		if refusal != nil && errors.Is(err, refusal) {
			return nil, err
		}
		return nil, fmt.Errorf("add passkey for %d: %w", u.ID, err)
	}
	return codes, nil
}

// UsePasskey records a passkey's use: its credential as the check left it
// (the sign count moves on) and when.
func (a *Accounts) UsePasskey(ctx context.Context, userID int64, credentialID []byte, credential string) error {
	res, err := a.db.Exec(ctx, `UPDATE passkeys SET credential = ?, last_used_at = ? WHERE user_id = ? AND credential_id = ?`,
		credential, a.now().Unix(), userID, credentialID)
	if err != nil {
		return fmt.Errorf("use passkey of %d: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return a.deps.NotFound
	}
	return nil
}

// RemovePasskey removes one of the account's passkeys (and, with no second
// factor left, the recovery codes).
func (a *Accounts) RemovePasskey(ctx context.Context, userID, id int64) error {
	err := a.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM passkeys WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return a.deps.NotFound
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?1
			AND NOT EXISTS (SELECT 1 FROM passkeys WHERE user_id = ?1) AND NOT EXISTS (SELECT 1 FROM totp_secrets WHERE user_id = ?1)`, userID)
		return err
	})
	if errors.Is(err, a.deps.NotFound) {
		return a.deps.NotFound
	}
	if err != nil {
		return fmt.Errorf("remove passkey %d: %w", id, err)
	}
	return nil
}
