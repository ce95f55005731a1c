package tweets

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxText is the longest tweet text an import takes: a forum post's body
// limit (models.BodyMax). X's own longest posts have 25,000 characters, so
// a longer text is not a tweet but a file made to fill the database.
const MaxText = 50000

// handleRe is what X allows in a handle (without "@").
var handleRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)

// ValidHandle reports whether h, without "@", is an X handle: 1 to 15
// letters, digits or underscores.
func ValidHandle(h string) bool { return handleRe.MatchString(h) }

// sink is where every format reader delivers: it validates what all formats
// must satisfy, counts, and records skips, so the readers stay about parsing.
type sink struct {
	res *Result
	fn  func(Tweet) error
}

// skip records a malformed record; reading goes on.
func (s *sink) skip(at pos, format string, args ...any) {
	s.res.Skipped = append(s.res.Skipped, Skip{Line: at.line, Record: at.record, Reason: fmt.Sprintf(format, args...)})
}

// emit hands a tweet read at p to the callback, or records it as a Skip
// when it lacks what a thread needs. The callback's error is returned
// unchanged so that Read can return it as is.
func (s *sink) emit(t Tweet, at pos) error {
	t.Line = at.line
	switch {
	case t.ID == "":
		s.skip(at, "no tweet id")
		return nil
	case !isDigits(t.ID):
		s.skip(at, "tweet id %q is not a number", clip(t.ID, 30))
		return nil
	case len(t.Text) > MaxText && utf8.RuneCountInString(t.Text) > MaxText:
		s.skip(at, "text longer than %d characters", MaxText)
		return nil
	case t.AuthorHandle != "" && !ValidHandle(t.AuthorHandle):
		s.skip(at, "author handle %q is not an X handle (1-15 letters, digits or _)", clip(t.AuthorHandle, 30))
		return nil
	}
	t.Lang = NormalizeLang(t.Lang)
	// Handles the record only mentions are names for look-ups, never
	// accounts: one that X could not have is dropped, not imported.
	if !ValidHandle(t.InReplyToUser) {
		t.InReplyToUser = ""
	}
	t.Mentions = validHandles(t.Mentions)
	if strings.HasPrefix(t.Text, "RT @") {
		t.Retweet = true
	}
	t.Format = s.res.Format
	s.res.Read++
	return s.fn(t)
}

// validHandles keeps the valid handles of hs, in place.
func validHandles(hs []string) []string {
	out := hs[:0]
	for _, h := range hs {
		if ValidHandle(h) {
			out = append(out, h)
		}
	}
	return out
}
