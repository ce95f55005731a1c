package tweets

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// readString reads an in-memory input and returns the result and tweets.
func readString(t *testing.T, in string) (*Result, []Tweet) {
	t.Helper()
	var got []Tweet
	res, err := Read(strings.NewReader(in), func(tw Tweet) error {
		got = append(got, tw)
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return res, got
}

// smallRecords makes records over 4 KiB count as too large for one test.
func smallRecords(t *testing.T) {
	t.Helper()
	old := maxRecord
	maxRecord = 4 << 10
	t.Cleanup(func() { maxRecord = old })
}

func statusJSON(id int, text string) string {
	return fmt.Sprintf(`{"id_str": "%d", "full_text": %q, "created_at": "Wed Oct 10 20:19:24 +0000 2018", "user": {"id_str": "7", "screen_name": "cust_1"}}`, id, text)
}

// A record larger than maxRecord is never held whole: in an array, in a
// document and in JSON Lines it is reported and what came before it is kept.
func TestOversizedRecordIsRefusedNotHeld(t *testing.T) {
	smallRecords(t)
	huge := strings.Repeat("x", 8<<10)
	cases := map[string]struct {
		in         string
		read       int
		skipLine   int
		skipRecord int
		reason     string
	}{
		"array": {
			in:   "[" + statusJSON(1, "first") + "," + statusJSON(2, huge) + "," + statusJSON(3, "after") + "]",
			read: 1, skipLine: 1, skipRecord: 2, reason: "record larger than",
		},
		"document": {
			in:   "{\n  \"statuses\": [\n" + statusJSON(1, huge) + "\n]}\n",
			read: 0, skipLine: 1, skipRecord: 1, reason: "record larger than",
		},
		"lines": {
			in:   statusJSON(1, "first") + "\n" + statusJSON(2, huge) + "\n" + statusJSON(3, "after") + "\n",
			read: 2, skipLine: 2, reason: "line longer than",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, got := readString(t, tc.in)
			if res.Read != tc.read || len(got) != tc.read {
				t.Errorf("read %d tweets (callback %d), want %d", res.Read, len(got), tc.read)
			}
			if len(res.Skipped) != 1 || res.Skipped[0].Line != tc.skipLine || res.Skipped[0].Record != tc.skipRecord ||
				!strings.Contains(res.Skipped[0].Reason, tc.reason) {
				t.Fatalf("skips = %+v, want one at line %d, record %d saying %q", res.Skipped, tc.skipLine, tc.skipRecord, tc.reason)
			}
		})
	}
}

// The cap holds however the record arrives: a reader that hands out one
// byte at a time gets the same answer.
func TestCappedReaderCountsEveryRead(t *testing.T) {
	smallRecords(t)
	in := "[" + statusJSON(1, "ok") + "," + statusJSON(2, strings.Repeat("y", 6<<10)) + "]"
	var n int
	res, err := Read(oneByteReader{strings.NewReader(in)}, func(Tweet) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "record larger than") {
		t.Fatalf("read %d, skips %+v", n, res.Skipped)
	}
}

type oneByteReader struct{ r *strings.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// A text longer than a forum post may be is skipped with its reason, not
// turned into a giant post; one at the limit is read.
func TestOverlongTextSkipped(t *testing.T) {
	atLimit := strings.Repeat("é", MaxText)
	over := strings.Repeat("a", MaxText+1)
	in := statusJSON(1, atLimit) + "\n" + statusJSON(2, over) + "\n"
	res, got := readString(t, in)
	if len(got) != 1 || got[0].ID != "1" {
		t.Fatalf("read %d tweets, want only tweet 1", len(got))
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Line != 2 || !strings.Contains(res.Skipped[0].Reason, "text longer than 50000 characters") {
		t.Fatalf("skips = %+v", res.Skipped)
	}
}

// Handles are X handles or nothing: a record whose author handle X could not
// have is skipped; mentions and reply targets that are not handles are dropped.
func TestHandlesValidated(t *testing.T) {
	in := `{"id_str": "1", "full_text": "hi @ok_one", "created_at": "Wed Oct 10 20:19:24 +0000 2018", "user": {"id_str": "7", "screen_name": "<script>"}}
{"id_str": "2", "full_text": "hello", "created_at": "Wed Oct 10 20:19:24 +0000 2018", "in_reply_to_status_id_str": "1", "in_reply_to_screen_name": "far_too_long_for_x_handles", "user": {"id_str": "8", "screen_name": "fine_1"}, "entities": {"user_mentions": [{"screen_name": "ok_one"}, {"screen_name": "bad handle"}]}}
`
	res, got := readString(t, in)
	if len(got) != 1 || got[0].ID != "2" {
		t.Fatalf("got %+v, want only tweet 2", got)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Line != 1 || !strings.Contains(res.Skipped[0].Reason, `author handle "<script>" is not an X handle`) {
		t.Fatalf("skips = %+v", res.Skipped)
	}
	if got[0].InReplyToUser != "" {
		t.Errorf("InReplyToUser = %q, want it dropped", got[0].InReplyToUser)
	}
	if strings.Join(got[0].Mentions, ",") != "ok_one" {
		t.Errorf("Mentions = %q, want only ok_one", got[0].Mentions)
	}
	for h, want := range map[string]bool{"a": true, "A_b9": true, "fifteen_chars_x": true, "sixteen_chars_xx": false, "": false, "@x": false, "né": false, "a-b": false} {
		if ValidHandle(h) != want {
			t.Errorf("ValidHandle(%q) = %v, want %v", h, !want, want)
		}
	}
}

// A CSV record is never held whole past maxCSVRecord either: a record of
// millions of empty fields (each a string, an index and a position once
// parsed) is reported and reading stops, with memory a small multiple of
// the cap, not of the record.
func TestOversizedCSVRecordIsRefusedNotHeld(t *testing.T) {
	const header = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
	const good = "1,cust_1,True,Tue Oct 31 22:08:27 +0000 2017,my broadband is down,,\n"
	in := header + good + strings.Repeat(",", 8<<20) + "\n" + strings.Replace(good, "1,", "3,", 1)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, got := readString(t, in)
	runtime.ReadMemStats(&after)
	if len(got) != 1 || got[0].ID != "1" {
		t.Fatalf("read %d tweets, want only the one before the wide record", len(got))
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Line != 3 || !strings.Contains(res.Skipped[0].Reason, "record larger than") {
		t.Fatalf("skips = %+v, want one at line 3 saying the record is too large", res.Skipped)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128<<20 { // read whole, it was over 1 GB
		t.Errorf("reading an 8 MB CSV record allocated %d MB", alloc>>20)
	}
}
