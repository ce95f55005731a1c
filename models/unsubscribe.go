package models

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
func (s *Store) UnsubscribeToken(ctx context.Context, userID int64) (string, error) {
	key, err := s.SettingOrCreate(ctx, "unsubscribe_key", func() ([]byte, error) {
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
func (s *Store) Unsubscribe(ctx context.Context, userID int64, token string) error {
	want, err := s.UnsubscribeToken(ctx, userID)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(want), []byte(token)) {
		return ErrLinkInvalid
	}
	return s.SetEmailNotifications(ctx, userID, false)
}
