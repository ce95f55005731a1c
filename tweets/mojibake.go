package tweets

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// repairMojibake undoes UTF-8 that was read as Mac Roman and saved again
// (Excel for Mac: ‘ becomes ‚Äò, 🤥 becomes ü§•). Each run of characters that
// maps back to bytes forming a valid multi-byte UTF-8 sequence is replaced
// by that character; everything else is kept as it was, so a text mixing
// damaged and intact parts is only mended where damaged. The result is kept
// only when it has fewer such sequences than the input, which leaves
// correct text (café, naïve, 日本語) alone.
func repairMojibake(s string) string {
	if isASCII(s) {
		return s
	}
	repaired, before := mend(s)
	if before == 0 {
		return s
	}
	if _, after := mend(repaired); after < before {
		return repaired
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// mend rewrites each Mac Roman run that encodes a multi-byte UTF-8
// character and reports how many it rewrote.
func mend(s string) (string, int) {
	var (
		out      strings.Builder
		runes    []rune // the original characters of the current run
		encoded  []byte // their Mac Roman bytes, one per rune
		repaired int
	)
	flush := func() {
		for i := 0; i < len(encoded); {
			if encoded[i] < utf8.RuneSelf {
				out.WriteRune(runes[i])
				i++
				continue
			}
			r, size := utf8.DecodeRune(encoded[i:])
			if r == utf8.RuneError || size < 2 {
				out.WriteRune(runes[i])
				i++
				continue
			}
			out.WriteRune(r)
			repaired++
			i += size
		}
		runes, encoded = runes[:0], encoded[:0]
	}
	for _, r := range s {
		b, ok := charmap.Macintosh.EncodeRune(r)
		if !ok || r == utf8.RuneError {
			flush()
			out.WriteRune(r)
			continue
		}
		runes = append(runes, r)
		encoded = append(encoded, b)
	}
	flush()
	if repaired == 0 {
		return s, 0
	}
	return out.String(), repaired
}
