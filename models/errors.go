package models

import (
	"errors"
	"sort"
	"strings"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/forum"
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

// ValidationError maps form fields to what is wrong with them.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// validator collects field errors.
type validator map[string]string

func (v validator) check(ok bool, field, msg string) {
	if !ok {
		if _, exists := v[field]; !exists {
			v[field] = msg
		}
	}
}

func (v validator) err() error {
	if len(v) == 0 {
		return nil
	}
	return &ValidationError{Fields: v}
}
