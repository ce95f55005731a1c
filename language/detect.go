// Package language names the language of short texts such as tweets, with
// lingua-go: accurate on short text, and in its low-accuracy mode over a
// fixed set of languages small enough (about 15 MB) for a small server.
package language

import (
	"strings"
	"sync"

	"github.com/pemistahl/lingua-go"
)

// Detector is safe for concurrent use; its models load on first use.
type Detector struct {
	once sync.Once
	d    lingua.LanguageDetector
}

// New returns a detector; nothing is loaded until Detect is called.
func New() *Detector { return &Detector{} }

// supported are the languages support communities most often see.
func supported() []lingua.Language {
	return []lingua.Language{lingua.English, lingua.German, lingua.Spanish, lingua.French, lingua.Portuguese,
		lingua.Italian, lingua.Dutch, lingua.Swedish, lingua.Polish, lingua.Turkish, lingua.Russian, lingua.Arabic,
		lingua.Hebrew, lingua.Hindi, lingua.Japanese, lingua.Korean, lingua.Chinese, lingua.Thai, lingua.Indonesian}
}

// Detect returns the ISO 639-1 code of the text's language, or "" when the
// text is too short or mixed to tell. Mentions and links are ignored.
func (d *Detector) Detect(text string) string {
	d.once.Do(func() {
		d.d = lingua.NewLanguageDetectorBuilder().FromLanguages(supported()...).
			WithLowAccuracyMode().WithMinimumRelativeDistance(0.1).Build()
	})
	var words []string
	for _, w := range strings.Fields(text) {
		if strings.HasPrefix(w, "@") || strings.HasPrefix(w, "http://") || strings.HasPrefix(w, "https://") || strings.HasPrefix(w, "#") {
			continue
		}
		words = append(words, w)
	}
	clean := strings.Join(words, " ")
	if len([]rune(clean)) < 3 {
		return ""
	}
	lang, ok := d.d.DetectLanguageOf(clean)
	if !ok {
		return ""
	}
	return strings.ToLower(lang.IsoCode639_1().String())
}
