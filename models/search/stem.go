package search

import (
	"strings"
	"unicode"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/arabic"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/hungarian"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/norwegian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
	"github.com/blevesearch/snowballstem/swedish"
	"github.com/blevesearch/snowballstem/turkish"
)

// StemLang is the Snowball stemmer used for a thread's language: its own
// when Snowball has one, English when the language is not known yet (the
// default), none for languages Snowball does not cover (Japanese, Chinese,
// Korean, Hindi, Thai, Polish, Hebrew, Indonesian ...).
func StemLang(lang string) string {
	if lang == "" {
		return "en"
	}
	if stemFunc(lang) == nil {
		return ""
	}
	return lang
}

// stemFunc is the Snowball stemmer of an ISO 639-1 language code, or nil.
func stemFunc(lang string) func(*snowballstem.Env) bool {
	switch lang {
	case "en":
		return english.Stem
	case "de":
		return german.Stem
	case "fr":
		return french.Stem
	case "es":
		return spanish.Stem
	case "pt":
		return portuguese.Stem
	case "it":
		return italian.Stem
	case "nl":
		return dutch.Stem
	case "sv":
		return swedish.Stem
	case "da":
		return danish.Stem
	case "no", "nb", "nn":
		return norwegian.Stem
	case "fi":
		return finnish.Stem
	case "hu":
		return hungarian.Stem
	case "ro":
		return romanian.Stem
	case "ru":
		return russian.Stem
	case "tr":
		return turkish.Stem
	case "ar":
		return arabic.Stem
	}
	return nil
}

// Stemmer stems words of one language, remembering recent answers: support
// text repeats a small vocabulary, so a rebuild of the index stems each
// distinct word about once.
type Stemmer struct {
	fn    func(*snowballstem.Env) bool
	env   *snowballstem.Env
	cache map[string]string
}

// stemCacheMax bounds a stemmer's memory (about 4 MB of short words).
const stemCacheMax = 50000

func NewStemmer(lang string) *Stemmer {
	return &Stemmer{fn: stemFunc(StemLang(lang)), env: snowballstem.NewEnv(""), cache: map[string]string{}}
}

// Stem returns the Stem of a lower-case word, or the word itself when it is
// not one to Stem (short, with digits, CJK, or no stemmer for the language).
func (s *Stemmer) Stem(w string) string {
	if s.fn == nil || len(w) < 3 {
		return w
	}
	if st, ok := s.cache[w]; ok {
		return st
	}
	st := w
	if Stemmable(w) {
		s.env.SetCurrent(w)
		s.fn(s.env)
		if cur := s.env.Current(); len(cur) >= 2 {
			st = cur
		}
	}
	if len(s.cache) >= stemCacheMax {
		clear(s.cache)
	}
	s.cache[w] = st
	return st
}

// Stemmable reports whether a word is letters only, outside the scripts
// written without spaces (those are indexed a character at a time).
func Stemmable(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) || IsCJK(r) {
			return false
		}
	}
	return true
}

// StemsOf lists, once each, the stems of the texts' words (and of their
// hyphenated compounds written together) that differ from the word as the
// index folds it: what the stems columns hold. A word that is its own stem
// is found in the text's own column already.
func (s *Stemmer) StemsOf(joined string, texts ...string) string {
	if s.fn == nil {
		return ""
	}
	seen := map[string]bool{}
	var out []string
	add := func(word string) {
		w := strings.ToLower(word)
		st := s.Stem(w)
		if st == w || seen[st] {
			return
		}
		seen[st] = true
		if FoldWord(st) != FoldWord(w) {
			out = append(out, st)
		}
	}
	for _, t := range texts {
		for _, sp := range SplitWords(t) {
			add(t[sp.Start:sp.End])
		}
	}
	for _, w := range strings.Fields(joined) {
		add(w)
	}
	return strings.Join(out, " ")
}
