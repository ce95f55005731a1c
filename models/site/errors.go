package site

import (
	"sort"
	"strings"
)

// FormError is a form or an image refused: each field's name and what is
// wrong with it, in words for the person who filled it in. models turns it
// into its ValidationError, which the web layer shows beside the fields.
type FormError struct {
	Fields map[string]string
}

func (e *FormError) Error() string {
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

// validator collects field errors: the first message for a field stays.
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
	return &FormError{Fields: v}
}
