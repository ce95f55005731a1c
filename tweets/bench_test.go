package tweets

import (
	"bytes"
	"fmt"
	"testing"
)

// archiveOf is an X archive tweets.js of n pretty-printed tweets, as X
// writes them.
func archiveOf(n int) []byte {
	var b bytes.Buffer
	b.WriteString("window.YTD.tweets.part0 = [ ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{
    "tweet" : {
      "id_str" : "%d",
      "full_text" : "@ExampleCare my broadband has been down since this morning &amp; nobody answers https://t.co/abc%d",
      "created_at" : "Thu Nov 03 08:50:26 +0000 2022",
      "lang" : "in",
      "entities" : {
        "urls" : [ { "url" : "https://t.co/abc%d", "expanded_url" : "https://example.com/%d" } ],
        "user_mentions" : [ { "screen_name" : "ExampleCare" } ],
        "hashtags" : [ ]
      }
    }
  }`, 1600000000000000000+i, i, i, i)
	}
	b.WriteString(" ]")
	return b.Bytes()
}

// BenchmarkReadArchive is the reading side of an archive import: format
// detection, streaming the array, line numbers, conversion.
func BenchmarkReadArchive(b *testing.B) {
	in := archiveOf(20000)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		res, err := Read(bytes.NewReader(in), func(Tweet) error { return nil })
		if err != nil || res.Read != 20000 {
			b.Fatal(res, err)
		}
	}
}
