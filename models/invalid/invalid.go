// Package invalid is a form refused: each field's name and what is wrong
// with it, in words for the person who filled it in, which the web layer
// shows beside the fields (the form shown again with what was typed). Every
// domain package under models returns it where the check is made; models
// names it ValidationError.
//
// It has no SQL and imports nothing of the module, so any package may use it.
package invalid

import (
	"sort"
	"strings"
)

// Error is a refused form: the fields and what is wrong with each.
type Error struct {
	Fields map[string]string
}

func (e *Error) Error() string {
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

// Fields collects a form's field errors while it is checked: the first
// message for a field stays.
type Fields map[string]string

// Check records msg for field unless ok (or the field already has one).
func (v Fields) Check(ok bool, field, msg string) {
	if !ok {
		if _, exists := v[field]; !exists {
			v[field] = msg
		}
	}
}

// Err is the refusal of the fields collected, nil when there is none.
func (v Fields) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Fields: v}
}
