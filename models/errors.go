package models

import (
	"errors"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/invalid"
)

// ErrNotFound is returned when a row does not exist or is not visible.
var ErrNotFound = errors.New("not found")

// ErrForbidden is returned when the acting user may not do what was asked.
var ErrForbidden = errors.New("forbidden")

// ErrPageTooDeep is returned for a page of a list past MaxListPage
// (forum.ErrPageTooDeep). Alias: moved to models/forum.
var ErrPageTooDeep = forum.ErrPageTooDeep

// ErrThrottled is returned when too many attempts were made recently.
// Alias: moved to models/accounts (sign-in and sign-up's throttles).
var ErrThrottled = accounts.ErrThrottled

// ValidationError maps form fields to what is wrong with them
// (invalid.Error). Alias: moved to models/invalid, which every domain
// package returns.
type ValidationError = invalid.Error

// validator collects field errors (invalid.Fields).
type validator = invalid.Fields
