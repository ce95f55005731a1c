package tweets

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name, head string
		want       Format
	}{
		{"archive tweets.js", "window.YTD.tweets.part0 = [\n  {\n    \"tweet\" : {", FormatArchive},
		{"archive tweet.js", "window.YTD.tweet.part0 = [ {\n  \"tweet\" : {", FormatArchive},
		{"archive deleted", "window.YTD.deleted_tweets.part0 = [ ]", FormatArchive},
		{"archive community", "window.YTD.community_tweet.part0 = [", FormatArchive},
		{"archive note, empty", "window.YTD.note_tweet.part0 = [ ]", FormatArchive},
		{"archive with BOM", "\ufeffwindow.YTD.tweets.part1 = [", FormatArchive},
		{"grailbird", "Grailbird.data.tweets_2012_06 = \n [ {", FormatGrailbird},
		{"grailbird csv", `"tweet_id","in_reply_to_status_id","in_reply_to_user_id","retweeted_status_id","retweeted_status_user_id","timestamp","source","text","expanded_urls"` + "\n", FormatGrailCSV},
		{"twcs", "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n1,a,True,", FormatSupportCSV},
		{"twcs pandas index", ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n0,1,", FormatSupportCSV},
		{"twcs BOM CRLF", "\ufefftweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\r\n", FormatSupportCSV},
		{"twcs reordered", "text,inbound,created_at,author_id,tweet_id\n", FormatSupportCSV},
		{"v2 page", `{"data": [{"id": "1", "text": "hi"}], "includes": {"users": []}}`, FormatV2},
		{"v2 stream", `{"data": {"author_id": "4602771083", "id": "1"}, "matching_rules": [{"id": 1377649934414049282}]}`, FormatV2},
		{"v2 pretty", "{\n  \"data\": [\n", FormatV2},
		{"v2 errors only", `{"errors": [{"detail": "x"}], "meta": {"result_count": 0}}`, FormatV2},
		{"v2 flat", `{"referenced_tweets": [{"type": "retweeted", "id": "2", "text": "x"}], "id": "1", "text": "RT", "author": {"username": "a"}}`, FormatV2Flat},
		{"v1 array", `[{"created_at":"Wed Dec 09 19:40:11 +0000 2015","id":674674925823787008,"id_str":"674674925823787008","text":"RT`, FormatV1},
		{"v1 line", `{"reply_count": 0, "user": {"id": 1, "screen_name": "x"}, "id_str": "9", "text": "t"}` + "\n{", FormatV1},
		{"v1 stream, delete notice first", `{"delete": {"status": {"id": 1, "id_str": "1"}}}` + "\n", FormatV1},
		{"v1 search", `{"search_metadata": {"count": 100}, "statuses": [`, FormatV1},
		{"v1 pretty status", "{\n   \"created_at\": \"Sat Oct 13 20:15:27 +0000 2018\",\n   \"id\": 1,\n   \"id_str\": \"1\",\n   \"text\": \"x\"\n}", FormatV1},
	}
	for _, c := range cases {
		got, err := Detect([]byte(c.head))
		if err != nil || got != c.want {
			t.Errorf("%s: Detect = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func TestDetectUnknown(t *testing.T) {
	cases := map[string]struct{ head, mention string }{
		"empty":        {"", "empty"},
		"png":          {"\x89PNG\r\n\x1a\n", "a picture"},
		"mastodon":     {`[{"id": "114739545367952761", "created_at": "2025-06-24T17:35:19.898Z", "content": "<p>hi</p>", "account": {}}]`, "keys id, created_at"},
		"mastodon ctx": {`{"ancestors": [], "descendants": []}`, "ancestors"},
		"bluesky":      {`{"uri": "at://did:plc:x/app.bsky.feed.post/3k", "cid": "b", "value": {"text": "hi"}}`, "keys uri, cid, value"},
		"random csv":   {"a,b,c\n1,2,3\n", "CSV with columns a, b, c"},
		"account.js":   {"window.YTD.account.part0 = [", `"account"`},
		"broken json":  {"{not json", "not valid JSON"},
		"empty array":  {"[ ]", "empty JSON array"},
	}
	for name, c := range cases {
		f, err := Detect([]byte(c.head))
		if !errors.Is(err, ErrUnknownFormat) || f != "" {
			t.Errorf("%s: Detect = %q, %v; want ErrUnknownFormat", name, f, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "not a known tweet format: ") || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: message %q lacks %q", name, err, c.mention)
		}
	}
}

// A head cut in the middle of the first record still detects.
func TestDetectTruncatedHead(t *testing.T) {
	head := `{"data": [{"id": "1", "text": "a very long tw`
	if f, err := Detect([]byte(head)); err != nil || f != FormatV2 {
		t.Errorf("Detect = %q, %v", f, err)
	}
	head = `{"id_str": "1", "text": "x", "user": {"description": "cut here`
	if f, err := Detect([]byte(head)); err != nil || f != FormatV1 {
		t.Errorf("Detect = %q, %v", f, err)
	}
}

// Callers may sniff only the first few KB of an upload (the web form reads
// 4 KiB): every real sample must detect the same from that.
func TestDetectShortHeadOfSamples(t *testing.T) {
	root := samplePath(t, ".")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		full, fullErr := Detect(b)
		short, shortErr := Detect(b[:min(len(b), 4096)])
		if short != full || (fullErr == nil) != (shortErr == nil) {
			t.Errorf("%s: 4 KiB head detects %q (%v), whole file %q (%v)", p, short, shortErr, full, fullErr)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
