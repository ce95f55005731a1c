package tweets

import (
	"strconv"
	"strings"
	"testing"
)

func TestV2Withheld(t *testing.T) {
	res, got := readSample(t, "api-v2-twarc-csv/withheld.jsonl")
	wantFormat(t, res, FormatV2)
	wantNoSkips(t, res)
	if res.Read != 215 {
		t.Errorf("Read = %d, want 215", res.Read)
	}
	pages := map[int]bool{}
	for _, tw := range got {
		pages[tw.Line] = true
	}
	if len(pages) != 5 {
		t.Errorf("tweets come from %d lines, want 5 pages", len(pages))
	}
	if len(res.APIErrors) != 5 {
		t.Errorf("APIErrors = %d, want 5: %q", len(res.APIErrors), res.APIErrors)
	}
	joined := strings.Join(res.APIErrors, "\n")
	for _, want := range []string{"Could not find tweet", "User has been suspended"} {
		if !strings.Contains(joined, want) {
			t.Errorf("APIErrors lack %q: %q", want, res.APIErrors)
		}
	}
	tw := mustFind(t, got, "1388424788171841537")
	if tw.AuthorID != "1175047638" || tw.AuthorHandle != "manavjivan" || tw.AuthorName == "" {
		t.Errorf("author not joined from includes.users: %+v", tw)
	}
	// Page 5 omits six (withheld) authors from includes.users: they keep
	// their author_id and no handle.
	if n := countIf(got, func(tw Tweet) bool { return tw.AuthorHandle == "" && tw.AuthorID != "" }); n != 6 {
		t.Errorf("%d tweets without a handle, want 6", n)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.InReplyToID != "" }); n != 62 {
		t.Errorf("replies = %d, want 62", n)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.ConversationID == "" }); n != 0 {
		t.Errorf("%d tweets without conversation_id", n)
	}
}

func TestV2Brexit(t *testing.T) {
	res, got := readSample(t, "api-v2-twarc-csv/brexit.jsonl")
	wantFormat(t, res, FormatV2)
	wantNoSkips(t, res)
	if res.Read != 100 {
		t.Errorf("Read = %d, want 100", res.Read)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.Retweet }); n != 67 {
		t.Errorf("retweets = %d, want 67", n)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.InReplyToID != "" }); n != 10 {
		t.Errorf("replies = %d, want 10", n)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.Quote }); n != 11 {
		t.Errorf("quotes = %d, want 11", n)
	}
	// The RT's own text is cut ("…"); the full original is in includes.tweets.
	tw := mustFind(t, got, "1440716856763977732")
	if !tw.Retweet || !strings.HasPrefix(tw.Text, "RT @carolJhedges: . #BorisJohnson") ||
		!strings.Contains(tw.Text, "STILL think he cares about your life?") || strings.HasSuffix(tw.Text, "…") {
		t.Errorf("retweet text not expanded from includes: %q", tw.Text)
	}
	if tw.AuthorHandle != "jacquip537" {
		t.Errorf("author = %q", tw.AuthorHandle)
	}
	reply := mustFind(t, got, "1440716745577140229")
	if reply.InReplyToID != "1440621713281093641" || reply.InReplyToUser != "AndrewKnight226" || reply.ConversationID != "1440621713281093641" {
		t.Errorf("reply = %+v", reply)
	}
}

func TestV2StreamTruncatedLastLine(t *testing.T) {
	res, got := readSample(t, "api-v2-twarc-csv/streaming_output_with_error.jsonl")
	wantFormat(t, res, FormatV2)
	if res.Read != 7 {
		t.Errorf("Read = %d, want the 7 complete lines", res.Read)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Line != 8 || res.Skipped[0].Reason != "truncated JSON" {
		t.Errorf("Skipped = %+v, want one truncated JSON at line 8", res.Skipped)
	}
	for i, tw := range got {
		if tw.Line != i+1 {
			t.Errorf("tweet %d has Line %d", i, tw.Line)
		}
	}
	if tw := got[0]; tw.ID != "1377650090978992134" || tw.AuthorHandle != "blackheart_265" || !tw.Quote {
		t.Errorf("first tweet = %+v", tw)
	}
}

func TestV2Flat(t *testing.T) {
	res, got := readSample(t, "api-v2-twarc-csv/flat.jsonl")
	wantFormat(t, res, FormatV2Flat)
	wantNoSkips(t, res)
	if res.Read != 100 {
		t.Errorf("Read = %d, want 100", res.Read)
	}
	tw := mustFind(t, got, "1380242611781386245")
	if tw.AuthorHandle != "Alexandravm12" || !tw.Retweet ||
		!strings.HasSuffix(tw.Text, "La pandilla del Partido Demócrata hace sentir su regreso.") {
		t.Errorf("flat retweet = %+v", tw)
	}
	reply := mustFind(t, got, "1380242586288328707")
	if reply.InReplyToID != "1380229267770933248" || reply.InReplyToUser != "TalkToTheFoot" {
		t.Errorf("flat reply = %+v", reply)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.InReplyToUser != "" }); n != 32 {
		t.Errorf("tweets with in_reply_to_user = %d, want 32", n)
	}
}

func TestV2OtherTwarcFiles(t *testing.T) {
	for file, want := range map[string]int{
		"kpop.jsonl": 100, "media_policy_violation_on.jsonl": 100, "edited.jsonl": 1, "quoted_edit.jsonl": 1,
		"geo_tweets.jsonl": 2, "many_urls.jsonl": 1, "two_tweets.jsonl": 1, "verified_type.jsonl": 1,
	} {
		res, _ := readSample(t, "api-v2-twarc-csv/"+file)
		wantFormat(t, res, FormatV2)
		wantNoSkips(t, res)
		if res.Read != want {
			t.Errorf("%s: Read = %d, want %d", file, res.Read, want)
		}
	}
}

func TestV2TweepyCassettes(t *testing.T) {
	for file, want := range map[string]int{
		"test_client_get_home_timeline.0.json": 98, "test_client_get_list_tweets.0.json": 97,
		"test_client_get_liked_tweets.0.json": 96, "test_client_search_recent_tweets.0.json": 10,
		"test_client_search_all_tweets.0.json": 10, "test_client_get_users_mentions.0.json": 10,
		"test_client_get_quote_tweets.0.json": 9, "test_client_get_tweet.0.json": 1,
		"test_client_get_tweets.0.json": 2, "test_client_get_users_tweets.0.json": 2,
	} {
		res, _ := readSample(t, "api-tweepy-cassettes/v2/"+file)
		wantFormat(t, res, FormatV2)
		wantNoSkips(t, res)
		if res.Read != want {
			t.Errorf("%s: Read = %d, want %d", file, res.Read, want)
		}
	}
	_, got := readSample(t, "api-tweepy-cassettes/v2/test_client_get_tweet.0.json")
	tw := got[0]
	if tw.ID != "1293593516040269825" || !strings.HasPrefix(tw.Text, "It’s finally here! 🥁 Say hello") ||
		!tw.CreatedAt.IsZero() || len(tw.Hashtags) != 1 || tw.Hashtags[0] != "TwitterAPI" {
		t.Errorf("minimal v2 tweet = %+v", tw)
	}
}

func TestV1StreamingLines(t *testing.T) {
	res, got := readSample(t, "api-v1.1-python-twitter/streaming/lines.json")
	wantFormat(t, res, FormatV1)
	wantNoSkips(t, res)
	if res.Read != 72 {
		t.Errorf("Read = %d, want 72", res.Read)
	}
	// The id is beyond 2^53: float64 would turn it into …656.
	const id = "972472979555782658"
	if f, _ := strconv.ParseFloat(id, 64); strconv.FormatFloat(f, 'f', 0, 64) == id {
		t.Fatalf("test id %s survives float64; pick one that does not", id)
	}
	tw := mustFind(t, got, id)
	if strings.HasSuffix(tw.Text, "…") || !strings.HasSuffix(tw.Text, "@MarkySpider It was fun! Thanks all") {
		t.Errorf("extended_tweet.full_text not used: %q", tw.Text)
	}
	if tw.AuthorHandle != "lowkeyhighflyer" || tw.AuthorID != "23314059" || tw.InReplyToID != "972168748168818689" || tw.InReplyToUser != "isla_gladstone" {
		t.Errorf("tweet = %+v", tw)
	}
	if n := countIf(got, func(tw Tweet) bool { return strings.HasSuffix(tw.Text, "…") }); n != 0 {
		t.Errorf("%d texts still truncated", n)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.InReplyToID != "" }); n != 33 {
		t.Errorf("replies = %d, want 33", n)
	}
	// RTL text intact; X's legacy code for Hebrew (iw) becomes he.
	if tw := mustFind(t, got, "972473092814589952"); tw.Lang != "he" || !strings.HasPrefix(tw.Text, "ישר שלחו לי הפניה לרופא עיניים") {
		t.Errorf("Hebrew tweet = %q (%s)", tw.Text, tw.Lang)
	}
	if tw := mustFind(t, got, "972472958596866048"); !strings.HasSuffix(tw.Text, "سورة الحجرات\u00a0#Quran") {
		t.Errorf("Arabic tweet = %q", tw.Text)
	}
}

func TestV1Search(t *testing.T) {
	res, got := readSample(t, "api-v1.1-python-twitter/get_search_raw.json")
	wantFormat(t, res, FormatV1)
	wantNoSkips(t, res)
	if res.Read != 100 {
		t.Errorf("Read = %d, want 100", res.Read)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.Retweet }); n != 74 {
		t.Errorf("retweets = %d, want 74", n)
	}
	rt := mustFind(t, got, "690992334247477249")
	if rt.Text != "RT @CSAviate: kevin love\n\nelbow http://twitter.com/CSAviate/status/690992179955675136/photo/1" {
		t.Errorf("retweet text = %q", rt.Text)
	}
}

func TestV1OtherShapes(t *testing.T) {
	for file, want := range map[string]int{
		"api-v1.1-python-twitter/get_home_timeline.json":                   20,
		"api-v1.1-python-twitter/get_mentions.json":                        19,
		"api-v1.1-python-twitter/get_retweets.json":                        14,
		"api-v1.1-python-twitter/3.2/extended_tweet_in_compat_mode.json":   1,
		"api-v1.1-python-twitter/3.2/extended_tweet_in_extended_mode.json": 1,
		"api-v1.1-python-twitter/get_status_with_place.json":               1,
		"api-v1.1-python-twitter/models/status_quoted_tweet.json":          1,
		"api-tweepy-cassettes/v1.1/testsearchtweets.0.json":                15,
		"api-tweepy-cassettes/v1.1/testusertimeline.1.json":                20,
		"api-tweepy-cassettes/v1.1/testgetretweets.0.json":                 15,
	} {
		res, _ := readSample(t, file)
		wantFormat(t, res, FormatV1)
		wantNoSkips(t, res)
		if res.Read != want {
			t.Errorf("%s: Read = %d, want %d", file, res.Read, want)
		}
	}
	// Compat and extended mode of one tweet give the same text.
	_, compat := readSample(t, "api-v1.1-python-twitter/3.2/extended_tweet_in_compat_mode.json")
	_, ext := readSample(t, "api-v1.1-python-twitter/3.2/extended_tweet_in_extended_mode.json")
	if compat[0].ID != ext[0].ID {
		t.Errorf("ids differ: %s vs %s", compat[0].ID, ext[0].ID)
	}
	_, q := readSample(t, "api-v1.1-python-twitter/models/status_quoted_tweet.json")
	if !q[0].Quote {
		t.Errorf("quoted status not flagged: %+v", q[0])
	}
}

func TestV1StreamNotices(t *testing.T) {
	in := `{"delete": {"status": {"id": 1, "id_str": "1", "user_id": 3}}}
{"limit": {"track": 12}}
{"id": 972472979555782658, "id_str": "972472979555782658", "text": "x", "created_at": "Sat Mar 10 14:03:15 +0000 2018", "user": {"id_str": "7", "screen_name": "u"}}
`
	var got []Tweet
	res, err := Read(strings.NewReader(in), func(tw Tweet) error { got = append(got, tw); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatV1 || len(got) != 1 || got[0].ID != "972472979555782658" || got[0].Line != 3 {
		t.Fatalf("res = %+v, got = %+v", res, got)
	}
	if len(res.Skipped) != 2 || res.Skipped[0].Line != 1 || res.Skipped[1].Line != 2 {
		t.Errorf("Skipped = %+v", res.Skipped)
	}
}
