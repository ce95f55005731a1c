package invalid

import (
	"errors"
	"testing"
)

func TestFieldsKeepTheFirstMessage(t *testing.T) {
	v := Fields{}
	if v.Err() != nil {
		t.Fatal("no field refused: an error")
	}
	v.Check(true, "title", "never")
	v.Check(false, "title", "Use at least 10 characters.")
	v.Check(false, "title", "a second message")
	v.Check(false, "body", "Say a little more.")
	var e *Error
	if err := v.Err(); !errors.As(err, &e) {
		t.Fatalf("%v is not an *Error", err)
	}
	if len(e.Fields) != 2 || e.Fields["title"] != "Use at least 10 characters." || e.Fields["body"] != "Say a little more." {
		t.Errorf("fields %v", e.Fields)
	}
	if got, want := e.Error(), "invalid input: body: Say a little more.; title: Use at least 10 characters."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
