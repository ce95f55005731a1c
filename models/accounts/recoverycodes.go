package accounts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"strings"
)

// Recovery codes stand in for the authenticator app or a passkey, once
// each, for someone who lost them; and an operator's reset for someone who
// lost those too.

// NewRecoveryCodes replaces the account's recovery codes with a new set,
// returned once: only their hashes are kept.
func (a *Accounts) NewRecoveryCodes(ctx context.Context, userID int64) ([]string, error) {
	var codes []string
	err := a.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		codes, err = a.replaceRecoveryCodes(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("new recovery codes for %d: %w", userID, err)
	}
	return codes, nil
}

// recoveryAlphabet leaves out letters read as digits (0/O, 1/I/L) and U.
const recoveryAlphabet = "abcdefghjkmnpqrstvwxyz23456789"

func (a *Accounts) replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, userID int64) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return nil, err
	}
	codes := make([]string, RecoveryCodeCount)
	now := a.now().Unix()
	for i := range codes {
		// 16 characters of 30: 78 bits, too many to guess or to search
		// for from a stolen hash, so a plain SHA-256 is enough.
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		for j := range b {
			b[j] = recoveryAlphabet[int(b[j])%len(recoveryAlphabet)]
		}
		codes[i] = string(b[:4]) + "-" + string(b[4:8]) + "-" + string(b[8:12]) + "-" + string(b[12:])
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)`,
			userID, HashToken(normalizeRecoveryCode(codes[i])), now); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// normalizeRecoveryCode is a code as typed, without spaces and dashes, in lower case.
func normalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, code)
}

// ResetSecondFactors removes every second factor of an account (app,
// recovery codes, passkeys) and ends its sessions: for someone who lost
// them all, by an operator (crowdcare user reset-2fa). If their role must
// have one, they are asked to set one up again at their next staff page.
func (a *Accounts) ResetSecondFactors(ctx context.Context, userID int64) error {
	err := a.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM totp_secrets WHERE user_id = ?`, `DELETE FROM recovery_codes WHERE user_id = ?`,
			`DELETE FROM passkeys WHERE user_id = ?`, `DELETE FROM second_factor_failures WHERE user_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return err
			}
		}
		return endSessionsTx(ctx, tx, userID)
	})
	if err != nil {
		return fmt.Errorf("reset second factors of %d: %w", userID, err)
	}
	return nil
}
