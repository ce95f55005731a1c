package models

import (
	"github.com/pquerna/otp"

	"github.com/crowdcare/crowdcare/models/accounts"
)

// Two-factor authentication (the authenticator app, recovery codes and
// passkeys) moved to models/accounts, which the store embeds
// (SecondFactors, EnableTOTP, CheckSecondFactor, NewRecoveryCodes,
// ResetSecondFactors, AddPasskey, …). Aliases for what the web layer names
// here:

// RecoveryCodeCount is how many recovery codes a set has. Alias: moved to models/accounts.
const RecoveryCodeCount = accounts.RecoveryCodeCount

// MaxPasskeys bounds the passkeys of one account. Alias: moved to models/accounts.
const MaxPasskeys = accounts.MaxPasskeys

// ErrBadCode is a wrong, reused or expired second-factor code. Alias: moved to models/accounts.
var ErrBadCode = accounts.ErrBadCode

// SecondFactors is what an account has set up. Alias: moved to models/accounts.
type SecondFactors = accounts.SecondFactors

// Passkey is a WebAuthn credential registered as a second factor. Alias: moved to models/accounts.
type Passkey = accounts.Passkey

// SecondFactorUsed says which factor a passed check used. Alias: moved to models/accounts.
type SecondFactorUsed = accounts.SecondFactorUsed

// The factors a check may pass with. Alias: moved to models/accounts.
const (
	UsedTOTP         = accounts.UsedTOTP
	UsedRecoveryCode = accounts.UsedRecoveryCode
	UsedPasskey      = accounts.UsedPasskey
)

// NewTOTPKey makes a secret for an authenticator app (accounts.NewTOTPKey).
func NewTOTPKey(site, username string) (*otp.Key, error) { return accounts.NewTOTPKey(site, username) }
