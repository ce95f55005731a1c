package social

import "context"

// DetectAllLanguagesIn is DetectAllLanguages with batches of size, for
// tests that cross batches with a few posts.
func (s *Social) DetectAllLanguagesIn(ctx context.Context, det LanguageDetector, size int) (int, error) {
	return s.detectAllLanguages(ctx, det, size)
}
