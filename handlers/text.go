package handlers

import (
	"strings"
	"unicode/utf8"
)

// summary makes a plain one-line excerpt of Markdown source for meta descriptions.
func summary(md string, n int) string {
	s := strings.Join(strings.Fields(strings.NewReplacer("#", "", "*", "", "`", "", ">", "", "_", "").Replace(md)), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(r), ' '); i > n/2 {
		return string(r)[:i] + "…"
	}
	return string(r) + "…"
}
