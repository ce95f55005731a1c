package models

import "strings"

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
