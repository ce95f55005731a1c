package tweets

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// parseTime reads any of the sources' date formats into UTC. An empty string
// is the zero time, not an error: minimal API v2 responses carry no date and
// their tweets are still worth importing.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	layouts := [...]string{
		time.RubyDate,                   // v1.1, archives, twcs: Mon Jan 02 15:04:05 -0700 2006
		time.RFC3339Nano,                // API v2: 2006-01-02T15:04:05.000Z (fraction optional)
		"2006-01-02 15:04:05 -0700",     // Grailbird CSV
		"2006-01-02T15:04:05.999999999", // ISO without a zone: taken as UTC
		"2006-01-02 15:04:05",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unparseable date %q", clip(s, 40))
}

// clip shortens s for messages without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
