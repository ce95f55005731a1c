package models

import (
	"github.com/crowdcare/crowdcare/models/accounts"
)

// Password resets moved to models/accounts, which the store embeds
// (RequestPasswordReset, PasswordResetUser, ResetPassword,
// SendPasswordReset).

// ResetComposer writes the email a reset link goes out in. Alias: moved to models/accounts.
type ResetComposer = accounts.ResetComposer
