package models

import (
	"context"
	"database/sql"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// SetPassword gives u a new password without asking for the current one:
// an administrator's reset for a member who is locked out. The rules are the
// web form's. Every session of u ends, as with ChangePassword, and the
// account's failed logins are forgotten, so a throttled member can log in
// at once.
func (s *Store) SetPassword(ctx context.Context, u *User, password string) (*User, error) {
	v := validator{}
	v.check(!u.Imported, "username", fmt.Sprintf("%s stands for someone imported from X and cannot log in.", u.Username))
	checkPassword(v, "password", password)
	if err := v.err(); err != nil {
		return nil, err
	}
	err := s.replacePassword(ctx, u, password, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = lower(?)`, u.Username)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set password of %q: %w", u.Username, err)
	}
	return s.UserByID(ctx, u.ID)
}

// checkPassword adds to v, under field, what breaks the password rules
// (registration, a change, an admin's reset).
func checkPassword(v validator, field, password string) {
	v.check(utf8.RuneCountInString(password) >= PasswordMinLen, field, fmt.Sprintf("Use at least %d characters.", PasswordMinLen))
	v.check(len(password) <= PasswordMaxLen, field, fmt.Sprintf("Use at most %d bytes.", PasswordMaxLen))
}

// replacePassword stores password as u's and ends every session of u (the
// epoch moves on, the rows go), with also (when not nil) in the same
// transaction. ErrNotFound when u is gone or was made a placeholder meanwhile.
func (s *Store) replacePassword(ctx context.Context, u *User, password string, also func(tx *sql.Tx) error) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.PasswordCost)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.storePasswordHash(ctx, tx, u.ID, hash); err != nil {
			return err
		}
		if also == nil {
			return nil
		}
		return also(tx)
	})
}

// storePasswordHash is the write every new password makes in tx: the hash,
// every session of the account ended, and every password-reset link not
// yet used made unusable (a link from before the change must not undo it).
func (s *Store) storePasswordHash(ctx context.Context, tx *sql.Tx, userID int64, hash []byte) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1
		WHERE id = ? AND imported = 0 AND deleted_at IS NULL`, string(hash), userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return err
	}
	return endTokens(ctx, tx, s.now(), userID, TokenPasswordReset)
}
