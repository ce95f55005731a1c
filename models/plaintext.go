package models

import "github.com/yuin/goldmark/text"

// PlainText is what a reader sees of Markdown source, as a post's stored
// search text is: the words of links and emphasis, code as written, escaped
// punctuation as the character ("\*" is "*"), no markup; one space between
// blocks. Summaries, descriptions and feeds are cut from it.
func (s *Store) PlainText(md string) string {
	src := []byte(md)
	return plainText(s.md.md.Parser().Parse(text.NewReader(src)), src)
}
