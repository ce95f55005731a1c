package markup

import "testing"

func TestCleanTextAndFirstControl(t *testing.T) {
	if got := CleanText("Wi\x00-Fi \xff drops"); got != "Wi-Fi  drops" {
		t.Errorf("CleanText = %q", got)
	}
	if got := CleanText("Café 東京"); got != "Café 東京" {
		t.Errorf("clean text changed: %q", got)
	}
	for s, want := range map[string]rune{"ok title": 0, "bell\a": '\a', "esc\x1b[2J": 0x1b, "c1\u0085": 0x85, "del\x7f": 0x7f} {
		r, found := FirstControl(s)
		if found != (want != 0) || r != want {
			t.Errorf("FirstControl(%q) = %q, %v; want %q", s, r, found, want)
		}
	}
}
