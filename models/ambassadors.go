package models

import (
	"github.com/crowdcare/crowdcare/models/accounts"
)

// The ambassador programme (requests and verification, roles, the
// directories) moved to models/accounts: the store embeds it. Aliases and
// wrappers for what models and the web layer name here:

// AmbassadorLinkTTL is how long a verification link works. Alias: moved to models/accounts.
const AmbassadorLinkTTL = accounts.AmbassadorLinkTTL

// ErrLinkInvalid covers unknown, expired, reused and foreign verification
// links alike. Alias: moved to models/accounts.
var ErrLinkInvalid = accounts.ErrLinkInvalid

// AmbassadorRequest is a verification link that was sent and not used.
// Alias: moved to models/accounts.
type AmbassadorRequest = accounts.AmbassadorRequest

// hashToken is how one-time links' secrets are kept (accounts.HashToken).
func hashToken(token string) string { return accounts.HashToken(token) }
