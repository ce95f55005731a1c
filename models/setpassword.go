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
	v.check(utf8.RuneCountInString(password) >= PasswordMinLen, "password", fmt.Sprintf("Use at least %d characters.", PasswordMinLen))
	v.check(len(password) <= PasswordMaxLen, "password", fmt.Sprintf("Use at most %d bytes.", PasswordMaxLen))
	if err := v.err(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ? AND imported = 0`,
			string(hash), u.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotFound // deleted, or made a placeholder, meanwhile
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = lower(?)`, u.Username)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set password of %q: %w", u.Username, err)
	}
	return s.UserByID(ctx, u.ID)
}
