package social

import (
	"testing"

	"github.com/crowdcare/crowdcare/internal/textsamples"
)

// TestPromotionWordsStandAlone: an ad's words count as words of their own,
// in any case and spacing, but not inside other words, links or handles.
func TestPromotionWordsStandAlone(t *testing.T) {
	for text, want := range map[string]bool{
		"GIVEAWAY! Win a new router":          true,
		"win an iPad":                         true,
		"Chance To Win big":                   true,
		"follow & RT":                         true,
		"Follow and retweet to win":           true,
		"50% OFF today":                       true,
		"use promo code X":                    true,
		"BUY NOW":                             true,
		"Dm For Price":                        true,
		"limited time offer":                  true,
		"coupons here":                        true,
		"Sweepstakes!":                        true,
		"#Contest entries close at 4pm":       true,
		"Ciao, ſweepstake":                    true, // the long s folds to s
		"win\u00a0a thing":                    true,
		"give\taway":                          true,
		"chance  to\nwin":                     true,
		"my router is broken":                 false,
		"I won a prize":                       false,
		"the contestant":                      false,
		"the charge I contested last month":   false,
		"wina":                                false,
		"ɢiveaway":                            false,
		"couponing is a hobby":                false,
		"see https://atcoder.jp/contests/abc": false,
		"ask @contest_help":                   false,
		"ask @contest":                        false,
		"contestó mi pregunta":                false, // a letter outside ASCII still joins the word
		"a buy now pay later plan":            false,
		"Buy now, pay later plans":            false,
		"":                                    false,
	} {
		if got := IsPromotion(text); got != want {
			t.Errorf("IsPromotion(%q) = %v, want %v", text, got, want)
		}
	}
}

// BenchmarkPromotionFilter is the ad filter's keyword test on every text of
// the real samples (about 17,000): one op is one text.
func BenchmarkPromotionFilter(b *testing.B) {
	texts := textsamples.RealTweets(b)
	if len(texts) == 0 {
		b.Skip("shared data not found: skipping real-sample benchmark")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		IsPromotion(texts[i%len(texts)])
	}
}
