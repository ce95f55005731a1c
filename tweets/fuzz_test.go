package tweets

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzRead checks that no input makes Read panic, and that what it hands
// out keeps the promises every format shares.
func FuzzRead(f *testing.F) {
	seeds := []string{
		"window.YTD.tweets.part0 = [ {\"tweet\": {\"id_str\": \"1\", \"full_text\": \"hi &amp; https://t.co/a\", \"created_at\": \"Thu Nov 03 08:50:26 +0000 2022\", \"entities\": {\"urls\": [{\"url\": \"https://t.co/a\", \"expanded_url\": \"https://a.example\"}]}}} ]",
		"window.YTD.note_tweet.part0 = [ ]",
		"Grailbird.data.tweets_2012_06 = \n [ {\"id_str\": \"2\", \"id\": 2, \"text\": \"RT @x: y\", \"created_at\": \"Sun Jul 01 02:47:05 +0000 2012\", \"user\": {\"screen_name\": \"a\"}, \"retweeted_status\": {\"text\": \"y z\", \"user\": {\"screen_name\": \"x\"}}} ]",
		"\"tweet_id\",\"in_reply_to_status_id\",\"in_reply_to_user_id\",\"retweeted_status_id\",\"retweeted_status_user_id\",\"timestamp\",\"source\",\"text\",\"expanded_urls\"\n\"3\",\"\",\"\",\"\",\"\",\"2012-07-01 02:47:05 +0000\",\"web\",\"a http://t.co/x\",\"http://x.example\"\n",
		"{\"data\": [{\"id\": \"4\", \"text\": \"RT @u: cut…\", \"author_id\": \"9\", \"referenced_tweets\": [{\"type\": \"retweeted\", \"id\": \"5\"}]}], \"includes\": {\"users\": [{\"id\": \"9\", \"username\": \"u\"}], \"tweets\": [{\"id\": \"5\", \"text\": \"cut no more\", \"author_id\": \"9\"}]}, \"errors\": [{\"detail\": \"gone\"}]}\n{\"data\": {\"id\": \"6\", \"text\": \"x\"}, \"matching_rules\": [{\"id\": 1377649934414049282}]}\n{\"data\": {\"id\": \"7\"",
		"{\n  \"data\": {\"id\": \"8\", \"text\": \"pretty\"}\n}\n",
		"{\"id\": \"10\", \"text\": \"flat\", \"author\": {\"id\": \"1\", \"username\": \"f\"}, \"referenced_tweets\": [{\"type\": \"quoted\", \"id\": \"11\", \"text\": \"q\"}]}\n",
		"[{\"id\": 972472979555782658, \"id_str\": \"972472979555782658\", \"text\": \"t…\", \"truncated\": true, \"extended_tweet\": {\"full_text\": \"the full text\"}, \"created_at\": \"Sat Mar 10 14:03:15 +0000 2018\", \"user\": {\"screen_name\": \"s\"}}]",
		"{\"search_metadata\": {}, \"statuses\": [{\"id_str\": \"12\", \"text\": \"s\", \"user\": {}}, 5]}",
		",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n0,1,sprintcare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 hi,2,3.0\n1,2,115712,True,Tue Oct 31 22:11:45 +0000 2017,\"a\nb\",,1.0\n",
		"\ufefftweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\r\n4,sprintcare,FALSE,Tue Oct 31 21:54:49 +0000 2017,click \u201aÄòMessage\u201aÄô \uf8ffü§•,3,5\r\n",
		"",
		"\x89PNG\r\n\x1a\n",
		"[{\"id\": \"1\", \"content\": \"<p>mastodon</p>\", \"account\": {}}]",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Read(bytes.NewReader(data), func(tw Tweet) error {
			if !isDigits(tw.ID) {
				t.Errorf("tweet id %q is not a number", tw.ID)
			}
			if !tw.CreatedAt.IsZero() && tw.CreatedAt.Location().String() != "UTC" {
				t.Errorf("date %v not in UTC", tw.CreatedAt)
			}
			return nil
		})
		if err != nil {
			if res == nil && !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("error without a result that is not ErrUnknownFormat: %v", err)
			}
			return
		}
		if res == nil || res.Format == "" || res.Read < 0 {
			t.Errorf("bad result %+v", res)
		}
	})
}
