// Package language names the language of short texts such as tweets.
//
// It is lingua-go's low-accuracy mode (trigrams, falling back to a
// trigram's bigram and unigram prefixes) over a fixed set of languages, with
// lingua-go's own models (copied under models/ by go generate) and its
// script rules, reimplemented to be fast: lingua-go looks every trigram up
// in a map per language and works out the rules with a regular expression
// per character, about 230 µs for a tweet; here one lookup finds a trigram
// for every language at once, in about a tenth of the time. The answers are
// lingua-go's (TestAgreesWithLingua), and so is the accuracy.
package language

//go:generate go run ./internal/copymodels en de es fr pt it nl sv pl tr ru ar he hi ja ko zh th id

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Detector is safe for concurrent use; its models load on first use.
type Detector struct {
	once sync.Once
	m    *models
	err  error
}

// New returns a detector; nothing is loaded until Detect is called.
func New() *Detector { return &Detector{} }

// minRelativeDistance is how far ahead of the next language the most
// likely one must be (lingua-go's WithMinimumRelativeDistance).
const minRelativeDistance = 0.1

// Detect returns the ISO 639-1 code of the text's language, or "" when the
// text is too short or mixed to tell. Mentions, hashtags and links are
// ignored.
func (d *Detector) Detect(text string) string {
	d.once.Do(func() { d.m, d.err = loadModels() })
	if d.err != nil {
		// The models are embedded: only a broken build gets here, and
		// TestModelsLoad fails for it.
		panic("language: " + d.err.Error())
	}
	clean := withoutEntities(text)
	if utf8.RuneCountInString(clean) < 3 {
		return ""
	}
	l := d.m.detect(clean)
	if l < 0 {
		return ""
	}
	return languages[l].code
}

// withoutEntities is the text without its mentions, hashtags and links.
func withoutEntities(text string) string {
	var b strings.Builder
	for _, w := range strings.Fields(text) {
		if strings.HasPrefix(w, "@") || strings.HasPrefix(w, "http://") || strings.HasPrefix(w, "https://") || strings.HasPrefix(w, "#") {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// detect is lingua-go's DetectLanguageOf in low-accuracy mode: the
// language the script rules name, else the one whose trigrams make the text
// likeliest, by at least minRelativeDistance of confidence; -1 for none.
func (m *models) detect(text string) int {
	words := splitWords(text)
	if len(words) == 0 {
		return -1
	}
	if l := languageByRules(words); l != unknown {
		return l
	}
	filtered := filterByRules(words)
	if bits := filtered; bits != 0 && bits&(bits-1) == 0 {
		return lowestBit(bits)
	}
	chars := 0
	for _, w := range words {
		chars += len(w)
	}
	if chars < 3 {
		return -1
	}
	return m.likeliest(words, filtered)
}

// splitWords is lingua-go's splitTextIntoWords: the lower-cased text's runs
// of letters, each Han, Hangul, Hiragana or Katakana character a word of
// its own where a run would begin (a run that began on another letter takes
// them in, as the regular expression lingua-go uses does).
func splitWords(text string) [][]rune {
	lower := []rune(strings.ToLower(text))
	var words [][]rune
	for i := 0; i < len(lower); {
		r := lower[i]
		switch {
		case isSingleCharWord(r):
			words = append(words, lower[i:i+1])
			i++
		case unicode.IsLetter(r):
			j := i + 1
			for j < len(lower) && unicode.IsLetter(lower[j]) {
				j++
			}
			words = append(words, lower[i:j])
			i = j
		default:
			i++
		}
	}
	return words
}

func isSingleCharWord(r rune) bool {
	if r < 0x1100 {
		return false // below every one of the four scripts
	}
	return unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana)
}

// likeliest scores the filtered languages by the text's distinct trigrams
// (each found in a language's trigram model, else its bigram prefix in the
// bigram model, else its first letter in the unigram model; a language
// none of whose lookups found anything is out) and returns the most likely
// one when its confidence (the softmax of the scores) leads the next by at
// least minRelativeDistance.
func (m *models) likeliest(words [][]rune, filtered uint32) int {
	var grams []uint64
	for _, w := range words {
		for i := 0; i+3 <= len(w); i++ {
			grams = append(grams, gramKey(w[i:i+3]))
		}
	}
	if len(grams) == 0 {
		return -1
	}
	slices.Sort(grams)
	var sums [numLanguages]float64
	for i, g := range grams {
		if i > 0 && grams[i-1] == g {
			continue
		}
		found := uint32(0)
		for _, key := range [3]uint64{g, g & (1<<42 - 1), g & (1<<21 - 1)} {
			for _, p := range m.postings(key) {
				l := p.lang
				if filtered&(1<<l) != 0 && found&(1<<l) == 0 {
					found |= 1 << l
					sums[l] += m.logp[p.prob]
				}
			}
			if found == filtered {
				break
			}
		}
	}
	best, second := -1, -1
	maxSum := math.Inf(-1)
	for l := range sums {
		if sums[l] < 0 && sums[l] > maxSum {
			maxSum = sums[l]
		}
	}
	if math.IsInf(maxSum, -1) {
		return -1
	}
	var conf [numLanguages]float64
	denom := 0.0
	for l := range sums {
		if sums[l] < 0 {
			conf[l] = math.Exp(sums[l] - maxSum)
			denom += conf[l]
		}
	}
	for l := range conf {
		conf[l] /= denom
		switch {
		case best < 0 || conf[l] > conf[best]:
			best, second = l, best
		case second < 0 || conf[l] > conf[second]:
			second = l
		}
	}
	if conf[best] == conf[second] || conf[best]-conf[second] < minRelativeDistance {
		return -1
	}
	return best
}

// gramKey packs an n-gram of up to three runes into a number, each rune
// plus one in 21 bits, the first lowest: a prefix's key is the low bits of
// the n-gram's.
func gramKey(rs []rune) uint64 {
	var k uint64
	for i, r := range rs {
		k |= uint64(r+1) << (21 * i)
	}
	return k
}

func lowestBit(bits uint32) int {
	for l := 0; l < numLanguages; l++ {
		if bits&(1<<l) != 0 {
			return l
		}
	}
	return -1
}
