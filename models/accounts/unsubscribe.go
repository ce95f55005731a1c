package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// UnsubscribeToken signs a user id for the one-click unsubscribe link in
// emails, so the link works without logging in and cannot be forged for
// someone else.
func (a *Accounts) UnsubscribeToken(ctx context.Context, userID int64) (string, error) {
	key, err := a.deps.Secret(ctx, "unsubscribe_key", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return "", fmt.Errorf("unsubscribe key: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unsubscribe:" + strconv.FormatInt(userID, 10)))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// Unsubscribe turns off notification emails for the user the token was made for.
func (a *Accounts) Unsubscribe(ctx context.Context, userID int64, token string) error {
	want, err := a.UnsubscribeToken(ctx, userID)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(want), []byte(token)) {
		return ErrLinkInvalid
	}
	return a.SetEmailNotifications(ctx, userID, false)
}

// SetEmailNotifications turns a member's notification emails on or off.
func (a *Accounts) SetEmailNotifications(ctx context.Context, userID int64, on bool) error {
	_, err := a.db.Exec(ctx, `UPDATE users SET email_notifications = ? WHERE id = ?`, on, userID)
	return err
}
