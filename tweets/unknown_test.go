package tweets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		if err != nil && !strings.HasPrefix(err.Error(), "not a known tweet format: starts with ") {
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
	if err == nil || !strings.Contains(err.Error(), `starts with "\x89PNG`) {
		t.Errorf("PNG message = %v", err)
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.js"), func(Tweet) error { return nil })
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
}
