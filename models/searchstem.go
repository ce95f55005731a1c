package models

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

// stemLang is the Snowball stemmer used for a thread's language: its own
// when Snowball has one, English when the language is not known yet (the
// default), none for languages Snowball does not cover (Japanese, Chinese,
// Korean, Hindi, Thai, Polish, Hebrew, Indonesian ...).
func stemLang(lang string) string {
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

// stemmer stems words of one language, remembering recent answers: support
// text repeats a small vocabulary, so a rebuild of the index stems each
// distinct word about once.
type stemmer struct {
	fn    func(*snowballstem.Env) bool
	env   *snowballstem.Env
	cache map[string]string
}

// stemCacheMax bounds a stemmer's memory (about 4 MB of short words).
const stemCacheMax = 50000

func newStemmer(lang string) *stemmer {
	return &stemmer{fn: stemFunc(stemLang(lang)), env: snowballstem.NewEnv(""), cache: map[string]string{}}
}

// stem returns the stem of a lower-case word, or the word itself when it is
// not one to stem (short, with digits, CJK, or no stemmer for the language).
func (s *stemmer) stem(w string) string {
	if s.fn == nil || len(w) < 3 {
		return w
	}
	if st, ok := s.cache[w]; ok {
		return st
	}
	st := w
	if stemmable(w) {
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

// stemmable reports whether a word is letters only, outside the scripts
// written without spaces (those are indexed a character at a time).
func stemmable(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) || isCJK(r) {
			return false
		}
	}
	return true
}

// stemsOf lists, once each, the stems of the texts' words (and of their
// hyphenated compounds written together) that differ from the word as the
// index folds it: what the stems columns hold. A word that is its own stem
// is found in the text's own column already.
func (s *stemmer) stemsOf(joined string, texts ...string) string {
	if s.fn == nil {
		return ""
	}
	seen := map[string]bool{}
	var out []string
	add := func(word string) {
		w := strings.ToLower(word)
		st := s.stem(w)
		if st == w || seen[st] {
			return
		}
		seen[st] = true
		if foldWord(st) != foldWord(w) {
			out = append(out, st)
		}
	}
	for _, t := range texts {
		for _, sp := range splitWords(t) {
			add(t[sp.start:sp.end])
		}
	}
	for _, w := range strings.Fields(joined) {
		add(w)
	}
	return strings.Join(out, " ")
}
