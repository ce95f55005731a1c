package models

import (
	"html"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// snippetWords is how many words a result's snippet shows.
const snippetWords = 30

// foldWord is how the index compares words: lower case, accents removed.
func foldWord(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(w)
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(w)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wordSpan is one word of a text, by byte offsets.
type wordSpan struct{ start, end int }

func splitWords(s string) []wordSpan {
	var out []wordSpan
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, wordSpan{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, wordSpan{start, len(s)})
	}
	return out
}

// highlighter marks the words of a query in result text: each group's
// forms, and words whose stem is one of the groups' stems.
type highlighter struct {
	exact    map[string]bool
	prefix   []string
	stems    map[string]bool
	stemmers []*stemmer
}

func newHighlighter(plan *searchPlan) *highlighter {
	h := &highlighter{exact: map[string]bool{}, stems: map[string]bool{}, stemmers: plan.stemmers}
	for _, g := range plan.groups {
		for w := range g.words {
			h.exact[w] = true
		}
		for st := range g.stems {
			h.stems[st] = true
		}
		for _, seq := range g.seqs {
			for _, w := range seq.words {
				h.exact[w] = true
			}
		}
		if g.prefix != "" {
			h.prefix = append(h.prefix, g.prefix)
		}
	}
	return h
}

func (h *highlighter) matches(word string) bool {
	f := foldWord(word)
	if h.exact[f] || h.stems[f] {
		return true
	}
	for _, p := range h.prefix {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	if len(h.stems) == 0 || len(f) < 3 {
		return false
	}
	// Stemming every word would cost more than the search: only words
	// that start like a stem (all but its last letter, which stemming may
	// change: battery, batteri) are stemmed.
	lower := strings.ToLower(word)
	for st := range h.stems {
		if strings.HasPrefix(f, st[:max(2, len(st)-1)]) {
			for _, s := range h.stemmers {
				if h.stems[foldWord(s.stem(lower))] {
					return true
				}
			}
			return false
		}
	}
	return false
}

// mark escapes text and wraps matched words in <mark>; with limit > 0 it
// shows only about that many words around the first match.
func (h *highlighter) mark(text string, limit int) template.HTML {
	text = unsegmentCJK(text)
	words := splitWords(text)
	from, to := 0, len(words)
	if limit > 0 && len(words) > limit {
		first := 0
		for i, w := range words {
			if h.matches(text[w.start:w.end]) {
				first = i
				break
			}
		}
		from = max(0, first-limit/4)
		to = min(len(words), from+limit)
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := 0
	if from > 0 {
		pos = words[from].start
	}
	for _, w := range words[from:to] {
		b.WriteString(html.EscapeString(text[pos:w.start]))
		word := text[w.start:w.end]
		if h.matches(word) {
			b.WriteString("<mark>" + html.EscapeString(word) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(word))
		}
		pos = w.end
	}
	if to < len(words) {
		b.WriteString("…")
	} else {
		b.WriteString(html.EscapeString(text[pos:]))
	}
	return template.HTML(b.String())
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// found reports whether any word of text is one the highlighter marks.
func (h *highlighter) found(text string) bool {
	for _, w := range splitWords(text) {
		if h.matches(text[w.start:w.end]) {
			return true
		}
	}
	return false
}
