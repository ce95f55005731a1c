package tweets

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zipEntry is one file of a ZIP a test builds.
type zipEntry struct {
	name string
	data []byte
}

// writeZip builds a ZIP in the test's directory, deflated as X does.
func writeZip(t testing.TB, entries ...zipEntry) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "archive.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func sampleBytes(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(samplePath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// splitArchive cuts a real archive file into parts the way X splits a big
// account's tweets.js (tweets.js, tweets-part1.js, …), records unchanged.
func splitArchive(t testing.TB, data []byte, name string, parts int) [][]byte {
	t.Helper()
	_, rest, ok := bytes.Cut(data, []byte("="))
	if !ok {
		t.Fatal("no = in the archive file")
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(rest, &recs); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	per := (len(recs) + parts - 1) / parts
	for i := 0; i < parts; i++ {
		chunk := recs[i*per : min((i+1)*per, len(recs))]
		var b bytes.Buffer
		fmt.Fprintf(&b, "window.YTD.%s.part%d = [\n", name, i)
		for j, r := range chunk {
			if j > 0 {
				b.WriteString(",\n")
			}
			b.Write(r)
		}
		b.WriteString("\n]")
		out = append(out, b.Bytes())
	}
	return out
}

// readAll reads a file with ReadFileWith and returns what it got.
func readAll(t testing.TB, path string, opts Options) (*Result, []Tweet, error) {
	t.Helper()
	var got []Tweet
	res, err := ReadFileWith(path, opts, func(tw Tweet) error {
		got = append(got, tw)
		return nil
	})
	if err == nil && res.Read != len(got) {
		t.Fatalf("Result.Read = %d, callback saw %d", res.Read, len(got))
	}
	return res, got, err
}

// A real X archive ZIP: tweets.js split in parts (read in part order,
// part10 after part2), account.js naming the author, deleted and community
// tweets, a folder around everything as when one zips the unpacked archive,
// and media and other data files that are never opened (their CRCs are
// wrong, so opening one would fail).
func TestZipXArchive(t *testing.T) {
	parts := splitArchive(t, sampleBytes(t, "archive-milahu104/tweets.js"), "tweets", 11)
	media := []byte("\x89PNG\r\n\x1a\nnot really a picture")
	entries := []zipEntry{
		{"twitter-2026-03-06/Your archive.html", []byte("<!DOCTYPE html><html></html>")},
		{"twitter-2026-03-06/data/README.txt", sampleBytes(t, "archive-milahu104/README.txt")},
		{"twitter-2026-03-06/data/manifest.js", sampleBytes(t, "archive-milahu104/manifest.js")},
		{"twitter-2026-03-06/data/deleted-tweets.js", sampleBytes(t, "archive-milahu104/deleted-tweets.js")},
		{"twitter-2026-03-06/data/community-tweet.js", sampleBytes(t, "archive-milahu104/community-tweet.js")},
		{"twitter-2026-03-06/data/note-tweet.js", sampleBytes(t, "archive-milahu104/note-tweet.js")},
		{"twitter-2026-03-06/data/profile.js", sampleBytes(t, "archive-milahu104/profile.js")},
		{"__MACOSX/twitter-2026-03-06/data/._tweets.js", []byte("\x00\x05\x16\x07AppleDouble")},
	}
	// Parts in a scrambled order inside the ZIP.
	for _, i := range []int{3, 10, 0, 1, 7, 2, 9, 4, 8, 6, 5} {
		name := "tweets.js"
		if i > 0 {
			name = fmt.Sprintf("tweets-part%d.js", i)
		}
		entries = append(entries, zipEntry{"twitter-2026-03-06/data/" + name, parts[i]})
	}
	entries = append(entries, zipEntry{"twitter-2026-03-06/data/account.js", sampleBytes(t, "archive-milahu104/account.js")})
	path := writeZip(t, entries...)
	path = corruptMedia(t, path, "twitter-2026-03-06/data/tweets_media/2029899376470949893-abc.jpg", media)

	res, got, err := readAll(t, path, Options{Alone: true})
	if err != nil {
		t.Fatal(err)
	}
	wantFormat(t, res, FormatZIP)
	wantNoSkips(t, res)
	if res.Read != 2045+47+3 {
		t.Errorf("Read = %d, want 2045 tweets + 47 deleted + 3 community", res.Read)
	}
	if res.Account == nil || res.Account.Handle != "milahu104" || res.Account.ID != "1964312974236991488" {
		t.Errorf("Account = %+v", res.Account)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.AuthorHandle != "milahu104" }); n != 0 {
		t.Errorf("%d tweets not attributed to the archive's owner", n)
	}
	var names []string
	for _, p := range res.Parts {
		names = append(names, strings.TrimPrefix(p.Name, "twitter-2026-03-06/data/"))
		if p.Account == nil || p.Account.Handle != "milahu104" {
			t.Errorf("part %s: account %+v", p.Name, p.Account)
		}
	}
	want := "tweets.js tweets-part1.js tweets-part2.js tweets-part3.js tweets-part4.js tweets-part5.js tweets-part6.js " +
		"tweets-part7.js tweets-part8.js tweets-part9.js tweets-part10.js community-tweet.js deleted-tweets.js"
	if strings.Join(names, " ") != want {
		t.Errorf("parts read in the order\n%s\nwant\n%s", strings.Join(names, " "), want)
	}
	// The tweets come in the archive's own order, part after part.
	plain, plainTweets := readSample(t, "archive-milahu104/tweets.js")
	for i := 0; i < plain.Read; i++ {
		if got[i].ID != plainTweets[i].ID || got[i].Text != plainTweets[i].Text {
			t.Fatalf("tweet %d: %s from the ZIP, %s from tweets.js", i, got[i].ID, plainTweets[i].ID)
		}
	}
	if f, err := CheckFile(path, Options{}); err != nil || f != FormatZIP {
		t.Errorf("CheckFile = %q, %v", f, err)
	}
}

// corruptMedia adds a media entry whose CRC is wrong to a ZIP: reading it
// would fail, so an import that succeeds never opened it.
func corruptMedia(t testing.TB, path, name string, data []byte) string {
	t.Helper()
	src, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := filepath.Join(t.TempDir(), "with-media.zip")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range src.File {
		if err := zw.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(data) + 1,
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A Grailbird ZIP: the month files are read in date order (not the CSV
// copies of the same months), each tweet by its user object; a Grailbird
// ZIP with only the root tweets.csv reads that, its author from
// data/js/user_details.js.
func TestZipGrailbird(t *testing.T) {
	months := []string{"2012_06", "2006_12", "2010_06", "2007_01", "2009_06", "2007_02"}
	var entries []zipEntry
	var csvAll bytes.Buffer
	for _, m := range months {
		entries = append(entries,
			zipEntry{"data/js/tweets/" + m + ".js", sampleBytes(t, "archive-legacy-grailbird-anildash/data/js/tweets/"+m+".js")},
			zipEntry{"data/csv/" + m + ".csv", sampleBytes(t, "archive-legacy-grailbird-anildash/data/csv/"+m+".csv")})
		c := sampleBytes(t, "archive-legacy-grailbird-anildash/data/csv/"+m+".csv")
		if csvAll.Len() > 0 {
			_, c, _ = bytes.Cut(c, []byte("\n"))
		}
		csvAll.Write(c)
	}
	details := zipEntry{"data/js/user_details.js", sampleBytes(t, "archive-legacy-grailbird-anildash/data/js/user_details.js")}
	index := zipEntry{"data/js/tweet_index.js", sampleBytes(t, "archive-legacy-grailbird-anildash/data/js/tweet_index.js")}
	rootCSV := zipEntry{"tweets.csv", csvAll.Bytes()}
	other := []zipEntry{details, index, rootCSV, {"README.txt", sampleBytes(t, "archive-legacy-grailbird-anildash/README.txt")},
		{"css/application.min.css", []byte("body{}")}, {"img/bg.png", []byte("\x89PNG\r\n\x1a\n")}}

	res, got, err := readAll(t, writeZip(t, append(entries, other...)...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantNoSkips(t, res)
	if res.Read != 1141 || len(res.Parts) != 6 {
		t.Fatalf("Read = %d from %d parts, want 1141 from the 6 month files", res.Read, len(res.Parts))
	}
	for i, want := range []string{"2006_12", "2007_01", "2007_02", "2009_06", "2010_06", "2012_06"} {
		if p := res.Parts[i]; p.Name != "data/js/tweets/"+want+".js" || p.Format != FormatGrailbird {
			t.Errorf("part %d = %s (%s), want the %s month file", i, p.Name, p.Format, want)
		}
	}
	if res.Account == nil || res.Account.Handle != "anildash" {
		t.Errorf("Account = %+v", res.Account)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.AuthorHandle != "anildash" }); n != 0 {
		t.Errorf("%d tweets not by anildash", n)
	}

	// Without the month files: the root tweets.csv, by user_details.js.
	res, got, err = readAll(t, writeZip(t, other...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantNoSkips(t, res)
	if res.Read != 1141 || len(res.Parts) != 1 || res.Parts[0].Name != "tweets.csv" || res.Parts[0].Format != FormatGrailCSV {
		t.Fatalf("Read = %d, parts %+v", res.Read, res.Parts)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.AuthorHandle != "anildash" || tw.AuthorID != "36823" }); n != 0 {
		t.Errorf("%d tweets from tweets.csv without the user_details.js author", n)
	}
}

// Unpacked, the root tweets.csv of a Grailbird archive finds
// data/js/user_details.js too.
func TestGrailbirdRootCSVOnDisk(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data", "js"), 0o755); err != nil {
		t.Fatal(err)
	}
	details := sampleBytes(t, "archive-legacy-grailbird-anildash/data/js/user_details.js")
	if err := os.WriteFile(filepath.Join(dir, "data", "js", "user_details.js"), details, 0o644); err != nil {
		t.Fatal(err)
	}
	csv := sampleBytes(t, "archive-legacy-grailbird-anildash/data/csv/2012_06.csv")
	if err := os.WriteFile(filepath.Join(dir, "tweets.csv"), csv, 0o644); err != nil {
		t.Fatal(err)
	}
	res, got, err := readAll(t, filepath.Join(dir, "tweets.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 787 || res.Account == nil || res.Account.Handle != "anildash" {
		t.Fatalf("Read = %d, Account = %+v", res.Read, res.Account)
	}
	if n := countIf(got, func(tw Tweet) bool { return tw.AuthorHandle != "anildash" }); n != 0 {
		t.Errorf("%d tweets without the author", n)
	}
	// Read alone (an upload), nothing beside it is looked at.
	res, _, err = readAll(t, filepath.Join(dir, "tweets.csv"), Options{Alone: true})
	if err != nil || res.Account != nil {
		t.Errorf("alone: Account = %+v, %v", res.Account, err)
	}
}

// bombEntry is an X archive file that expands about a thousand times: a
// valid start, then megabytes of spaces (made in one pass, compressed
// once).
func bombEntry(t testing.TB, spaces int) (raw []byte, crc uint32, size int) {
	t.Helper()
	var plain bytes.Buffer
	plain.WriteString("window.YTD.tweets.part0 = [")
	plain.Write(bytes.Repeat([]byte(" "), spaces))
	plain.WriteString("]")
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(plain.Bytes())
	fw.Close()
	return comp.Bytes(), crc32.ChecksumIEEE(plain.Bytes()), plain.Len()
}

func writeRawZip(t testing.TB, name string, hdr *zip.FileHeader, raw []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateRaw(hdr)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// A zip bomb is refused with a message: by what its directory says before
// anything is read, and, when the directory lies about the compressed
// size, by what the entry really expands to while it is read.
func TestZipBombRefused(t *testing.T) {
	raw, crc, size := bombEntry(t, 32<<20)
	honest := writeRawZip(t, "bomb.zip", &zip.FileHeader{Name: "data/tweets.js", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(raw)), UncompressedSize64: uint64(size)}, raw)
	if _, err := CheckFile(honest, Options{}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "zip bomb") {
		t.Errorf("CheckFile(bomb) = %v", err)
	}
	calls := 0
	if _, err := ReadFile(honest, func(Tweet) error { calls++; return nil }); !errors.Is(err, ErrTooLarge) || calls != 0 {
		t.Errorf("ReadFile(bomb) = %v after %d tweets", err, calls)
	}

	// The same entry padded so that its header claims a ratio of about 60:
	// only the bytes the decompressor really takes tell.
	padded := append(append([]byte(nil), raw...), make([]byte, size/60)...)
	liar := writeRawZip(t, "liar.zip", &zip.FileHeader{Name: "data/tweets.js", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(padded)), UncompressedSize64: uint64(size)}, padded)
	if _, err := CheckFile(liar, Options{}); err != nil {
		t.Fatalf("the lying header passes the directory check: %v", err)
	}
	_, err := ReadFile(liar, func(Tweet) error { return nil })
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "data/tweets.js expands more than 100 times") {
		t.Errorf("ReadFile(liar) = %v", err)
	}
}

// A ZIP listing more entries than the limit is refused before anything in
// it is read.
func TestZipTooManyEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "many.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := 0; i <= DefaultLimits().MaxEntries; i++ {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("data/tweets_media/%d.jpg", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := zw.Create("data/tweets.js")
	w.Write([]byte(archiveRecord("1", "hello")))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadFile(path, func(Tweet) error { t.Fatal("a tweet was read"); return nil })
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "100002 entries, more than the 100000") {
		t.Errorf("err = %v", err)
	}
}

func archiveRecord(id, text string) string {
	return fmt.Sprintf("window.YTD.tweets.part0 = [ {\"tweet\": {\"id_str\": %q, \"full_text\": %q, \"created_at\": \"Thu Nov 03 08:50:26 +0000 2022\"}} ]", id, text)
}

// A ZIP with no tweet file says what it is; an Excel workbook (a ZIP too)
// is named as one.
func TestZipWithoutTweets(t *testing.T) {
	path := writeZip(t, zipEntry{"holiday/notes.txt", []byte("hello")}, zipEntry{"holiday/IMG_0001.jpg", []byte("\xff\xd8\xff\xe0")},
		zipEntry{"holiday/account.js", sampleBytes(t, "archive-andreruffert/account.js")}, zipEntry{"holiday/b.txt", nil}, zipEntry{"holiday/c.txt", nil})
	for name, check := range map[string]func() error{
		"CheckFile": func() error { _, err := CheckFile(path, Options{}); return err },
		"ReadFile":  func() error { _, err := ReadFile(path, func(Tweet) error { return nil }); return err },
	} {
		err := check()
		if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "a ZIP that is not an X archive") ||
			!strings.Contains(err.Error(), "holiday/notes.txt, holiday/IMG_0001.jpg, holiday/account.js and 2 more") ||
			!strings.Contains(err.Error(), "Upload the archive ZIP as X gave it, or data/tweets.js from it") {
			t.Errorf("%s: %v", name, err)
		}
	}
	xlsx := writeZip(t, zipEntry{"[Content_Types].xml", []byte("<Types/>")}, zipEntry{"xl/workbook.xml", []byte("<workbook/>")})
	if _, err := CheckFile(xlsx, Options{}); !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "an Excel workbook (.xlsx)") {
		t.Errorf("xlsx: %v", err)
	}
}

// A ZIP that is no archive but holds files in known formats (the Kaggle
// download of the customer-support CSV, API responses) is read file by
// file; a tweet file that holds something else is reported, not fatal.
func TestZipOfOtherFiles(t *testing.T) {
	path := writeZip(t,
		zipEntry{"twcs/twcs.csv", sampleBytes(t, "twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv")},
		zipEntry{"twcs/README.md", []byte("# not tweets")},
		zipEntry{"api/withheld.jsonl", sampleBytes(t, "api-v2-twarc-csv/withheld.jsonl")},
		zipEntry{"api/mastodon.json", sampleBytes(t, "mastodon-rtoot/get_status_default.0.json")})
	res, _, err := readAll(t, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 5000+215 || len(res.Parts) != 2 || res.Parts[0].Format != FormatSupportCSV || res.Parts[1].Format != FormatV2 {
		t.Fatalf("Read = %d, parts %+v", res.Read, res.Parts)
	}

	// data/tweets.js holding a profile: a skip naming the file, the rest read.
	path = writeZip(t, zipEntry{"data/tweets.js", sampleBytes(t, "archive-andreruffert/profile.js")},
		zipEntry{"data/deleted-tweets.js", []byte(archiveRecord("5", "deleted"))})
	res, _, err = readAll(t, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 1 || len(res.Skipped) != 1 || res.Skipped[0].File != "data/tweets.js" || res.Skipped[0].Line != 0 ||
		!strings.Contains(res.Skipped[0].Reason, `an X archive "profile" file`) || !res.Parts[0].NothingRead() || res.Parts[1].NothingRead() {
		t.Fatalf("res = %+v", res)
	}
}

// Skips inside a ZIP name their file and the physical line their record
// starts on, in records that span many lines.
func TestZipSkipsNameFileAndLine(t *testing.T) {
	data := sampleBytes(t, "archive-andreruffert/tweets.js")
	id := []byte(`"id" : "1224740855162064897"`)
	at := bytes.Index(data, id)
	start := bytes.LastIndex(data[:at], []byte("\n  {\n")) + 3 // the record's "{"
	date := bytes.Index(data[start:], []byte(`"created_at" : "`)) + start + len(`"created_at" : "`)
	broken := append(append(append([]byte(nil), data[:date]...), "someday"...), data[bytes.IndexByte(data[date:], '"')+date:]...)
	wantLine := bytes.Count(data[:start], []byte("\n")) + 1
	path := writeZip(t, zipEntry{"data/tweets.js", broken}, zipEntry{"data/account.js", sampleBytes(t, "archive-andreruffert/account.js")})
	res, _, err := readAll(t, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 1985 || len(res.Skipped) != 1 {
		t.Fatalf("Read = %d, skips %+v", res.Read, res.Skipped)
	}
	sk := res.Skipped[0]
	if sk.File != "data/tweets.js" || sk.Line != wantLine || sk.Reason != `unparseable date "someday"` {
		t.Errorf("skip = %+v, want data/tweets.js line %d", sk, wantLine)
	}
	if want := fmt.Sprintf("data/tweets.js record %d at line %d", sk.Record, wantLine); sk.Where() != want || sk.Record < 2 {
		t.Errorf("Where = %q, want %q", sk.Where(), want)
	}
	// Every tweet's Line is where its record starts.
	var got []Tweet
	if _, err := ReadFile(samplePath(t, "archive-andreruffert/tweets.js"), func(tw Tweet) error { got = append(got, tw); return nil }); err != nil {
		t.Fatal(err)
	}
	if tw := mustFind(t, got, "1224740855162064897"); tw.Line != wantLine {
		t.Errorf("Line = %d, want %d", tw.Line, wantLine)
	}
	if got[0].Line != 2 {
		t.Errorf("first tweet at line %d, want 2", got[0].Line)
	}
}

func gzipFile(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input.gz")
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A .gz of any format reads as the file itself would, lines included; a
// gzip bomb is refused.
func TestGzipInputs(t *testing.T) {
	for _, rel := range []string{"twcs-kaggle-customer-support/twcs_subset_monalisapatra26.csv", "api-v2-twarc-csv/streaming_output_with_error.jsonl"} {
		plain, plainTweets := readSample(t, rel)
		res, got, err := readAll(t, gzipFile(t, sampleBytes(t, rel)), Options{})
		if err != nil {
			t.Fatalf("%s.gz: %v", rel, err)
		}
		if !res.Gzip || res.Format != plain.Format || res.Read != plain.Read || fmt.Sprint(res.Skipped) != fmt.Sprint(plain.Skipped) {
			t.Errorf("%s.gz: %+v, plain %+v", rel, res, plain)
		}
		for i := range got {
			if got[i].ID != plainTweets[i].ID || got[i].Line != plainTweets[i].Line {
				t.Fatalf("%s.gz: tweet %d differs", rel, i)
			}
		}
	}
	// Read (a stream) decompresses too.
	b, _ := os.ReadFile(gzipFile(t, sampleBytes(t, "api-v1.1-python-twitter/streaming/lines.json")))
	if res, err := Read(bytes.NewReader(b), func(Tweet) error { return nil }); err != nil || res.Read != 72 || !res.Gzip {
		t.Errorf("Read(gzip) = %+v, %v", res, err)
	}

	var bomb bytes.Buffer
	bomb.WriteString(archiveRecord("1", "hello")[:len("window.YTD.tweets.part0 = [ ")])
	bomb.Write(bytes.Repeat([]byte(" "), 32<<20))
	_, err := ReadFile(gzipFile(t, bomb.Bytes()), func(Tweet) error { return nil })
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "the gzip file expands more than 100 times") {
		t.Errorf("gzip bomb: %v", err)
	}
	// And the total: a file that decompresses past MaxTotal stops there.
	_, err = ReadFileWith(gzipFile(t, sampleBytes(t, "archive-andreruffert/tweets.js")), Options{Limits: Limits{MaxTotal: 1 << 20}},
		func(Tweet) error { return nil })
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "decompresses to more than 1.0 MiB") {
		t.Errorf("total: %v", err)
	}
}

// Note tweets complete the cut text of long posts, in a ZIP and on disk;
// a note from the same second that does not continue the text is not used.
func TestNoteTweetsCompleteLongPosts(t *testing.T) {
	whole := strings.Repeat("This is the whole long story about the outage. ", 12) + "The end #outage"
	cut := whole[:260] + "… https://t.co/self"
	tweets := fmt.Sprintf(`window.YTD.tweets.part0 = [
  {"tweet": {"id_str": "1000", "full_text": %q, "created_at": "Wed Feb 08 15:12:34 +0000 2023",
    "entities": {"urls": [{"url": "https://t.co/self", "expanded_url": "https://twitter.com/i/web/status/1000"}]}}},
  {"tweet": {"id_str": "1001", "full_text": "short and whole", "created_at": "Wed Feb 08 15:12:34 +0000 2023"}}
]`, cut)
	notes := fmt.Sprintf(`window.YTD.note_tweet.part0 = [
  {"noteTweet": {"noteTweetId": "77", "createdAt": "2023-02-08T15:12:34.000Z", "core": {"text": "short and whole, but another note"}}},
  {"noteTweet": {"noteTweetId": "78", "createdAt": "2023-02-08T15:12:34.000Z", "core": {"text": %q, "urls": [], "mentions": []}}}
]`, whole)
	check := func(name string, got []Tweet) {
		if tw := mustFind(t, got, "1000"); tw.Text != whole || !strings.Contains(strings.Join(tw.Hashtags, ","), "outage") {
			t.Errorf("%s: long post = %q %q", name, tw.Text, tw.Hashtags)
		}
		if tw := mustFind(t, got, "1001"); tw.Text != "short and whole" {
			t.Errorf("%s: short post = %q", name, tw.Text)
		}
	}
	res, got, err := readAll(t, writeZip(t, zipEntry{"data/tweets.js", []byte(tweets)}, zipEntry{"data/note-tweet.js", []byte(notes)}), Options{})
	if err != nil || len(res.Skipped) != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	check("zip", got)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tweets.js"), []byte(tweets), 0o644)
	os.WriteFile(filepath.Join(dir, "note-tweet.js"), []byte(notes), 0o644)
	_, got, err = readAll(t, filepath.Join(dir, "tweets.js"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	check("disk", got)
	// note-tweet.js alone adds no tweet and skips nothing.
	res, got, err = readAll(t, filepath.Join(dir, "note-tweet.js"), Options{})
	if err != nil || len(got) != 0 || len(res.Skipped) != 0 {
		t.Errorf("note-tweet.js alone: %v, %d tweets, %+v", err, len(got), res.Skipped)
	}
}
