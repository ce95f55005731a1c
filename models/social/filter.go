package social

import (
	"bytes"
	"hash/maphash"
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/tweets"
)

// Filter reasons, stored with filtered items so a wrong filter can be undone.
const (
	FilterRetweet   = "retweet"
	FilterBrand     = "brand's own tweet"
	FilterPromotion = "promotion or ad"
	FilterMalware   = "suspicious link"
	FilterSpam      = "spam score"
)

// promotionPhrases make a post read like an ad: lower case, one space
// between words. IsPromotion finds them as words of their own.
var promotionPhrases = []string{
	"giveaway", "giveaways", "give away", "sweepstake", "sweepstakes", "contest", "contests",
	"promo code", "promo codes", "discount code", "discount codes", "coupon", "coupons", "% off",
	"win a", "win an", "chance to win", "rt to win", "retweet to win", "enter to win",
	"follow and rt", "follow & rt", "follow and retweet", "follow & retweet",
	"limited time offer", "buy now", "dm for price",
}

// promotionStarts holds promotionPhrases by their first byte. Built once,
// never changed.
var promotionStarts = func() (idx [256][]string) {
	for _, p := range promotionPhrases {
		idx[p[0]] = append(idx[p[0]], p)
	}
	return idx
}()

// IsPromotion reports whether a text uses an ad's words: a phrase of
// promotionPhrases that stands as words of its own (not "contested", not
// "couponing"), in any case and spacing, outside links and handles. "Buy
// now, pay later" is a kind of plan, not a call to buy.
//
// One pass over the text, checking the phrases that begin with the byte at
// each word's start: no expression, and no allocation for a tweet.
func IsPromotion(text string) bool {
	var buf [512]byte
	b := foldForMatching(buf[:0], text)
	for i := 0; i < len(b); i++ {
		starts := promotionStarts[b[i]]
		if starts == nil || (isWordByte(b[i]) && wordRuneAt(b, i, true)) {
			continue
		}
		for _, p := range starts {
			end := i + len(p)
			if end > len(b) || string(b[i:end]) != p || (isWordByte(p[len(p)-1]) && wordRuneAt(b, end, false)) {
				continue
			}
			if inLinkOrHandle(b, i) || (p == "buy now" && paysLater(b[end:])) {
				continue
			}
			return true
		}
	}
	return false
}

// foldForMatching appends text to dst as IsPromotion reads it: ASCII
// letters in lower case, the two letters outside ASCII whose case folds
// into it (the Kelvin sign, the long s) as k and s, and each run of white
// space as one space. Everything else is kept as it is.
func foldForMatching(dst []byte, text string) []byte {
	space := false
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
				if !space {
					dst = append(dst, ' ')
				}
				space = true
				continue
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			dst, space = append(dst, c), false
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\u212a':
			dst, space = append(dst, 'k'), false
		case r == '\u017f':
			dst, space = append(dst, 's'), false
		case unicode.IsSpace(r):
			if !space {
				dst = append(dst, ' ')
			}
			space = true
		default:
			dst, space = append(dst, text[i:i+n]...), false
		}
		i += n
	}
	return dst
}

// wordRuneAt reports whether the character that ends at i (before) or
// begins at i (after) belongs to a word: a letter, digit, mark or "_",
// in any script, so "contestó" is one word.
func wordRuneAt(b []byte, i int, before bool) bool {
	var r rune
	switch {
	case before && i == 0, !before && i >= len(b):
		return false
	case before:
		r, _ = utf8.DecodeLastRune(b[:i])
	default:
		r, _ = utf8.DecodeRune(b[i:])
	}
	if r < utf8.RuneSelf {
		return isWordByte(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// inLinkOrHandle reports whether position i of a folded text is inside a
// link or after an "@" in its word (a handle, an address).
func inLinkOrHandle(b []byte, i int) bool {
	word := b[bytes.LastIndexByte(b[:i], ' ')+1 : i]
	return bytes.Contains(word, []byte("://")) || bytes.HasPrefix(word, []byte("www.")) || bytes.IndexByte(word, '@') >= 0
}

// paysLater reports whether a folded text goes on with "pay later", after
// spaces or punctuation: "buy now, pay later".
func paysLater(rest []byte) bool {
	rest = bytes.TrimLeft(rest, " ,-&+/")
	return bytes.HasPrefix(rest, []byte("pay later"))
}

// IsAd reports whether a customer's post is an ad. A post addressed to the
// brand is a customer talking to it, whatever words it uses: only a
// suspicious link filters it, as it does any post. Any other post is an ad
// when it uses an ad's words or five hashtags or more.
func IsAd(t tweets.Tweet, addressed bool) bool {
	return !addressed && (len(t.Hashtags) >= 5 || IsPromotion(t.Text))
}

// Audience tells, as an import reads posts one by one, whether a post is
// addressed to the brand. It learns the brand's handles (given, and any
// that posts as the brand: the customer-support data set's outbound rows)
// and the posts the brand took part in.
type Audience struct {
	handles map[string]bool // lower case
	seed    maphash.Seed
	// recent holds hashes of the ids of the brand's latest posts, of the
	// posts they answer and of their conversations, each in a slot its hash
	// picks: memory stays fixed however long the import, and as posts of a
	// conversation are read close together, a later post finds them.
	recent []uint64
}

// Audience.recent has 1<<audienceBits slots (1 MB), picked by the top bits
// of a hash.
const audienceBits = 17

// audienceHandles bounds the handles an import learns.
const audienceHandles = 10000

// NewAudience knows the brand by the handles given (without "@").
func NewAudience(brandHandles []string) *Audience {
	a := &Audience{handles: make(map[string]bool, len(brandHandles)), seed: maphash.MakeSeed()}
	for _, h := range brandHandles {
		a.handles[ASCIILower(h)] = true
	}
	return a
}

// Note remembers a post of the brand's.
func (a *Audience) Note(t tweets.Tweet, brand bool) {
	if !brand {
		return
	}
	if t.AuthorHandle != "" && len(a.handles) < audienceHandles {
		a.handles[ASCIILower(t.AuthorHandle)] = true
	}
	if a.recent == nil {
		a.recent = make([]uint64, 1<<audienceBits)
	}
	for _, id := range [...]string{t.ID, t.InReplyToID, t.ConversationID} {
		if id != "" {
			h := a.hash(id)
			a.recent[h>>(64-audienceBits)] = h
		}
	}
}

// Addressed reports whether a post is written to the brand, as far as the
// posts read before it tell: it mentions or replies to one of the brand's
// handles, replies to a post of the brand's or to one the brand answered, is
// one the brand answered, or is in a conversation the brand took part in.
func (a *Audience) Addressed(t tweets.Tweet) bool {
	if t.InReplyToUser != "" && a.handles[ASCIILower(t.InReplyToUser)] {
		return true
	}
	for _, m := range t.Mentions {
		if a.handles[ASCIILower(m)] {
			return true
		}
	}
	return a.seen(t.ID) || a.seen(t.InReplyToID) || a.seen(t.ConversationID)
}

func (a *Audience) seen(id string) bool {
	if id == "" || a.recent == nil {
		return false
	}
	h := a.hash(id)
	return a.recent[h>>(64-audienceBits)] == h
}

// hash is never 0, which marks an empty slot.
func (a *Audience) hash(id string) uint64 {
	return maphash.String(a.seed, id) | 1
}

// suspiciousTLDs are top-level domains mostly seen in malware and phishing links.
func suspiciousTLD(tld string) bool {
	switch tld {
	case "zip", "mov", "tk", "ml", "ga", "cf", "gq", "xyz", "top", "click", "country", "kim", "work", "loan", "download":
		return true
	}
	return false
}

// defaultBlocklist is extended by the admins' own list.
func defaultBlocklist() []string {
	return []string{"bit-ly.ru", "free-gift-cards.example", "malware.test", "phishing.test"}
}

// LinkSuspicious reports whether a URL points somewhere an importer should not
// send customers: a blocklisted domain, a bare IP address, a risky TLD, or
// credentials in the URL.
func LinkSuspicious(raw string, blocklist []string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if u.User != nil || net.ParseIP(host) != nil {
		return true
	}
	for _, b := range append(defaultBlocklist(), blocklist...) {
		if host == b || strings.HasSuffix(host, "."+b) {
			return true
		}
	}
	if i := strings.LastIndexByte(host, '.'); i >= 0 && suspiciousTLD(host[i+1:]) {
		return true
	}
	return false
}

// SpamScore adds up signs of spam; 3 or more filters the item.
func SpamScore(text string, mentions, links, hashtags, repeats int) int {
	score := 0
	if mentions >= 5 {
		score += 2
	}
	if links >= 3 {
		score += 2
	}
	if hashtags >= 4 {
		score++
	}
	if repeats >= 2 {
		score += 3 // the same text from the same author a third time
	}
	letters, upper := 0, 0
	for _, r := range text {
		if r >= 'A' && r <= 'Z' {
			upper++
		}
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			letters++
		}
	}
	if letters >= 30 && upper*10 >= letters*8 {
		score++ // SHOUTING
	}
	return score
}

// ASCIILower lowers ASCII letters only, as SQLite's lower() does.
func ASCIILower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
