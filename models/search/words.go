package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FoldWord is how the index compares words: lower case, accents removed.
func FoldWord(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(w); i++ {
			if 'A' <= w[i] && w[i] <= 'Z' {
				return strings.ToLower(w)
			}
		}
		return w
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(w)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WordSpan is one word of a text, by byte offsets.
type WordSpan struct{ Start, End int }

func SplitWords(s string) []WordSpan {
	out := make([]WordSpan, 0, len(s)/6)
	start := -1
	for i, r := range s {
		var word bool
		if r < utf8.RuneSelf {
			word = 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
		} else {
			word = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, WordSpan{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, WordSpan{start, len(s)})
	}
	return out
}

// highlighter marks the words of a query in result text: every form of

// CompoundWords finds the words joined by hyphens, dots or apostrophes in a
// text (Wi-Fi, e-mail, hub-3): runs of letters and digits with one joiner
// between each, as the pattern [\p{L}\p{N}]+(?:[-.'’][\p{L}\p{N}]+)+ finds
// them (TestCompoundWordsMatchThePattern), without its backtracking, which
// took a quarter of an import's text work.
func CompoundWords(t string, fn func(string)) {
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
	isJoiner := func(r rune) bool { return r == '-' || r == '.' || r == '\'' || r == '’' }
	// run returns the end of the letters and digits starting at i.
	run := func(i int) int {
		for i < len(t) {
			r, n := utf8.DecodeRuneInString(t[i:])
			if !isWord(r) {
				break
			}
			i += n
		}
		return i
	}
	for i := 0; i < len(t); {
		r, n := utf8.DecodeRuneInString(t[i:])
		if !isWord(r) {
			i += n
			continue
		}
		end, joined := run(i), false
		for end < len(t) {
			j, jn := utf8.DecodeRuneInString(t[end:])
			if !isJoiner(j) {
				break
			}
			next := run(end + jn)
			if next == end+jn {
				break
			}
			end, joined = next, true
		}
		if joined {
			fn(t[i:end])
		}
		i = end
	}
}

// JoinedForms lists each compound written as one word, once.
func JoinedForms(texts ...string) string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		CompoundWords(t, func(m string) {
			w := strings.ToLower(strings.Map(func(r rune) rune {
				if strings.ContainsRune("-.'’", r) {
					return -1
				}
				return r
			}, m))
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		})
	}
	return strings.Join(out, " ")
}
