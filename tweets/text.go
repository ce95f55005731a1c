package tweets

import (
	"html"
	"regexp"
	"sort"
	"strings"
)

// link is one shortened URL in a text and what it stands for.
type link struct {
	URL      string // as it appears in the text, usually https://t.co/…
	Expanded string
}

var (
	// Used only where the source has no entities (CSV, minimal API v2
	// responses): the lookbehind-free prefix group keeps "a@b.c" e-mail
	// addresses from counting as mentions.
	mentionRe = regexp.MustCompile(`(?:^|[^\w@])@(\w{1,50})`)
	hashtagRe = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&#])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)`)
	urlRe     = regexp.MustCompile(`https?://[^\s<>"]+`)
	tcoRe     = regexp.MustCompile(`https?://t\.co/\w+`)
)

// cleanText is the one normalisation every format goes through. Entities are
// decoded exactly once, because the sources escape exactly once and a second
// pass would turn a literal "&lt;" someone typed into "<". The text is not
// Unicode-normalised: NFC/NFKC would rewrite some emoji, ZWJ sequences and
// combining marks that people chose on purpose. Line endings become "\n":
// a bare "\r" (old Mac, or a CSV field Excel mangled) would otherwise show as
// nothing at all in a post.
func cleanText(text string, links []link) string {
	text = html.UnescapeString(text)
	text = expandLinks(text, links)
	if strings.Contains(text, "\r") {
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	}
	return strings.TrimSpace(text)
}

// expandLinks replaces each short URL by its expansion. It matches the URL
// string rather than slicing at the entity indices: indices count code points
// (and in archives were computed before entity decoding), so byte slicing
// breaks after the first emoji or "&amp;".
func expandLinks(text string, links []link) string {
	if len(links) == 0 {
		return text
	}
	pairs := make([]link, 0, len(links))
	for _, l := range links {
		if l.URL == "" || l.Expanded == "" || l.URL == l.Expanded {
			continue
		}
		pairs = append(pairs, l)
	}
	if len(pairs) == 0 {
		return text
	}
	// Longest first: a Replacer prefers the earlier pair at a position, so an
	// "http://t.co/abc" must not win over "http://t.co/abcd".
	sort.SliceStable(pairs, func(i, j int) bool { return len(pairs[i].URL) > len(pairs[j].URL) })
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.URL, p.Expanded)
	}
	return strings.NewReplacer(args...).Replace(text)
}

// linksFromExpandedList pairs the t.co links of a text with a list of
// expanded URLs given in the same order (the Grailbird CSV's expanded_urls
// columns). When the counts differ the pairing is unknowable, so nothing is
// expanded rather than something being expanded wrongly.
func linksFromExpandedList(text string, expanded []string) []link {
	short := tcoRe.FindAllString(text, -1)
	if len(short) == 0 || len(short) != len(expanded) {
		return nil
	}
	links := make([]link, len(short))
	for i := range short {
		links[i] = link{URL: short[i], Expanded: expanded[i]}
	}
	return links
}

// mentionsIn, hashtagsIn and urlsIn read from the text what a source without
// entities does not say.
// Each first looks for the one character or word a match needs: most texts
// have no hashtag or link, and the expressions cost microseconds a text.
func mentionsIn(text string) []string {
	if strings.IndexByte(text, '@') < 0 {
		return nil
	}
	return submatches(mentionRe, text)
}

func hashtagsIn(text string) []string {
	if strings.IndexByte(text, '#') < 0 {
		return nil
	}
	return submatches(hashtagRe, text)
}

func urlsIn(text string) []string {
	if !strings.Contains(text, "http") {
		return nil
	}
	return dedupe(urlRe.FindAllString(text, -1))
}

func submatches(re *regexp.Regexp, text string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return dedupe(out)
}

// dedupe keeps the first occurrence of each non-empty string, in order.
func dedupe(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// retweetHandle returns the handle in an "RT @handle: …" text, or "".
func retweetHandle(text string) string {
	rest, ok := strings.CutPrefix(text, "RT @")
	if !ok {
		return ""
	}
	handle, _, ok := strings.Cut(rest, ":")
	if !ok || handle == "" || strings.ContainsAny(handle, " \n\t") {
		return ""
	}
	return handle
}

// entitySet is what the entities of either API version tell about a tweet.
// urlEntity is a link as both API versions give it: the t.co address and
// the one it stands for.
type urlEntity struct {
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
}

// expandedURLs is where each link goes, or the link itself when the record
// does not say.
func expandedURLs(urls []urlEntity) []string {
	out := make([]string, 0, len(urls))
	for _, u := range urls {
		out = append(out, firstOf(u.ExpandedURL, u.URL))
	}
	return out
}

type entitySet interface {
	// present is false for a record without entities: a nil pointer of
	// the API's own type, which as an entitySet is not nil.
	present() bool
	links() []link
	expandedURLs() []string
	hashtags() []string
	mentions() []string
}

// finishTweet sets t's text, URLs, hashtags and mentions: from the entities
// when the record has them, else from the text itself. A retweet's original
// author counts as mentioned.
func finishTweet(t *Tweet, text string, ents entitySet, rtHandle string) {
	if ents == nil || !ents.present() {
		t.Text = cleanText(text, nil)
		t.URLs, t.Hashtags, t.Mentions = urlsIn(t.Text), hashtagsIn(t.Text), mentionsIn(t.Text)
		return
	}
	t.Text = cleanText(text, ents.links())
	t.URLs, t.Hashtags = dedupe(ents.expandedURLs()), dedupe(ents.hashtags())
	var mentions []string
	if rtHandle != "" {
		mentions = append(mentions, rtHandle)
	}
	t.Mentions = dedupe(append(mentions, ents.mentions()...))
}
