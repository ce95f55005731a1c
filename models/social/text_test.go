package social

import (
	"strings"
	"testing"
)

// titleMin is the forum's shortest title (models.TitleMin), as models
// passes it.
const titleMin = 10

// TestTweetTitleCleansAndCutsAtSentences: what X users put before their
// words goes, the first sentence ends at CJK full stops too, and initials
// and abbreviations do not end it.
func TestTweetTitleCleansAndCutsAtSentences(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// ".@Brand" makes a reply public; the dot is no part of the question.
		{".@AppleSupport my iPhone won't charge. Tried two cables!", "my iPhone won't charge."},
		{".@AmazonHelp .@UPS where is my parcel?? ordered last week", "where is my parcel??"},
		// Real twcs text (tweet 5354): a lone dot after the mention.
		{"@115911 . I think ending the contests at 4 pm is too early. Not everyone lives on the West Coast.",
			"I think ending the contests at 4 pm is too early."},
		{"@Delta - why was my flight cancelled without an email? Stuck at JFK", "why was my flight cancelled without an email?"},
		// Control characters never reach a title.
		{"@Brand my bill\x1b[2J is wrong\x07 again\u0085 why", "my bill [2J is wrong again why"},
		{"@Brand: ... anyone else lost the signal today?", "anyone else lost the signal today?"},
		{"@Brand , …the app logs me out every hour", "the app logs me out every hour"},
		// Opening marks belong to the sentence.
		{"@Movistar ¿Dónde está mi pedido? Lo pedí hace una semana", "¿Dónde está mi pedido?"},
		{`@Brand "Unknown error 0x80" when I pay. Help`, `"Unknown error 0x80" when I pay.`},
		{"@Brand #1 complaint: the checkout freezes. Fix it", "#1 complaint: the checkout freezes."},
		// Full-width sentence ends, with or without a space after.
		{"@SoftBank ルーターが動きません。再起動しても直りません", "ルーターが動きません。"},
		{"スマホの電波が全く入らない！どうすればいいですか", "スマホの電波が全く入らない！"},
		{"为什么我的订单还没到？已经一周了", "为什么我的订单还没到？"},
		{"「荷物が届かない」。問い合わせます", "「荷物が届かない」。"},
		// Initials and common abbreviations are not sentence ends.
		{"Mark R. from your Leeds store was brilliant, thank you! Will be back", "Mark R. from your Leeds store was brilliant, thank you!"},
		{"Mr. Patel fixed my broadband in ten minutes. Great service", "Mr. Patel fixed my broadband in ten minutes."},
		{"Mrs. Jones and Dr. Smith both got the wrong bill. Please check", "Mrs. Jones and Dr. Smith both got the wrong bill."},
		{"Small things, e.g. the login button, vanished after the update. Please fix", "Small things, e.g. the login button, vanished after the update."},
		{"Two charges, i.e. double the price, on my card. Refund?", "Two charges, i.e. double the price, on my card."},
		{"The engineer came at 5 p.m. and left at 5:10. Still no line", "The engineer came at 5 p.m. and left at 5:10."},
		{"Shipped to the U.S. office instead of Leeds. Why?", "Shipped to the U.S. office instead of Leeds."},
		{"Prices vs. last year are up 20%. Is that right?", "Prices vs. last year are up 20%."},
		// Real ends still cut, and decimals are no ends.
		{"Router is dead. Help!", "Router is dead."},
		{"Version 2.5 broke the app. Rolling back", "Version 2.5 broke the app."},
		{"Why does it fail??? Nothing works", "Why does it fail???"},
	} {
		if got := TweetTitle(c.in, "jo", titleMin); got != c.want {
			t.Errorf("TweetTitle(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTweetTitles(t *testing.T) {
	for in, want := range map[string]string{
		"@AppleSupport @115712 my iPhone won't charge. Tried two cables!": "my iPhone won't charge.",
		"https://t.co/abc @x": "Post from @jo on X",
		"@AmazonHelp where is my parcel??? ordered last week": "where is my parcel???",
		"@a hi":                         "hi (@jo on X)",
		"The first line here\nline two": "The first line here",
		"الراوتر لا يعمل بعد التحديث": "الراوتر لا يعمل بعد التحديث",
		strings.Repeat("word ", 40):   strings.TrimSpace(strings.Repeat("word ", 19)) + "…",
	} {
		if got := TweetTitle(in, "jo", titleMin); got != want {
			t.Errorf("TweetTitle(%q) = %q, want %q", in, got, want)
		}
	}
}
