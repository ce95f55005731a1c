package social

import "testing"

// TestRepeatKey: one author's text has one key whatever the handle's case;
// the X user id, when given, names the author instead of the handle; an
// author nobody names has none; another text or author is another key.
func TestRepeatKey(t *testing.T) {
	const text = "Great deal on routers at cheap-routers.example"
	k := RepeatKey("", "SpamBot", text)
	if k == 0 || RepeatKey("", "spambot", text) != k {
		t.Fatalf("a handle's copies differ: %d %d", k, RepeatKey("", "spambot", text))
	}
	if RepeatKey("", "", text) != 0 {
		t.Error("an unnamed author's text has a key")
	}
	byID := RepeatKey("12345", "SpamBot", text)
	if byID == k || RepeatKey("12345", "renamed", text) != byID {
		t.Error("the X user id does not name the author")
	}
	if RepeatKey("", "SpamBot", text+"!") == k || RepeatKey("", "OtherBot", text) == k {
		t.Error("another text or author has the same key")
	}
}
