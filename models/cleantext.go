package models

import (
	"strings"
	"unicode"
)

// cleanText is applied to every text a user or an import stores: NUL bytes
// and invalid UTF-8 are dropped. SQLite keeps NULs inside strings, but FTS5's
// tokenizer stops at them, so the index and the text would disagree (its
// integrity check reports a checksum mismatch); no reader wants them anyway.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "")
}

// firstControl finds the first control character (C0, DEL, C1) in s: in a
// title it would ring a terminal's bell, move its cursor or hide text in a
// log or an export. Callers fold whitespace (tabs, line breaks) first.
func firstControl(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) {
			return r, true
		}
	}
	return 0, false
}
