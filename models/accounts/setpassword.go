package accounts

import (
	"context"
	"database/sql"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// SetPassword gives u a new password without asking for the current one:
// an administrator's reset for a member who is locked out. The rules are the
// web form's. Every session of u ends, as with ChangePassword, and the
// account's failed logins are forgotten, so a throttled member can log in
// at once.
func (a *Accounts) SetPassword(ctx context.Context, u *User, password string) (*User, error) {
	v := validator{}
	v.Check(!u.Imported, "username", fmt.Sprintf("%s stands for someone imported from X and cannot log in.", u.Username))
	CheckPassword(v, "password", password)
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := a.replacePassword(ctx, u, password, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = lower(?)`, u.Username)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set password of %q: %w", u.Username, err)
	}
	return a.UserByID(ctx, u.ID)
}

// replacePassword stores password as u's and ends every session of u (the
// epoch moves on, the rows go), with also (when not nil) in the same
// transaction. deps.NotFound when u is gone or was made a placeholder meanwhile.
func (a *Accounts) replacePassword(ctx context.Context, u *User, password string, also func(tx *sql.Tx) error) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), a.deps.PasswordCost())
	if err != nil {
		return err
	}
	return a.db.InTx(ctx, func(tx *sql.Tx) error {
		if err := a.StorePasswordHash(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if also == nil {
			return nil
		}
		return also(tx)
	})
}

// StorePasswordHash is the write every new password makes in tx: the hash,
// every session of the account ended, and every password-reset link not
// yet used made unusable (a link from before the change must not undo it).
func (a *Accounts) StorePasswordHash(ctx context.Context, tx *sql.Tx, userID int64, hash []byte) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1
		WHERE id = ? AND imported = 0 AND deleted_at IS NULL`, string(hash), userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return a.deps.NotFound
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return err
	}
	return EndTokens(ctx, tx, a.now(), userID, TokenPasswordReset)
}
