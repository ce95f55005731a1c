package handlers

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// summary makes a plain one-line excerpt of Markdown source for meta
// descriptions, JSON-LD and feeds: the text a reader sees, its markup gone
// and its own characters (">", "_", "*", "#", backticks) kept, cut at n.
func (h *Handler) summary(md string, n int) string {
	s := h.store.PlainText(md)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(r), ' '); i > n/2 {
		return string(r)[:i] + "…"
	}
	return string(r) + "…"
}

// threadRef reads a thread given by its number or by a pasted address.
func threadRef(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		return id, true
	}
	return threadIDFromURL(s)
}

// threadIDFromURL reads the id from a pasted thread address like
// "https://forum/t/12/some-title" or "/t/12".
func threadIDFromURL(s string) (int64, bool) {
	i := strings.Index(s, "/t/")
	if i < 0 {
		return 0, false
	}
	rest := s[i+3:]
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		rest = rest[:j]
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}
