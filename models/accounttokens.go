package models

import (
	"github.com/crowdcare/crowdcare/models/accounts"
)

// Kinds of one-time link sent to an account's address. Alias: moved to models/accounts.
const (
	TokenVerifyEmail   = accounts.TokenVerifyEmail
	TokenChangeEmail   = accounts.TokenChangeEmail
	TokenPasswordReset = accounts.TokenPasswordReset
)

// How long each kind of link works. Alias: moved to models/accounts.
const (
	VerifyLinkTTL = accounts.VerifyLinkTTL
	ResetLinkTTL  = accounts.ResetLinkTTL
)
