package models

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown turns a post's source into HTML once, when the post is saved.
// Raw HTML is never passed through (goldmark's default), and links or images
// with any scheme but http, https and mailto become plain text.
type markdown struct {
	md goldmark.Markdown
}

func newMarkdown() *markdown {
	return &markdown{md: goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(
			parser.WithASTTransformers(util.Prioritized(linkPolicy{}, 100)),
		),
	)}
}

// rendered is a post's Markdown turned into HTML and plain text in one parse.
type rendered struct {
	HTML string
	Text string
}

func (m *markdown) render(src string) (rendered, error) {
	source := []byte(src)
	doc := m.md.Parser().Parse(text.NewReader(source))
	var buf bytes.Buffer
	if err := m.md.Renderer().Render(&buf, source, doc); err != nil {
		return rendered{}, fmt.Errorf("render markdown: %w", err)
	}
	return rendered{HTML: buf.String(), Text: plainText(doc, source)}, nil
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
type linkPolicy struct{}

func (linkPolicy) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	var unsafe []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link:
			if !safeURL(string(v.Destination)) {
				unsafe = append(unsafe, n)
				return ast.WalkSkipChildren, nil
			}
			v.SetAttributeString("rel", []byte("nofollow ugc noopener noreferrer"))
		case *ast.AutoLink:
			if v.AutoLinkType == ast.AutoLinkURL && !safeURL(string(v.URL(src))) {
				unsafe = append(unsafe, n)
				return ast.WalkSkipChildren, nil
			}
			v.SetAttributeString("rel", []byte("nofollow ugc noopener noreferrer"))
		case *ast.Image:
			if !safeURL(string(v.Destination)) {
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

// safeURL accepts relative URLs and the http, https and mailto schemes.
// Browsers ignore control characters and spaces inside a scheme
// ("java\tscript:"), so those are dropped before looking.
func safeURL(u string) bool {
	clean := strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, u))
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
