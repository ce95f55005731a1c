package social

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/tweets"
)

// TweetTitleMax is the longest generated title.
const TweetTitleMax = 100

var (
	leadingMention = regexp.MustCompile(`^[@＠][A-Za-z0-9_]+`)
	urlPattern     = regexp.MustCompile(`https?://\S+`)
)

// leadingPunct goes from before a title's first word: the dot of a public
// reply (".@Brand"), and the separators and ellipses people write after the
// mentions. Opening marks ("¿", quotes, brackets, "#") stay.
const leadingPunct = ".,;:!?…-–—|/\\~*·、。，！？：；"

// TweetTitle makes a thread title from a tweet: leading @mentions, links
// and punctuation removed, the first sentence, at most 100 characters,
// never empty; one shorter than titleMin (the forum's shortest title) is
// followed by the author's handle.
func TweetTitle(text, handle string, titleMin int) string {
	t := trimTitleStart(urlPattern.ReplaceAllString(text, " "))
	for {
		loc := leadingMention.FindStringIndex(t)
		if loc == nil {
			break
		}
		t = trimTitleStart(t[loc[1]:])
	}
	if end := firstSentenceEnd(t); end > 0 {
		t = t[:end]
	}
	// A title is plain text on one line: control characters (which the
	// title check refuses in a typed title) become spaces here.
	t = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, t)), " ")
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
	if utf8.RuneCountInString(t) < titleMin && handle != "" {
		t += " (@" + handle + " on X)"
	}
	return t
}

func trimTitleStart(t string) string {
	return strings.TrimLeftFunc(t, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(leadingPunct, r) })
}

// fullWidthEnd ends a sentence in Chinese or Japanese, with no space after;
// closeAfterEnd are the quotes and brackets that may close it.
const (
	fullWidthEnd  = "。！？｡"
	closeAfterEnd = "」』）】〕\"”’'"
)

// firstSentenceEnd is where the first sentence of t ends (0 when it does
// not): before a line break, after a run of "." "!" "?" followed by a space
// or the end, or after a full-width "。" "！" "？" (and what closes it). A
// single "." after an initial ("Mark R."), letters between dots ("e.g.",
// "U.S.", "p.m.") or a common abbreviation ("Mr.", "vs.") ends nothing.
func firstSentenceEnd(t string) int {
	for i := 0; i < len(t); {
		r, n := utf8.DecodeRuneInString(t[i:])
		switch {
		case r == '\n':
			return i
		case strings.ContainsRune(fullWidthEnd, r):
			j := i + n
			for j < len(t) {
				c, m := utf8.DecodeRuneInString(t[j:])
				if !strings.ContainsRune(fullWidthEnd+closeAfterEnd, c) {
					break
				}
				j += m
			}
			return j
		case r == '.' || r == '!' || r == '?':
			j := i + 1
			for j < len(t) && strings.IndexByte(".!?", t[j]) >= 0 {
				j++
			}
			next, _ := utf8.DecodeRuneInString(t[j:])
			if (j == len(t) || unicode.IsSpace(next)) && !(j == i+1 && r == '.' && abbreviationEnds(t[:i], t[j:])) {
				return j
			}
			n = j - i
		}
		i += n
	}
	return 0
}

// titleAbbreviations are words a "." follows without ending a sentence,
// in lower case.
var titleAbbreviations = map[string]bool{"mr": true, "mrs": true, "ms": true, "mx": true, "dr": true, "prof": true,
	"sr": true, "jr": true, "st": true, "mt": true, "vs": true, "approx": true, "dept": true, "cf": true, "al": true,
	"fig": true, "vol": true}

// abbreviationEnds reports whether before, followed by ".", ends with an
// initial or an abbreviation rather than a sentence's last word; after is
// what follows the ".". "No." is one before a number ("No. 5").
func abbreviationEnds(before, after string) bool {
	word := before[strings.LastIndexFunc(before, unicode.IsSpace)+1:]
	word = strings.TrimLeft(word, "([{\"'“‘«")
	if utf8.RuneCountInString(word) == 1 {
		r, _ := utf8.DecodeRuneInString(word)
		return unicode.IsLetter(r)
	}
	if strings.Contains(word, ".") {
		for _, part := range strings.Split(word, ".") {
			if utf8.RuneCountInString(part) != 1 {
				return false
			}
		}
		return true
	}
	lower := strings.ToLower(word)
	if lower == "no" || lower == "nr" {
		next := strings.TrimLeftFunc(after, unicode.IsSpace)
		return next != "" && next[0] >= '0' && next[0] <= '9'
	}
	return titleAbbreviations[lower]
}

// TweetURL is the original post on X, read in the given format (a
// tweets.Format; "" for items imported before formats were kept): X's own
// "i/web" address when the author is not known, and "" when the format's
// ids are not X's.
func TweetURL(handle, id, format string) string {
	if !xTweetIDs(format) {
		return ""
	}
	if handle == "" {
		return "https://x.com/i/web/status/" + url.PathEscape(id)
	}
	return "https://x.com/" + url.PathEscape(handle) + "/status/" + url.PathEscape(id)
}

// xTweetIDs reports whether posts read in a format carry X's tweet ids. The
// customer-support data set numbers its rows instead: a link built from one
// would open somebody else's tweet.
func xTweetIDs(format string) bool { return format != string(tweets.FormatSupportCSV) }

// SourceRef is what a thread made from a post keeps as its source
// (threads.source_url): the post on X, or "<format>:<id>" when the format's
// ids are not X's, which says where it came from without being a link.
func SourceRef(handle, id, format string) string {
	if u := TweetURL(handle, id, format); u != "" {
		return u
	}
	return format + ":" + id
}

// ThreadSource reads a thread's source_url: the link to the post on X and
// the post's id (both "" without a link), and whether it started on X.
func ThreadSource(ref string) (link, id string, fromX bool) {
	if !strings.HasPrefix(ref, "https://") {
		return "", "", ref != ""
	}
	if i := strings.LastIndex(ref, "/status/"); i >= 0 {
		id = ref[i+len("/status/"):]
	}
	return ref, id, true
}
