package models

import (
	"errors"
	"html/template"
	"strings"

	"github.com/crowdcare/crowdcare/models/markup"
)

// The store renders Markdown through models/markup when a post is saved;
// these are the parts of that the handlers call.

// PlainText is what a reader sees of Markdown source (markup.Renderer's
// PlainText): summaries, descriptions and feeds are cut from it.
func (s *Store) PlainText(md string) string {
	return s.md.PlainText(md)
}

// PreviewMarkdown renders a member's text exactly as saving it would (the
// same clean-up, limits and renderer), without saving anything: the
// composer's preview. A text the limits refuse is a *ValidationError.
func (s *Store) PreviewMarkdown(src string) (template.HTML, error) {
	v := validator{}
	r, err := s.renderBody(v, "body", strings.TrimSpace(cleanText(src)))
	if err != nil {
		return "", err
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	return template.HTML(r.HTML), nil
}

// renderBody renders what a member wrote within markup's limits; a text
// over one goes into v under field, with markup's reason, and nothing is
// rendered. A field v already refuses is skipped.
func (s *Store) renderBody(v validator, field, src string) (markup.Body, error) {
	if _, refused := v[field]; refused {
		return markup.Body{}, nil
	}
	b, err := s.md.RenderBody(src)
	if le := (*markup.LimitError)(nil); errors.As(err, &le) {
		v.Check(false, field, le.Reason)
		return markup.Body{}, nil
	}
	return b, err
}
