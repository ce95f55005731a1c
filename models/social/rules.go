package social

import (
	"strings"
	"unicode"
)

// Rule is a watch rule: which posts to listen for, and what to do.
type Rule struct {
	ID         int64
	Name       string
	Keywords   []string
	Handles    []string
	Hashtags   []string
	Exclusions []string
	Trusted    bool
	CategoryID int64
	Active     bool
}

// SplitList reads one of a rule's lists as typed: comma-separated, in lower
// case, without a leading "@" or "#", empty entries dropped.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		p = strings.TrimLeft(p, "@#")
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ContainsWord reports whether text has phrase as whole words ("wifi" is not in "wifiless").
func ContainsWord(text, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		before := start == 0 || !isWordByte(text[start-1])
		after := end == len(text) || !isWordByte(text[end])
		if before && after {
			return true
		}
		i = start + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 0x80 && unicode.IsLetter(rune(b))
}

// Matches reports whether a post's text or author matches the rule.
func (r Rule) Matches(text, author string) bool {
	lower := strings.ToLower(text)
	for _, x := range r.Exclusions {
		if ContainsWord(lower, x) {
			return false
		}
	}
	for _, k := range r.Keywords {
		if ContainsWord(lower, k) {
			return true
		}
	}
	for _, h := range r.Handles {
		if strings.EqualFold(author, h) || ContainsWord(lower, "@"+h) {
			return true
		}
	}
	for _, h := range r.Hashtags {
		if ContainsWord(lower, "#"+h) {
			return true
		}
	}
	return false
}
