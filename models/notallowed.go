package models

import (
	"errors"

	"github.com/crowdcare/crowdcare/models/notallowed"
)

// ErrNotAllowed is an action refused for a reason the member can act on: its
// kind and the values the sentence needs, which the web layer words
// (handlers' NotAllowedText). Alias: the type lives in models/notallowed so
// that every domain package returns it where the refusal is born.
type ErrNotAllowed = notallowed.Error

// IsNotAllowed reports whether err is a refusal with a reason.
func IsNotAllowed(err error) (*ErrNotAllowed, bool) {
	var e *ErrNotAllowed
	ok := errors.As(err, &e)
	return e, ok
}
