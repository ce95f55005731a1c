package tweets

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestReadLargeJSONLStreams reads a generated 200,000-line stream file. The
// count is the real assertion; the heap check is deliberately loose (a
// design that held the file would need more than its size) so it cannot
// flake on GC timing.
func TestReadLargeJSONLStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	const lines = 200_000
	const badLine = 100_000
	path := filepath.Join(t.TempDir(), "stream.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := 1; i <= lines; i++ {
		if i == badLine {
			fmt.Fprintln(w, `{"data": {"id": "1", "text": "cut`)
			continue
		}
		// Ids above 2^53 so that any float64 round trip would show.
		fmt.Fprintf(w, `{"data": {"id": "%d", "author_id": "42", "text": "tweet %d &amp; more https://t.co/x%d", `+
			`"created_at": "2021-04-01T15:52:31.000Z", "entities": {"urls": [{"url": "https://t.co/x%d", "expanded_url": "https://example.com/%d"}]}}, `+
			`"includes": {"users": [{"id": "42", "username": "streamer", "name": "S"}]}, "matching_rules": [{"id": 1377649934414049282, "tag": null}]}`+"\n",
			9007199254740993+i, i, i, i, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	var peak uint64
	var ms runtime.MemStats
	n := 0
	res, err := ReadFile(path, func(tw Tweet) error {
		n++
		if n%20_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		if n == 1 && (tw.ID != "9007199254740994" || tw.AuthorHandle != "streamer" || tw.Text != "tweet 1 & more https://example.com/1") {
			t.Errorf("first tweet = %+v", tw)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != lines-1 || n != lines-1 {
		t.Errorf("Read = %d (callback %d), want %d", res.Read, n, lines-1)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Line != badLine {
		t.Errorf("Skipped = %+v, want line %d", res.Skipped, badLine)
	}
	t.Logf("file %d MB, peak heap in use %d MB", info.Size()>>20, peak>>20)
	if peak > uint64(info.Size()) {
		t.Errorf("heap peak %d exceeds the file size %d: the input is being held", peak, info.Size())
	}
}

func TestReadStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop here")
	in := strings.Repeat(`{"id_str": "5", "text": "x", "user": {"screen_name": "a"}}`+"\n", 10)
	calls := 0
	res, err := Read(strings.NewReader(in), func(Tweet) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("err = %v, want the callback's error unchanged", err)
	}
	if calls != 3 || res == nil || res.Read != 3 {
		t.Errorf("calls = %d, res = %+v", calls, res)
	}
}

// A skip in a JSON array names its record and the physical line it starts
// on, however the records spread over lines; a note tweet's record is no
// tweet but no error either.
func TestReadArraySkipsAndRecordNumbers(t *testing.T) {
	in := `window.YTD.tweets.part0 = [
  {"tweet": {"id_str": "1", "full_text": "one", "created_at": "Thu Nov 03 08:50:26 +0000 2022"}},
  {"tweet": {"id_str": "", "full_text": "no id", "created_at": "Thu Nov 03 08:50:26 +0000 2022"}},
  {"tweet": {"id_str": "3", "full_text": "bad date", "created_at": "someday"}}, {"like": {"tweetId": "4"}},
  {
    "tweet" : {
      "id_str" : "5",
      "full_text" : 5
    }
  },
  {"noteTweet": {"noteTweetId": "40"}},
  {"tweet": {"id": "6", "full_text": "id only as a string number", "created_at": "Thu Nov 03 08:50:26 +0000 2022"}},
  {"tweet": {"id_str": "7", "full_text": "multi-line \u2026",
    "created_at": "Thu Nov 03 08:50:26 +0000 2022"}}, {"tweet": {"id_str": "8", "full_text": "cut`
	var got []Tweet
	res, err := Read(strings.NewReader(in), func(tw Tweet) error { got = append(got, tw); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tw := range got {
		ids = append(ids, fmt.Sprintf("%s@%d", tw.ID, tw.Line))
	}
	if strings.Join(ids, ",") != "1@2,6@12,7@13" {
		t.Errorf("ids@lines = %v", ids)
	}
	var where []string
	for _, s := range res.Skipped {
		where = append(where, s.Where())
	}
	want := "record 2 at line 3; record 3 at line 4; record 4 at line 4; record 5 at line 5; record 9 at line 14"
	if strings.Join(where, "; ") != want {
		t.Errorf("skips at %q\nwant %q\n%+v", strings.Join(where, "; "), want, res.Skipped)
	}
}

func TestReadPrettyV2Document(t *testing.T) {
	in := `{
  "data": [
    {"id": "20", "text": "RT @orig: short…", "author_id": "2", "referenced_tweets": [{"type": "retweeted", "id": "10"}]},
    {"id": "21", "text": "@orig reply", "author_id": "2", "in_reply_to_user_id": "1", "referenced_tweets": [{"type": "replied_to", "id": "10"}], "conversation_id": "10"}
  ],
  "includes": {
    "users": [{"id": "1", "username": "orig", "name": "O"}, {"id": "2", "username": "fan", "name": "F"}],
    "tweets": [{"id": "10", "text": "short but actually the whole original text", "author_id": "1",
                "note_tweet": {"text": "the note tweet's even longer full text"}}]
  },
  "errors": [{"title": "Not Found Error", "detail": "Could not find tweet with id: [9]."}]
}
`
	var got []Tweet
	res, err := Read(strings.NewReader(in), func(tw Tweet) error { got = append(got, tw); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatV2 || len(got) != 2 || len(res.APIErrors) != 1 {
		t.Fatalf("res = %+v, got %+v", res, got)
	}
	if rt := got[0]; !rt.Retweet || rt.Text != "RT @orig: the note tweet's even longer full text" || rt.AuthorHandle != "fan" || rt.Line != 3 {
		t.Errorf("retweet = %+v", rt)
	}
	if r := got[1]; r.InReplyToID != "10" || r.InReplyToUser != "orig" || r.ConversationID != "10" || r.Line != 4 {
		t.Errorf("reply = %+v", r)
	}
}
