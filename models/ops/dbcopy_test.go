package ops

import (
	"bytes"
	"testing"
)

// TestCopyConvertsWhatSQLiteStored: SQLite keeps whatever a row was given,
// PostgreSQL only what its column's type is; db copy converts each value
// to the target column's type, repairs (and counts) text PostgreSQL cannot
// store, and names what it cannot convert rather than guess.
func TestCopyConvertsWhatSQLiteStored(t *testing.T) {
	for _, c := range []struct {
		in       any
		typ      string
		want     any
		repaired bool
	}{
		{int64(7), "bigint", int64(7), false},
		{float64(3), "bigint", int64(3), false},
		{" 42", "bigint", int64(42), false},
		{[]byte("9"), "bigint", int64(9), false},
		{int64(2), "double precision", float64(2), false},
		{"1", "bytea", []byte("1"), false},
		{[]byte{0, 1}, "bytea", []byte{0, 1}, false},
		{int64(1), "boolean", true, false},
		{"plain", "text", "plain", false},
		{[]byte("blob text"), "text", "blob text", false},
		{int64(12), "text", "12", false},
		{"bad \xff byte", "text", "bad \uFFFD byte", true},
		{"nul\x00inside", "text", "nulinside", true},
		{nil, "bigint", nil, false},
	} {
		got, repaired, err := convertValue(c.in, c.typ)
		if err != nil {
			t.Errorf("%#v as %s: %v", c.in, c.typ, err)
			continue
		}
		var same bool
		if b, ok := got.([]byte); ok {
			w, _ := c.want.([]byte)
			same = bytes.Equal(b, w)
		} else {
			same = got == c.want
		}
		if !same || repaired != c.repaired {
			t.Errorf("%#v as %s: %#v (repaired %v), want %#v (%v)", c.in, c.typ, got, repaired, c.want, c.repaired)
		}
	}
	for _, c := range []struct {
		in  any
		typ string
	}{{"twelve", "bigint"}, {1.5, "bigint"}, {"x", "double precision"}} {
		if got, _, err := convertValue(c.in, c.typ); err == nil {
			t.Errorf("%#v as %s: %#v, want an error", c.in, c.typ, got)
		}
	}
}
