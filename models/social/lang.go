package social

import (
	"runtime"
	"sync"
)

// LanguageDetector names the language of a text (ISO 639-1), or "" when
// unsure. It is called from several goroutines at once.
type LanguageDetector interface {
	Detect(text string) string
}

// DetectAll names the language of each text, on every core: detection is
// pure CPU work, about a quarter of a millisecond a text.
func DetectAll(det LanguageDetector, texts []string) []string {
	langs := make([]string, len(texts))
	workers := min(runtime.GOMAXPROCS(0), len(texts))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(texts); i += workers {
				langs[i] = det.Detect(texts[i])
			}
		}(w)
	}
	wg.Wait()
	return langs
}

// ThreadLang is a thread's language taken from the tweet it started from,
// when the source named one (a two-letter code, not X's "und", "qme" and
// the like); else it is left for the background detection.
func ThreadLang(itemLang string) (string, bool) {
	if IsLangCode(itemLang) {
		return itemLang, true
	}
	return "", false
}

// IsLangCode reports whether s is a two-letter lower-case language code.
func IsLangCode(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}
