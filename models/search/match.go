package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// formMatch is a group a form of the query counts for, and its share.
type formMatch struct {
	group int
	share float64
}

// seqMatch is a form of several words.
type seqMatch struct {
	group int
	words []string
	share float64
}

// matcher finds a query's forms in result text, for ranking and
// highlighting: words and compounds, stems (a word is stemmed only when it
// starts like one of the query's stems, so a page of text costs little),
// phrases and prefixes. It belongs to one search.
type matcher struct {
	groups   int
	words    map[string][]formMatch // folded words, and compounds written together
	stems    map[string][]formMatch
	stemKeys map[string][]string // the first two bytes of each stem
	seqs     []seqMatch
	prefixes []formMatch // share unused; prefix in prefixOf
	prefixOf []string
	stemmers []*Stemmer
	stemmed  map[string][]string // a word's stems, once per search
}

func newMatcher(p *searchPlan) *matcher {
	m := &matcher{groups: len(p.groups), words: map[string][]formMatch{}, stems: map[string][]formMatch{},
		stemKeys: map[string][]string{}, stemmers: p.stemmers, stemmed: map[string][]string{}}
	for i, g := range p.groups {
		for w, sh := range g.words {
			m.words[w] = append(m.words[w], formMatch{i, sh})
		}
		for st, sh := range g.stems {
			if _, ok := m.stems[st]; !ok && len(st) >= 2 {
				m.stemKeys[st[:2]] = append(m.stemKeys[st[:2]], st)
			}
			m.stems[st] = append(m.stems[st], formMatch{i, sh})
		}
		for _, seq := range g.seqs {
			m.seqs = append(m.seqs, seqMatch{i, seq.words, seq.share})
		}
		if g.prefix != "" {
			m.prefixes = append(m.prefixes, formMatch{group: i})
			m.prefixOf = append(m.prefixOf, g.prefix)
		}
	}
	return m
}

// groupCount is how often a text has a group's forms (each place once)
// and the best form's share.
type groupCount struct{ n, best float64 }

// stemsOf returns a word's stems, one per language, folded.
func (m *matcher) stemsOf(folded, lower string) []string {
	if st, ok := m.stemmed[folded]; ok {
		return st
	}
	var out []string
	for _, s := range m.stemmers {
		out = append(out, FoldWord(s.Stem(lower)))
	}
	m.stemmed[folded] = out
	return out
}

// wordShares sets best[g] to the best share with which the word at i (of
// words, spans of text) counts for group g; it returns how many words the
// longest form found there covers (0: none).
func (m *matcher) wordShares(text string, spans []WordSpan, words []string, i int, best []float64) int {
	w, extent := words[i], 0
	set := func(g int, sh float64, n int) {
		if sh > best[g] {
			best[g] = sh
		}
		extent = max(extent, n)
	}
	for _, fm := range m.words[w] {
		set(fm.group, fm.share, 1)
	}
	// A compound starting here, written together.
	if i+1 < len(spans) && isJoinedPair(text, spans[i], spans[i+1]) {
		j := i + 1
		for j+1 < len(spans) && isJoinedPair(text, spans[j], spans[j+1]) {
			j++
		}
		for _, fm := range m.words[strings.Join(words[i:j+1], "")] {
			set(fm.group, fm.share, j-i+1)
		}
	}
	if len(w) >= 2 {
		for _, st := range m.stemKeys[w[:2]] {
			if strings.HasPrefix(w, st[:max(2, len(st)-1)]) {
				for _, ws := range m.stemsOf(w, strings.ToLower(text[spans[i].Start:spans[i].End])) {
					for _, fm := range m.stems[ws] {
						set(fm.group, fm.share*stemShare, 1)
					}
				}
				break
			}
		}
	}
	for _, seq := range m.seqs {
		if seqAt(words, i, seq.words) {
			set(seq.group, seq.share, len(seq.words))
		}
	}
	for k, p := range m.prefixOf {
		if strings.HasPrefix(w, p) {
			set(m.prefixes[k].group, 1, 1)
		}
	}
	return extent
}

// scan adds each group's matches in text to counts and returns the number
// of words in text.
func (m *matcher) scan(text string, counts []groupCount) int {
	spans, words := foldedWords(text)
	best := make([]float64, m.groups)
	for i := range words {
		if m.wordShares(text, spans, words, i, best) == 0 {
			continue
		}
		for g, b := range best {
			if b > 0 {
				counts[g].n++
				counts[g].best = max(counts[g].best, b)
				best[g] = 0
			}
		}
	}
	return len(words)
}

// seqAt reports whether words from i on are seq.
func seqAt(words []string, i int, seq []string) bool {
	if i+len(seq) > len(words) {
		return false
	}
	for j, w := range seq {
		if words[i+j] != w {
			return false
		}
	}
	return true
}

// isJoinedPair reports whether two words are separated by exactly one
// hyphen, dot or apostrophe.
func isJoinedPair(t string, a, b WordSpan) bool {
	between := t[a.End:b.Start]
	return between == "-" || between == "." || between == "'" || between == "’"
}

// foldedWords splits text into words, folded as the index folds them.
// One pass: ASCII words in lower case (most of them) are slices of text.
func foldedWords(text string) ([]WordSpan, []string) {
	spans := make([]WordSpan, 0, len(text)/6)
	words := make([]string, 0, len(text)/6)
	start, plain := -1, true // plain: ASCII, no capitals so far
	end := func(i int) {
		w := text[start:i]
		if !plain {
			w = FoldWord(w)
		}
		spans, words = append(spans, WordSpan{Start: start, End: i}), append(words, w)
		start, plain = -1, true
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			isWord := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
			upper := 'A' <= c && c <= 'Z'
			switch {
			case isWord || upper:
				if start < 0 {
					start = i
				}
				plain = plain && !upper
			case start >= 0:
				end(i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			plain = false
		} else if start >= 0 {
			end(i)
		}
		i += n
	}
	if start >= 0 {
		end(len(text))
	}
	return spans, words
}
