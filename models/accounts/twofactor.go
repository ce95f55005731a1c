package accounts

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/invalid"
)

// Two-factor authentication: an authenticator app (TOTP) with recovery
// codes, and passkeys (passkeys.go). Who must have one is a site setting
// (SiteSettings.Require2FA); anyone may set one up. The web layer asks for
// it after the password (or the identity provider) and before a session
// starts; this file keeps the factors and checks the codes.

// TOTP parameters: what every authenticator app understands.
const (
	TOTPPeriod = 30
	totpSkew   = 1 // one step either side: a phone's clock a little off
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Skew: totpSkew, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Second-factor attempts are limited per account: SecondFactorTries wrong
// codes in SecondFactorWindow, then a wait until the oldest leaves it.
const (
	SecondFactorTries  = 5
	SecondFactorWindow = 15 * time.Minute
)

// RecoveryCodeCount is how many recovery codes a set has.
const RecoveryCodeCount = 10

// ErrBadCode is a wrong, reused or expired second-factor code.
var ErrBadCode = errors.New("wrong or used code")

// SecondFactors is what an account has set up.
type SecondFactors struct {
	TOTP         bool
	RecoveryLeft int // unused recovery codes
	Passkeys     []Passkey
}

// Any reports whether the account has a second factor. Recovery codes
// alone are not one: they come with the app and outlive it only until a
// new one is set up.
func (f SecondFactors) Any() bool { return f.TOTP || len(f.Passkeys) > 0 }

// SecondFactors lists an account's second factors.
func (a *Accounts) SecondFactors(ctx context.Context, userID int64) (SecondFactors, error) {
	var f SecondFactors
	err := a.db.Primary().QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM totp_secrets WHERE user_id = ?1),
		(SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL)`, userID).Scan(&f.TOTP, &f.RecoveryLeft)
	if err != nil {
		return f, fmt.Errorf("second factors of %d: %w", userID, err)
	}
	f.Passkeys, err = a.Passkeys(ctx, userID)
	return f, err
}

// HasSecondFactor reports whether the account has an authenticator app or a passkey.
func (a *Accounts) HasSecondFactor(ctx context.Context, userID int64) (bool, error) {
	var has bool
	err := a.db.Primary().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM totp_secrets WHERE user_id = ?1)
		OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = ?1)`, userID).Scan(&has)
	if err != nil {
		return false, fmt.Errorf("has second factor %d: %w", userID, err)
	}
	return has, nil
}

// NewTOTPKey makes a secret for an authenticator app, labelled with the
// site and the username; it is stored only once a code from the app
// confirms it (EnableTOTP).
func NewTOTPKey(site, username string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: site, AccountName: username, Period: TOTPPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// totpMatch finds the time step whose code is code, within the skew around
// now: 0 when none is.
func totpMatch(secret, code string, now time.Time) int64 {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != 6 {
		return 0
	}
	step := now.Unix() / TOTPPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*TOTPPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d
		}
	}
	return 0
}

// EnableTOTP stores the secret of an authenticator app once code, from the
// app, confirms it was set up. It replaces an app set up before. Without
// unused recovery codes, a new set is made and returned (shown once). Every
// session of the account ends: the caller starts a fresh one for this
// browser, which has just proved the factor.
func (a *Accounts) EnableTOTP(ctx context.Context, u *User, secret, code string) ([]string, error) {
	now := a.now()
	step := totpMatch(secret, code, now)
	if step == 0 {
		return nil, &invalid.Error{Fields: map[string]string{"code": "That code does not match. Type the 6 digits the app shows now."}}
	}
	var codes []string
	err := a.db.InTx(ctx, func(tx *sql.Tx) error {
		codes = nil
		if _, err := tx.ExecContext(ctx, `INSERT INTO totp_secrets (user_id, secret, last_step, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = excluded.last_step, created_at = excluded.created_at`,
			u.ID, secret, step, now.Unix()); err != nil {
			return err
		}
		var err error
		codes, err = a.secondFactorAdded(ctx, tx, u.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("enable totp for %d: %w", u.ID, err)
	}
	return codes, nil
}

// DisableTOTP removes the authenticator app (and, without a passkey left,
// the recovery codes that came with it).
func (a *Accounts) DisableTOTP(ctx context.Context, u *User) error {
	err := a.db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM totp_secrets WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?1
			AND NOT EXISTS (SELECT 1 FROM passkeys WHERE user_id = ?1)`, u.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("disable totp for %d: %w", u.ID, err)
	}
	return nil
}

// SecondFactorUsed says which factor a passed check used.
type SecondFactorUsed int

const (
	UsedTOTP SecondFactorUsed = iota + 1
	UsedRecoveryCode
	UsedPasskey
)

// CheckSecondFactor checks a code from the authenticator app, or a
// recovery code, for the account: each works once (a TOTP code's time step
// is remembered, a recovery code is marked used in the same statement that
// checks it). A wrong code is ErrBadCode and counts against the account's
// limit; past it, a *ThrottledError until the oldest failure ages out. The
// check and the count are one transaction, so parallel guesses cannot all
// slip under the limit.
func (a *Accounts) CheckSecondFactor(ctx context.Context, userID int64, code string) (SecondFactorUsed, error) {
	now := a.now()
	var used SecondFactorUsed
	err := a.db.InQuietLockedTx(ctx, secondFactorLock(userID), func(tx *sql.Tx) error {
		used = 0 // run again after a lost race (PostgreSQL): decided afresh
		if err := secondFactorAllowed(ctx, tx, userID, now); err != nil {
			return err
		}
		var err error
		if used, err = useSecondFactor(ctx, tx, userID, code, now); err != nil || used != 0 {
			return err
		}
		return recordSecondFactorFailure(ctx, tx, userID, now)
	})
	if err != nil {
		var te *ThrottledError
		if errors.As(err, &te) {
			return 0, te
		}
		return 0, fmt.Errorf("check second factor of %d: %w", userID, err)
	}
	if used == 0 {
		return 0, ErrBadCode
	}
	return used, nil
}

// useSecondFactor uses code in tx if it is the app's for a time step after
// the last one used, or an unused recovery code; 0 when it is neither.
func useSecondFactor(ctx context.Context, tx *sql.Tx, userID int64, code string, now time.Time) (SecondFactorUsed, error) {
	var secret string
	var last int64
	err := tx.QueryRowContext(ctx, `SELECT secret, last_step FROM totp_secrets WHERE user_id = ?`, userID).Scan(&secret, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if step := totpMatch(secret, code, now); err == nil && step > last {
		// Only a later step than the last one used, checked again here.
		res, err := tx.ExecContext(ctx, `UPDATE totp_secrets SET last_step = ? WHERE user_id = ? AND last_step < ?`, step, userID, step)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return UsedTOTP, nil
		}
	}
	if norm := normalizeRecoveryCode(code); len(norm) == 16 {
		res, err := tx.ExecContext(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
			now.Unix(), userID, HashToken(norm))
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return UsedRecoveryCode, nil
		}
	}
	return 0, nil
}

// SecondFactorFailed counts a failed second-factor attempt (a wrong code,
// a passkey that did not verify) and returns ErrBadCode.
func (a *Accounts) SecondFactorFailed(ctx context.Context, userID int64) error {
	now := a.now()
	err := a.db.InQuietLockedTx(ctx, secondFactorLock(userID), func(tx *sql.Tx) error {
		return recordSecondFactorFailure(ctx, tx, userID, now)
	})
	if err != nil {
		return fmt.Errorf("count second-factor failure of %d: %w", userID, err)
	}
	return ErrBadCode
}

// secondFactorLock orders the second-factor attempts of one account.
func secondFactorLock(userID int64) []string {
	return []string{"second_factor:" + strconv.FormatInt(userID, 10)}
}

// recordSecondFactorFailure counts a failed attempt in tx, forgetting
// those past the window.
func recordSecondFactorFailure(ctx context.Context, tx *sql.Tx, userID int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM second_factor_failures WHERE at <= ?`, now.Add(-SecondFactorWindow).Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO second_factor_failures (user_id, at) VALUES (?, ?)`, userID, now.Unix())
	return err
}

// SecondFactorAllowed refuses with a *ThrottledError while the account
// made too many wrong second-factor attempts.
func (a *Accounts) SecondFactorAllowed(ctx context.Context, userID int64) error {
	return secondFactorAllowed(ctx, a.db.Primary(), userID, a.now())
}

func secondFactorAllowed(ctx context.Context, q db.Querier, userID int64, now time.Time) error {
	var n int
	var first int64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(at), 0) FROM second_factor_failures WHERE user_id = ? AND at > ?`,
		userID, now.Add(-SecondFactorWindow).Unix()).Scan(&n, &first); err != nil {
		return err
	}
	if n >= SecondFactorTries {
		return &ThrottledError{RetryAfter: max(time.Unix(first, 0).Add(SecondFactorWindow).Sub(now), time.Second)}
	}
	return nil
}

// endSessionsTx logs the account out everywhere in tx (EndAllSessions).
func endSessionsTx(ctx context.Context, tx *sql.Tx, userID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?`, userID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// HasPassword reports whether the account can log in with a password: an
// account made by single sign-on has none until its owner sets one.
func (a *Accounts) HasPassword(ctx context.Context, userID int64) (bool, error) {
	var has bool
	if err := a.db.Primary().QueryRowContext(ctx, `SELECT password_hash != '' FROM users WHERE id = ?`, userID).Scan(&has); err != nil {
		return false, fmt.Errorf("has password %d: %w", userID, err)
	}
	return has, nil
}

// CheckPassword checks the account's password as a login from ip does
// (throttled alike), for changes to its second factors: ErrBadCredentials
// or a *ThrottledError.
func (a *Accounts) CheckPassword(ctx context.Context, u *User, password, ip string) error {
	_, err := a.Authenticate(ctx, u.Username, password, ip)
	return err
}

// secondFactorAdded is what adding a second factor (an authenticator app, a
// passkey) does besides storing it, in its transaction: the first one gives
// the account recovery codes (the new ones returned, shown once; nil when
// unused codes are left), and the account's sessions end, so every device
// signs in again with it.
func (a *Accounts) secondFactorAdded(ctx context.Context, tx *sql.Tx, userID int64) (codes []string, err error) {
	var left int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&left); err != nil {
		return nil, err
	}
	if left == 0 {
		if codes, err = a.replaceRecoveryCodes(ctx, tx, userID); err != nil {
			return nil, err
		}
	}
	return codes, endSessionsTx(ctx, tx, userID)
}
