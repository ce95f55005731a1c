package tweets

import (
	"fmt"
	"strings"
)

// sink is where every format reader delivers: it validates what all formats
// must satisfy, counts, and records skips, so the readers stay about parsing.
type sink struct {
	res *Result
	fn  func(Tweet) error
}

// skip records a malformed record; reading goes on.
func (s *sink) skip(line int, format string, args ...any) {
	s.res.Skipped = append(s.res.Skipped, Skip{Line: line, Reason: fmt.Sprintf(format, args...)})
}

// emit hands a tweet to the callback, or records it as a Skip when it lacks
// what a thread needs. The callback's error is returned unchanged so that
// Read can return it as is.
func (s *sink) emit(t Tweet) error {
	switch {
	case t.ID == "":
		s.skip(t.Line, "no tweet id")
		return nil
	case !isDigits(t.ID):
		s.skip(t.Line, "tweet id %q is not a number", clip(t.ID, 30))
		return nil
	}
	if strings.HasPrefix(t.Text, "RT @") {
		t.Retweet = true
	}
	s.res.Read++
	return s.fn(t)
}
