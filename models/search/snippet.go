package search

import (
	"html"
	"html/template"
	"strings"
	"unicode/utf8"
)

// snippetWords is how many words a result's snippet shows.
const snippetWords = 30

// highlighter marks a query's words in result text, with the other forms of
// its words (stems, synonyms, compounds, phrases), as ranking finds them.
type highlighter struct {
	m    *matcher
	best []float64
}

func newHighlighter(plan *searchPlan) *highlighter {
	return &highlighter{m: newMatcher(plan), best: make([]float64, len(plan.groups))}
}

// at returns how many words a match starting at word i covers (0: none).
func (h *highlighter) at(text string, spans []WordSpan, words []string, i int) int {
	n := h.m.wordShares(text, spans, words, i, h.best)
	clear(h.best)
	return n
}

// found reports whether text has any word the highlighter marks.
func (h *highlighter) found(text string) bool {
	spans, words := foldedWords(text)
	for i := range words {
		if h.at(text, spans, words, i) > 0 {
			return true
		}
	}
	return false
}

// mark escapes text and wraps matched words in <mark>; with limit > 0 it
// shows only about that many words around the first match.
func (h *highlighter) mark(text string, limit int) template.HTML {
	text = unsegmentCJK(text)
	spans, words := foldedWords(text)
	from, to := 0, len(words)
	if limit > 0 && len(words) > limit {
		first := 0
		for i := range words {
			if h.at(text, spans, words, i) > 0 {
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
		pos = spans[from].Start
	}
	open := 0 // words left in the current mark
	for i := from; i < to; i++ {
		w := spans[i]
		if open == 0 {
			b.WriteString(html.EscapeString(text[pos:w.Start]))
			if n := h.at(text, spans, words, i); n > 0 {
				open = min(n, to-i)
				b.WriteString("<mark>")
			}
		} else {
			// Inside a phrase or compound: what joins its words.
			b.WriteString(html.EscapeString(text[pos:w.Start]))
		}
		b.WriteString(html.EscapeString(text[w.Start:w.End]))
		pos = w.End
		if open > 0 {
			open--
			if open == 0 {
				b.WriteString("</mark>")
			}
		}
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
