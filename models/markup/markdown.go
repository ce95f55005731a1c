// Package markup turns what members write (Markdown, and posts from X) into
// safe HTML and plain text: goldmark with GFM, raw HTML never passed
// through, links and images with any scheme but http, https and mailto made
// text (the link policy), and limits on the shape of a text that keep its
// rendering cheap (limits.go). It knows nothing of the database: the store
// (models) renders a post when it is saved and keeps the result.
package markup

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Renderer turns a post's source into HTML once, when the post is saved.
// Raw HTML is never passed through (goldmark's default), and links or images
// with any scheme but http, https and mailto become plain text. One Renderer
// is safe for concurrent use.
type Renderer struct {
	md goldmark.Markdown
	// blocks measures a member's text before md parses it (overLimit).
	blocks parser.Parser
}

// New makes a Renderer.
func New() *Renderer {
	return &Renderer{md: goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(
			parser.WithASTTransformers(util.Prioritized(linkPolicy{}, 100)),
		),
	), blocks: blockParser()}
}

// Rendered is a post's Markdown turned into HTML and plain text in one parse.
type Rendered struct {
	HTML string
	Text string
}

// Render renders Markdown already accepted (stored posts, articles, tweets).
// What a member writes goes through RenderBody.
func (m *Renderer) Render(src string) (Rendered, error) {
	source := []byte(src)
	doc := m.md.Parser().Parse(text.NewReader(source))
	html, err := m.renderDoc(doc, source)
	if err != nil {
		return Rendered{}, err
	}
	return Rendered{HTML: html, Text: plainText(doc, source)}, nil
}

func (m *Renderer) renderDoc(doc ast.Node, source []byte) (string, error) {
	var buf bytes.Buffer
	if err := m.md.Renderer().Render(&buf, source, doc); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	return buf.String(), nil
}

// Body is a member's Markdown rendered within the limits.
type Body struct {
	Rendered
	// HasLink is whether the HTML holds a link or an image (unsafe ones
	// having become text): what the approval queue looks for.
	HasLink bool
	// Uploads are the keys of the attachments it links to or shows.
	Uploads []string
}

// LimitError is a text refused for its shape (over a limit of limits.go) or
// for the size of its HTML (MaxBodyHTML): Reason says what to change, in
// words for the member who wrote it.
type LimitError struct {
	Reason string
}

func (e *LimitError) Error() string { return e.Reason }

// RenderBody renders what a member wrote unless it goes over a limit on its
// shape (overLimit) or on its HTML (MaxBodyHTML): then the error is a
// *LimitError and nothing is rendered.
func (m *Renderer) RenderBody(src string) (Body, error) {
	source := []byte(src)
	if msg := m.overLimit(source); msg != "" {
		return Body{}, &LimitError{msg}
	}
	doc := m.md.Parser().Parse(text.NewReader(source))
	// A reference used again and again writes its address each time: sized
	// before rendering, so a few lines cannot make megabytes of HTML.
	hasLink, addresses, uploads := linkFacts(doc, source)
	if addresses > MaxBodyHTML {
		return Body{}, &LimitError{tooLarge(addresses)}
	}
	html, err := m.renderDoc(doc, source)
	if err != nil {
		return Body{}, err
	}
	if len(html) > MaxBodyHTML {
		return Body{}, &LimitError{tooLarge(len(html))}
	}
	return Body{Rendered: Rendered{HTML: html, Text: plainText(doc, source)}, HasLink: hasLink, Uploads: uploads}, nil
}

// PlainText is what a reader sees of Markdown source, as a post's stored
// search text is: the words of links and emphasis, code as written, escaped
// punctuation as the character ("\*" is "*"), no markup; one space between
// blocks. Summaries, descriptions and feeds are cut from it.
func (m *Renderer) PlainText(md string) string {
	src := []byte(md)
	return plainText(m.md.Parser().Parse(text.NewReader(src)), src)
}

// FirstParagraph is a question's first paragraph as written (a KB article's
// problem statement), or its opening words when it starts with something
// else.
func (m *Renderer) FirstParagraph(md string) string {
	src := []byte(md)
	doc := m.md.Parser().Parse(text.NewReader(src))
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if p, ok := n.(*ast.Paragraph); ok {
			lines := p.Lines()
			var b strings.Builder
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			if out := strings.TrimSpace(b.String()); out != "" {
				return out
			}
		}
	}
	return strings.TrimSpace(md)
}

// maxUploadKeys bounds the attachment keys linkFacts collects: four times
// the attachments a post may hold (models.MaxAttachmentsPerPost), so a post
// with too many is seen to have them without the list growing unbounded.
const maxUploadKeys = 80

// uploadKeyRE matches an address to an attachment: /uploads/{key}/….
var uploadKeyRE = regexp.MustCompile(`^/uploads/([a-z2-7]{26})(?:/|$)`)

// uploadKey is the key of an address to an attachment, or "".
func uploadKey(dest []byte) string {
	if m := uploadKeyRE.FindSubmatch(dest); m != nil {
		return string(m[1])
	}
	return ""
}

// linkFacts reports whether a parsed document (its unsafe links already
// text) holds a link or an image, the bytes of their addresses and titles,
// and the keys of the attachments (/uploads/{key}/…) they point to.
func linkFacts(doc ast.Node, src []byte) (hasLink bool, addresses int, uploads []string) {
	seen := map[string]bool{}
	upload := func(dest []byte) {
		if k := uploadKey(dest); k != "" && !seen[k] && len(seen) <= maxUploadKeys {
			seen[k] = true
			uploads = append(uploads, k)
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link:
			hasLink, addresses = true, addresses+len(v.Destination)+len(v.Title)
			upload(v.Destination)
		case *ast.Image:
			hasLink, addresses = true, addresses+len(v.Destination)+len(v.Title)
			upload(v.Destination)
		case *ast.AutoLink:
			hasLink, addresses = true, addresses+len(v.URL(src))
		}
		return ast.WalkContinue, nil
	})
	return hasLink, addresses, uploads
}

// plainText is what a reader sees, without markup: words of links and
// emphasis, code as written, one space between blocks.
func plainText(doc ast.Node, src []byte) string {
	var b strings.Builder
	space := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
			b.WriteByte(' ')
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock {
				space()
			}
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Text:
			// As the HTML shows it: "\." is ".", "&amp;" is "&".
			b.Write(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v.Segment.Value(src)))))
			if v.SoftLineBreak() || v.HardLineBreak() {
				space()
			}
		case *ast.String:
			b.Write(v.Value)
		case *ast.AutoLink:
			b.Write(v.Label(src))
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// linkPolicy neutralises unsafe links and marks the rest as user content.
// Each address is judged as the HTML will carry it: goldmark resolves
// backslash escapes and character references in a link's or an image's
// destination when it writes it ("&#x73;earch-ms:" becomes "search-ms:").
type linkPolicy struct{}

func (linkPolicy) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	// Every use of a [reference] shares its address: judged once, so that
	// one long address used again and again costs no more than once.
	type address struct {
		first *byte
		n     int
	}
	judged := map[address]bool{}
	safeDestination := func(d []byte) bool {
		if len(d) == 0 {
			return true
		}
		k := address{&d[0], len(d)}
		ok, seen := judged[k]
		if !seen {
			ok = safeURL(util.URLEscape(d, true))
			judged[k] = ok
		}
		return ok
	}
	var unsafe []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link:
			if !safeDestination(v.Destination) {
				unsafe = append(unsafe, n)
				return ast.WalkSkipChildren, nil
			}
			v.SetAttributeString("rel", []byte("nofollow ugc noopener noreferrer"))
		case *ast.AutoLink:
			if v.AutoLinkType == ast.AutoLinkURL && !safeURL(util.URLEscape(v.URL(src), false)) {
				unsafe = append(unsafe, n)
				return ast.WalkSkipChildren, nil
			}
			v.SetAttributeString("rel", []byte("nofollow ugc noopener noreferrer"))
		case *ast.Image:
			if !safeDestination(v.Destination) {
				unsafe = append(unsafe, n)
				return ast.WalkSkipChildren, nil
			}
			v.SetAttributeString("loading", []byte("lazy"))
		}
		return ast.WalkContinue, nil
	})
	for _, n := range unsafe {
		replaceWithText(n, src)
	}
}

// replaceWithText swaps a link or image for the words it showed, so the
// reader still sees what the author wrote but nothing is clickable or loaded.
func replaceWithText(n ast.Node, src []byte) {
	parent := n.Parent()
	if parent == nil {
		return
	}
	var label string
	switch v := n.(type) {
	case *ast.AutoLink:
		label = string(v.Label(src))
	case *ast.Image:
		label = string(nodeText(v, src))
	default:
		// A link keeps its children (emphasis and so on) in place.
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, n, c)
			c = next
		}
		parent.RemoveChild(parent, n)
		return
	}
	parent.ReplaceChild(parent, n, ast.NewString([]byte(label)))
}

func nodeText(n ast.Node, src []byte) []byte {
	var b bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch t := c.(type) {
			case *ast.Text:
				b.Write(t.Segment.Value(src))
			case *ast.String:
				b.Write(t.Value)
			}
		}
		return ast.WalkContinue, nil
	})
	return b.Bytes()
}

// safeURL accepts an address as the HTML carries it when it is relative
// (no scheme, "//host" included) or its scheme is http, https or mailto.
// Percent-escapes are decoded and control characters and spaces dropped
// first, so that whatever a browser could read as a scheme ("java\tscript:",
// " javascript:") is looked at; what is left unsure is refused.
func safeURL(u []byte) bool {
	clean := strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, percentDecode(u)))
	i := strings.IndexAny(clean, ":/?#")
	if i < 0 || clean[i] != ':' {
		return true
	}
	switch clean[:i] {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// percentDecode decodes each %XX of u and keeps any other % as it is.
func percentDecode(u []byte) string {
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		if u[i] == '%' && i+2 < len(u) && util.IsHexDecimal(u[i+1]) && util.IsHexDecimal(u[i+2]) {
			b.WriteByte(unhex(u[i+1])<<4 | unhex(u[i+2]))
			i += 2
			continue
		}
		b.WriteByte(u[i])
	}
	return b.String()
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
