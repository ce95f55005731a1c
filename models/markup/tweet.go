package markup

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TweetMarkdown turns tweet text into Markdown that shows exactly that text:
// punctuation Markdown would interpret is escaped, links stay links, line
// breaks stay line breaks.
func TweetMarkdown(text string) string {
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
				if r < 128 && strings.ContainsRune(markdownPunct, r) {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// markdownPunct is the ASCII punctuation TweetMarkdown escapes. "=" too: a
// line of "=" under a line of text would make it a heading.
const markdownPunct = "\\`*_{}[]()#+-.!|<>~&="

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

// RenderTweet makes a tweet's post: the Markdown kept as its source, and the
// HTML and plain text shown. Most tweets are lines of words, mentions and
// links, which are written here directly, exactly as goldmark writes their
// Markdown (TestTweetShortcutMatchesGoldmark), at a tenth of the cost;
// anything else goes through goldmark.
func (m *Renderer) RenderTweet(text string) (string, Rendered, error) {
	src := TweetMarkdown(text)
	text = strings.ReplaceAll(text, "\r", "") // as TweetMarkdown drops it
	if html, ok := simpleTweetHTML(text); ok {
		return src, Rendered{HTML: html, Text: strings.Join(strings.Fields(text), " ")}, nil
	}
	r, err := m.Render(src)
	return src, r, err
}

// simpleTweetHTML is the HTML of a tweet (without carriage returns) that is
// only lines of plain words and web links, or false for anything goldmark
// might read otherwise.
func simpleTweetHTML(text string) (string, bool) {
	var b strings.Builder
	b.Grow(len(text) + 16)
	b.WriteString("<p>")
	for li, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == ' ' || line[len(line)-1] == ' ' {
			return "", false
		}
		if li > 0 {
			b.WriteString("<br>\n")
		}
		for wi, word := range strings.Split(line, " ") {
			if wi > 0 {
				b.WriteByte(' ')
			}
			if isWebURL(word) {
				if !plainURL(word) {
					return "", false
				}
				b.WriteString(`<a href="`)
				htmlEscaper.WriteString(&b, word)
				b.WriteString(`" rel="nofollow ugc noopener noreferrer">`)
				htmlEscaper.WriteString(&b, word)
				b.WriteString("</a>")
				continue
			}
			if !plainWord(word) {
				return "", false
			}
			htmlEscaper.WriteString(&b, word)
		}
	}
	b.WriteString("</p>\n")
	return b.String(), true
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// plainWord reports whether a word can only be text: no spacing or control
// characters, nothing a link finder could take for a link or an address, and
// nothing like an entity ("&amp;" written out), whose plain text goldmark
// gives as the character.
func plainWord(word string) bool {
	if strings.Contains(word, "://") || strings.Contains(strings.ToLower(word), "www.") || strings.IndexByte(word, '@') > 0 {
		return false
	}
	if amp := strings.IndexByte(word, '&'); amp >= 0 && strings.IndexByte(word[amp:], ';') > 0 {
		return false
	}
	for _, r := range word {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || (r > 0x7f && (unicode.IsSpace(r) || unicode.IsControl(r))) {
			return false
		}
	}
	return true
}

// plainURL reports whether a link holds only characters goldmark writes
// unchanged in an href.
func plainURL(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~:/?#=&+,;@!", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
