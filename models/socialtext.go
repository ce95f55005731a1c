package models

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TweetTitleMax is the longest generated title.
const TweetTitleMax = 100

var (
	leadingMention = regexp.MustCompile(`^(?:[@＠][A-Za-z0-9_]+[\s:,]*)+`)
	urlPattern     = regexp.MustCompile(`https?://\S+`)
	sentenceEnd    = regexp.MustCompile(`[.!?。！？]+(?:\s|$)|\n`)
)

// TweetTitle makes a thread title from a tweet: leading @mentions and links
// removed, the first sentence, at most 100 characters, never empty.
func TweetTitle(text, handle string) string {
	t := strings.TrimSpace(urlPattern.ReplaceAllString(text, " "))
	t = strings.TrimSpace(leadingMention.ReplaceAllString(t, ""))
	if loc := sentenceEnd.FindStringIndex(t); loc != nil && loc[0] > 0 {
		t = t[:loc[1]]
	}
	t = strings.Join(strings.Fields(t), " ")
	if utf8.RuneCountInString(t) > TweetTitleMax {
		r := []rune(t)[:TweetTitleMax-1]
		cut := string(r)
		if i := strings.LastIndexByte(cut, ' '); i > TweetTitleMax/2 {
			cut = cut[:i]
		}
		t = strings.TrimRight(cut, " ,;:-") + "…"
	}
	hasWord := strings.IndexFunc(t, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
	if !hasWord {
		if handle != "" {
			return "Post from @" + handle + " on X"
		}
		return "Post imported from X"
	}
	if utf8.RuneCountInString(t) < TitleMin && handle != "" {
		t += " (@" + handle + " on X)"
	}
	return t
}

// tweetMarkdown turns tweet text into Markdown that shows exactly that text:
// punctuation Markdown would interpret is escaped, links stay links, line
// breaks stay line breaks.
func tweetMarkdown(text string) string {
	var b strings.Builder
	for li, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		if li > 0 {
			b.WriteString("  \n") // a hard line break
		}
		for wi, word := range strings.Split(line, " ") {
			if wi > 0 {
				b.WriteByte(' ')
			}
			if isWebURL(word) {
				b.WriteString("<" + autolinkEscaper.Replace(word) + ">")
				continue
			}
			for _, r := range word {
				if r < 128 && strings.ContainsRune("\\`*_{}[]()#+-.!|<>~&", r) {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

var autolinkEscaper = strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20")

// isWebURL reports whether a word is an http or https link. Parsing every
// word cost more than the rest of the conversion; a link starts with "http"
// in any case.
func isWebURL(word string) bool {
	if len(word) < 7 || !strings.EqualFold(word[:4], "http") {
		return false
	}
	u, err := url.Parse(word)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// tweetURL is the original tweet on X.
func tweetURL(handle, id string) string {
	if handle == "" {
		handle = "i/web"
	}
	return "https://x.com/" + url.PathEscape(handle) + "/status/" + url.PathEscape(id)
}
