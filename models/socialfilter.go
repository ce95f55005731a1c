package models

import (
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Filter reasons, stored with filtered items so a wrong filter can be undone.
const (
	FilterRetweet   = "retweet"
	FilterBrand     = "brand's own tweet"
	FilterPromotion = "promotion or ad"
	FilterMalware   = "suspicious link"
	FilterSpam      = "spam score"
)

var promotionPattern = regexp.MustCompile(`(?i)\b(giveaway|give away|sweepstakes?|contest|promo code|discount code|coupon|` +
	`% off|win an? |chance to win|rt to win|retweet to win|follow (?:and|&) (?:rt|retweet)|limited time offer|buy now|dm for price)`)

// promotionWords are what a match of promotionPattern must contain, in
// lower case: an ASCII text with none of them cannot match.
var promotionWords = []string{"giveaway", "give away", "sweepstake", "contest", "promo code", "discount code", "coupon",
	"% off", "win a", "to win", "follow ", "limited time offer", "buy now", "dm for price"}

// isPromotion reports whether the text reads like an ad. The expression is
// case-insensitive and costs microseconds; most texts are ruled out by
// looking for its words first. Outside ASCII, case folding has surprises
// (the Kelvin sign folds to k), so the expression decides.
func isPromotion(text string) bool {
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		lower := asciiLower(text)
		found := false
		for _, w := range promotionWords {
			if strings.Contains(lower, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return promotionPattern.MatchString(text)
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

// linkSuspicious reports whether a URL points somewhere an importer should not
// send customers: a blocklisted domain, a bare IP address, a risky TLD, or
// credentials in the URL.
func linkSuspicious(raw string, blocklist []string) bool {
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

// spamScore adds up signs of spam; 3 or more filters the item.
func spamScore(text string, mentions, links, hashtags, repeats int) int {
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
