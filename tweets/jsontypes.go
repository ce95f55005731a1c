package tweets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// flexString accepts a JSON string or number. Archives write every number as
// a string and the APIs write ids as numbers; a number is kept as its literal
// digits, never passed through float64, which would change ids above 2^53.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode string: %w", err)
		}
		*f = flexString(s)
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*f = flexString(b)
	default:
		// Objects, arrays and booleans carry no usable id; ignoring them keeps
		// one odd field from costing the whole record.
		*f = ""
	}
	return nil
}

// flexBool accepts true/false as JSON booleans or strings, since archives
// have stringified some scalars over the years.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	*f = flexBool(strings.EqualFold(s, "true") || s == "1")
	return nil
}

// isDigits reports whether s is a non-empty run of ASCII digits: the shape of
// every tweet and user id.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// firstOf returns the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// list is a JSON array that also accepts what R's jsonlite writes for one
// (academictwitteR saves API v2 data with it): {} for an empty list, and a
// single object where the list had one element. null is empty too. Without
// it, one empty list in a record cost the whole record.
type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null" || isEmptyObject(b):
		*l = nil
		return nil
	case b[0] == '{':
		var one T
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = list[T]{one}
		return nil
	}
	var many []T
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// isEmptyObject reports {} with any white space inside.
func isEmptyObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' && len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}
