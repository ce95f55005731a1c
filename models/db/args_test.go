package db

import (
	"database/sql/driver"
	"testing"
)

// TestArgsPostgreSQLCanStore: flags go as the integers the schema keeps,
// and text PostgreSQL would refuse with an error (NUL, invalid UTF-8) goes
// with those bytes replaced, so hostile input matches nothing instead of
// failing the request; valid text and bytes are untouched.
func TestArgsPostgreSQLCanStore(t *testing.T) {
	args := convertArgs([]driver.NamedValue{{Value: true}, {Value: false}, {Value: "a\x00b"}, {Value: "bad \xff"},
		{Value: "ünïcødé"}, {Value: []byte{0, 0xff}}})
	want := []any{int64(1), int64(0), "a\uFFFDb", "bad \uFFFD", "ünïcødé"}
	for i, w := range want {
		if args[i].Value != w {
			t.Errorf("arg %d: %#v, want %#v", i, args[i].Value, w)
		}
	}
	if b := args[5].Value.([]byte); len(b) != 2 || b[0] != 0 || b[1] != 0xff {
		t.Errorf("bytes changed: %#v", b)
	}
}
