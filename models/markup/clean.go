package markup

import (
	"strings"
	"unicode"
)

// CleanText is applied to every text a member or an import stores: NUL
// bytes and invalid UTF-8 are dropped. SQLite keeps NULs inside strings, but
// FTS5's tokenizer stops at them, so the index and the text would disagree
// (its integrity check reports a checksum mismatch); no reader wants them
// anyway.
func CleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "")
}

// FirstControl finds the first control character (C0, DEL, C1) in s: in a
// title or a name it would ring a terminal's bell, move its cursor or hide
// text in a log or an export. Callers fold whitespace (tabs, line breaks)
// first.
func FirstControl(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) {
			return r, true
		}
	}
	return 0, false
}
