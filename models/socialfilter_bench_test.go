package models

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/crowdcare/crowdcare/tweets"
)

// sampleTexts reads the texts of every real sample under sampleDir, in
// place.
func sampleTexts(b *testing.B) []string {
	b.Helper()
	if _, err := os.Stat(sampleDir); err != nil {
		b.Skip("shared data not found: skipping real-sample benchmark")
	}
	var texts []string
	err := filepath.WalkDir(sampleDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		// Files in no tweet format are not samples of texts.
		_, _ = tweets.ReadFile(p, func(t tweets.Tweet) error {
			texts = append(texts, t.Text)
			return nil
		})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return texts
}

// BenchmarkPromotionFilter is the ad filter's keyword test on every text of
// the real samples (about 17,000): one op is one text.
func BenchmarkPromotionFilter(b *testing.B) {
	texts := sampleTexts(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		isPromotion(texts[i%len(texts)])
	}
}
