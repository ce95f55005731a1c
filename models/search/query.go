package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Query limits: longer input is cut, not refused.
const (
	queryMaxRunes = 500
	queryMaxTerms = 16
)

// Term is one word or "phrase" of a user's query.
type Term struct {
	Text   string // as the index sees it (CJK segmented)
	Negate bool   // -word
	Prefix bool   // word*
	Quoted bool   // "exact phrase": no other forms
	Raw    string // as typed, for compounds ("wi-fi")
	// SeqKeys are this word with the next one and two, folded, when the
	// query goes on with plain words: "log in" finds the synonyms of
	// "log in" too.
	SeqKeys []string
}

// ParseQuery reads what a person typed into terms. Supported syntax:
// words (all must match), "exact phrase", -word (exclude), word* (prefix).
// Everything else is just text: no input can produce an FTS5 syntax error,
// because every term is later written as a quoted FTS5 string.
func ParseQuery(input string) []Term {
	if utf8.RuneCountInString(input) > queryMaxRunes {
		input = string([]rune(input)[:queryMaxRunes])
	}
	input = strings.ToValidUTF8(input, " ")
	var terms []Term
	rest := input
	for len(terms) < queryMaxTerms {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		var raw string
		var t Term
		if strings.HasPrefix(rest, "-\"") {
			t.Negate = true
			rest = rest[1:]
		}
		if rest[0] == '"' {
			t.Quoted = true
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				raw, rest = rest[1:], ""
			} else {
				raw, rest = rest[1:end+1], rest[end+2:]
			}
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			raw, rest = rest[:end], rest[end:]
			if len(raw) > 1 && raw[0] == '-' {
				t.Negate, raw = true, raw[1:]
			}
			if strings.HasSuffix(raw, "*") {
				t.Prefix = true
			}
		}
		t.Text, t.Raw = CleanTerm(raw), raw
		if t.Text != "" {
			terms = append(terms, t)
		}
	}
	return terms
}

// CleanTerm keeps letters, digits and marks; everything else separates words
// inside the term, as the index's tokenizer does.
func CleanTerm(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(SegmentCJK(b.String())), " ")
}

// FTSString quotes text as an FTS5 string literal.
func FTSString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// SegmentCJK puts spaces around Chinese, Japanese and Korean characters.
// The index's tokenizer does not split words in scripts written without
// spaces, so each character becomes a token and a word typed in a query
// becomes a phrase of characters: substring search for those scripts.
func SegmentCJK(s string) string {
	if !HasCJK(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if IsCJK(r) {
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func HasCJK(s string) bool {
	for _, r := range s {
		if IsCJK(r) {
			return true
		}
	}
	return false
}

func IsCJK(r rune) bool {
	if r < 0x1100 { // Hangul Jamo, the first of these scripts
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r) || r == 'ー'
}

// IsStopWord reports whether a word is too common to look for on its own:
// such words are left out of a query (and said so) unless it has nothing
// else, so "xyzzy nothing" does not list every post that says "nothing".
// The list is English's usual one, plus words that say how often.
func IsStopWord(w string) bool {
	switch w {
	case "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "anyone",
		"anything", "are", "aren", "as", "at", "be", "because", "been", "before", "being", "below", "between",
		"both", "but", "by", "can", "cannot", "cant", "could", "couldn", "d", "did", "didn", "do", "does", "doesn",
		"doing", "don", "dont", "during", "each", "even", "ever", "every", "everything", "few", "for",
		"from", "further", "get", "gets", "getting", "got", "had", "hadn", "has", "hasn", "have", "haven", "having",
		"he", "hello", "her", "here", "hers", "herself", "hi", "him", "himself", "his", "how", "i", "if", "im", "in",
		"into", "is", "isn", "it", "its", "itself", "ive", "just", "ll", "m", "me", "might", "more", "most", "much",
		"must", "my", "myself", "need", "needs", "no", "nor", "not", "nothing", "now", "o", "of", "ok",
		"okay", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "over", "own", "please",
		"re", "really", "s", "same", "she", "should", "shouldn", "so", "some", "something", "still", "such", "t",
		"than", "thanks", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they",
		"this", "those", "through", "to", "too", "under", "until", "us", "ve", "very", "was", "wasn", "we",
		"were", "weren", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "won",
		"wont", "would", "wouldn", "y", "yet", "you", "your", "yours", "yourself":
		return true
	// Particles ("drops out", "went off", "set up"): the verb says what.
	case "out", "up", "off":
		return true
	// How often, not what: customers write "keeps dropping", "always
	// freezes", and the question's title says "drops" or "freezes".
	case "keep", "keeps", "keeping", "kept", "always", "constantly", "continually", "repeatedly", "randomly",
		"sometimes", "often", "suddenly", "occasionally":
		return true
	}
	return false
}
