package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/notallowed"
)

// Identity links an account to a person at an external identity provider
// (single sign-on): the provider's issuer and the subject id it gives that
// person, which never changes (an email address can). A sign-in through
// the provider finds the account by these two alone (UserByIdentity).
type Identity struct {
	Issuer     string
	Subject    string
	Email      string // what the provider asserted when the link was made
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// LinkIdentity links an identity to u. The same identity cannot belong to
// two accounts: ErrNotAllowed when it is another's already; linking it to
// u again only refreshes its email. Deciding that the person signing in is
// u (a verified email, their password) is the caller's: this only records it.
func (s *Store) LinkIdentity(ctx context.Context, u *User, id Identity) error {
	id.Issuer, id.Subject = strings.TrimSpace(id.Issuer), strings.TrimSpace(id.Subject)
	if id.Issuer == "" || id.Subject == "" {
		return fmt.Errorf("link identity: issuer and subject are required")
	}
	if u.Deleted() || u.Imported {
		return &ErrNotAllowed{Kind: notallowed.CannotSignIn}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.linkIdentity(ctx, tx, u, id) })
}

// linkIdentity is LinkIdentity in the caller's transaction.
func (s *Store) linkIdentity(ctx context.Context, tx *sql.Tx, u *User, id Identity) error {
	now := s.now().Unix()
	var owner int64
	err := tx.QueryRowContext(ctx, `SELECT user_id FROM user_identities WHERE issuer = ? AND subject = ?`, id.Issuer, id.Subject).Scan(&owner)
	switch {
	case err == nil && owner != u.ID:
		return &ErrNotAllowed{Kind: notallowed.IdentityTaken}
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE user_identities SET email = ?, last_used_at = ? WHERE issuer = ? AND subject = ?`,
			id.Email, now, id.Issuer, id.Subject)
		return err
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("link identity: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO user_identities (issuer, subject, user_id, email, created_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id.Issuer, id.Subject, u.ID, id.Email, now, now)
	return err
}

// UserByIdentity finds the live account an identity is linked to:
// ErrNotFound when none is.
func (s *Store) UserByIdentity(ctx context.Context, issuer, subject string) (*User, error) {
	u, err := scanUser(s.db.Primary().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE id = (SELECT user_id FROM user_identities WHERE issuer = ? AND subject = ?) AND deleted_at IS NULL`, issuer, subject))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("user by identity: %w", err)
	}
	return u, nil
}

// Identities lists the identities linked to an account, oldest first.
func (s *Store) Identities(ctx context.Context, userID int64) ([]Identity, error) {
	rows, err := s.db.Primary().QueryContext(ctx, `SELECT issuer, subject, email, created_at, last_used_at FROM user_identities
		WHERE user_id = ? ORDER BY created_at, issuer, subject`, userID)
	if err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	defer rows.Close()
	var out []Identity
	for rows.Next() {
		var id Identity
		var created, used int64
		if err := rows.Scan(&id.Issuer, &id.Subject, &id.Email, &created, &used); err != nil {
			return nil, err
		}
		id.CreatedAt, id.LastUsedAt = time.Unix(created, 0), time.Unix(used, 0)
		out = append(out, id)
	}
	return out, rows.Err()
}
