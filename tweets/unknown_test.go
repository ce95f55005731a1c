package tweets

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestUnknownFormatSamples(t *testing.T) {
	var files []string
	for _, dir := range []string{"mastodon-rtoot", "bluesky-marshalx-atproto"} {
		m, err := filepath.Glob(filepath.Join(samplePath(t, dir), "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) != 11 {
		t.Fatalf("found %d Mastodon/Bluesky samples, want 11", len(files))
	}
	for _, f := range files {
		calls := 0
		res, err := ReadFile(f, func(Tweet) error { calls++; return nil })
		if !errors.Is(err, ErrUnknownFormat) || calls != 0 || res != nil {
			t.Errorf("%s: err = %v, calls = %d, res = %v; want ErrUnknownFormat and nothing read", f, err, calls, res)
		}
		if err != nil && (!strings.HasPrefix(err.Error(), "not a known tweet format: a JSON ") || !strings.Contains(err.Error(), "not posts from X")) {
			t.Errorf("%s: message %q", f, err)
		}
	}
}

func TestUnknownFormatInputs(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	cases := map[string][]byte{
		"empty":      nil,
		"whitespace": []byte(" \n\t\r\n"),
		"png":        png,
		"random csv": []byte("name,age,city\nalice,30,Paris\n"),
		"plain text": []byte("hello world\n"),
		"empty json": []byte("[]"),
		"json null":  []byte("null"),
		"number":     []byte("12345"),
		"dm archive": []byte("window.YTD.direct_messages.part0 = [ ]"),
	}
	for name, in := range cases {
		calls := 0
		_, err := Read(bytes.NewReader(in), func(Tweet) error { calls++; return nil })
		if !errors.Is(err, ErrUnknownFormat) || calls != 0 {
			t.Errorf("%s: err = %v, calls = %d", name, err, calls)
		}
	}
	_, err := Read(bytes.NewReader(png), func(Tweet) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "a picture") || strings.Contains(err.Error(), "PNG") {
		t.Errorf("PNG message = %v", err)
	}
}

// A file in no known format is named for what it is, with what to do,
// and none of its bytes are shown: real files saved the wrong way.
func TestUnknownFormatSaysWhatItIs(t *testing.T) {
	csv, err := os.ReadFile(samplePath(t, "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv"))
	if err != nil {
		t.Fatal(err)
	}
	csv = csv[:8192]
	utf16le := func(bom bool) []byte {
		var b []byte
		if bom {
			b = append(b, 0xff, 0xfe)
		}
		for _, u := range utf16.Encode([]rune(string(csv))) {
			b = append(b, byte(u), byte(u>>8))
		}
		return b
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("twcs.csv")
	w.Write(csv)
	zw.Close()
	html := "<!DOCTYPE html>\n<html lang=\"en\"><head><title>twcs.csv · GitHub</title></head><body><table><tr><td>tweet_id,author_id</td></tr></table>"
	cases := map[string]struct {
		in   []byte
		want string
	}{
		"UTF-16 with BOM":    {utf16le(true), "UTF-16 text (what Excel saves as “Unicode Text”): save it as UTF-8"},
		"UTF-16 without BOM": {utf16le(false), "UTF-16 text"},
		"HTML page":          {[]byte(html), "an HTML page, not a CSV or JSON file: save the file itself"},
		"ZIP as a stream":    {zipped.Bytes(), "a ZIP archive"},
		"PDF":                {[]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "a PDF document"},
		"xls":                {[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), "save it as “CSV UTF-8”"},
		"binary":             {[]byte("\x01\x02\x03\x00\x04garbage\x05\x06"), "binary data, not text"},
		"notes":              {[]byte("just some notes\nsecond line\n"), "neither CSV nor JSON (it starts “just some notes”)"},
		"TSV": {[]byte("tweet_id\tauthor_id\tinbound\tcreated_at\ttext\n119237\tsprintcare\tFalse\tTue Oct 31 22:10:47 +0000 2017\tHi\n"),
			"tab-separated text (it starts “tweet_id author_id inbound created_at te…”), which is not read: if it holds tweets, save it as CSV"},
		// The archives' files that hold no tweets say so, and which to import.
		"archive manifest": {[]byte("window.__THAR_CONFIG = {\n  \"userInfo\" : {"), "an X archive's manifest.js (its table of contents), which holds no tweets: import data/tweets.js"},
		"Grailbird user details": {[]byte("var user_details =  {\n  \"screen_name\" : \"anildash\","),
			"an older X archive's data/js/user_details.js, which holds no tweets: import the whole archive ZIP, its data/js/tweets/ files or its tweets.csv"},
		"Grailbird index":   {[]byte("var tweet_index =  [ {\n  \"file_name\" : \"data/js/tweets/2013_02.js\","), "data/js/tweet_index.js, which holds no tweets"},
		"Grailbird payload": {[]byte("var payload_details =  {\n  \"tweets\" : 28550,"), "data/js/payload_details.js, which holds no tweets"},
	}
	for name, c := range cases {
		_, err := Read(bytes.NewReader(c.in), func(Tweet) error { t.Fatalf("%s: a tweet was read", name); return nil })
		if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v\nwant it to say %q", name, err, c.want)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\\x") || strings.Contains(msg, "tweet_id,author_id") || len(msg) > 400 {
			t.Errorf("%s: the message shows the file's bytes: %q", name, msg)
		}
	}
	// Windows-1252 text (Excel's plain "CSV") is text, not binary: it reads.
	latin := []byte("tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n" +
		"1,sprintcare,False,Tue Oct 31 22:10:47 +0000 2017,caf\xe9 ferm\xe9,,\n")
	if res, err := Read(bytes.NewReader(latin), func(Tweet) error { return nil }); err != nil || res.Read != 1 {
		t.Errorf("Windows-1252 CSV: %v, %+v", err, res)
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.js"), func(Tweet) error { return nil })
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
}
