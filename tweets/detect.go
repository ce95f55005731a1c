package tweets

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// headSize is how much of an input Detect gets to see. It must hold the
// first record's top-level keys; the largest first records in the wild
// (a v1.1 status with a full user object, a twarc flat tweet with embedded
// referenced tweets) are a few tens of KB.
const headSize = 256 << 10

// utf8BOM is what Excel and Notepad put before UTF-8 text.
const utf8BOM = "\xef\xbb\xbf"

// Detect looks at the start of the content (not the file name) and says
// which format it is. It returns an error wrapping ErrUnknownFormat, with a
// short description of what it saw, when the content is in none.
func Detect(head []byte) (Format, error) {
	if what := notText(head); what != "" {
		return "", fmt.Errorf("%w: %s", ErrUnknownFormat, what)
	}
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte(utf8BOM)), " \t\r\n")
	if len(h) == 0 {
		return "", fmt.Errorf("%w: the input is empty", ErrUnknownFormat)
	}
	switch {
	case h[0] == '<':
		return "", unknown(markup(h))
	case bytes.HasPrefix(h, []byte("window.YTD.")):
		return detectArchive(h)
	case bytes.HasPrefix(h, []byte("Grailbird.data.")):
		if bytes.HasPrefix(h, []byte("Grailbird.data.tweets_")) {
			return FormatGrailbird, nil
		}
		return "", unknown("a Grailbird archive file without tweets: import the archive's data/js/tweets/ files, its tweets.csv, or the whole archive ZIP")
	case h[0] == '{' || h[0] == '[':
		return detectJSON(h)
	}
	if what := archiveSideFile(h); what != "" {
		return "", unknown(what)
	}
	return detectCSV(h)
}

// archiveSideFile describes the files of an X archive that hold no tweets
// and are no "window.YTD." data file: the archive's manifest.js, and the
// older (Grailbird) archive's data/js/user_details.js, tweet_index.js and
// payload_details.js. "" for anything else.
func archiveSideFile(h []byte) string {
	if bytes.HasPrefix(h, []byte("window.__THAR_CONFIG")) {
		return "an X archive's manifest.js (its table of contents), which holds no tweets: import data/tweets.js, or the whole archive ZIP"
	}
	for _, name := range []string{"user_details", "tweet_index", "payload_details"} {
		rest, ok := bytes.CutPrefix(h, []byte("var "+name))
		if ok && bytes.HasPrefix(bytes.TrimLeft(rest, " \t"), []byte("=")) {
			return fmt.Sprintf("an older X archive's data/js/%s.js, which holds no tweets: import the whole archive ZIP, "+
				"its data/js/tweets/ files or its tweets.csv", name)
		}
	}
	return ""
}

// unknown builds the ErrUnknownFormat error from a description of what
// the input is and what to do. It never quotes the input's bytes: a binary
// file would show as escapes, and a text may be anything.
func unknown(what string) error { return fmt.Errorf("%w: %s", ErrUnknownFormat, what) }

// readsWhat is the advice for a file that is no tweets at all.
const readsWhat = "Crowdcare reads an X archive (the ZIP, or data/tweets.js from it), API v2 or v1.1 JSON and the “Customer Support on Twitter” CSV"

// notText names inputs that are not text (or not UTF-8 text) by their
// first bytes, "" for text.
func notText(head []byte) string {
	has := func(prefix string) bool { return bytes.HasPrefix(head, []byte(prefix)) }
	switch {
	case len(head) == 0:
		return ""
	case isZip(head):
		return "a ZIP archive, which is read as a file: import the file itself"
	case isGzip(head):
		return "gzip-compressed data, which is read as a file: import the file itself"
	case has("\xff\xfe\x00\x00") || has("\x00\x00\xfe\xff"):
		return "UTF-32 text: save it as UTF-8 (in Excel, “CSV UTF-8”) and import that"
	case has("\xff\xfe") || has("\xfe\xff") || looksUTF16(head):
		return "UTF-16 text (what Excel saves as “Unicode Text”): save it as UTF-8 (in Excel, “CSV UTF-8”) and import that"
	case has("%PDF-"):
		return "a PDF document, not tweets. " + readsWhat
	case has("\x89PNG\r\n\x1a\n") || has("\xff\xd8\xff") || has("GIF87a") || has("GIF89a") ||
		has("RIFF") && len(head) >= 12 && string(head[8:12]) == "WEBP":
		return "a picture, not tweets (an archive's media files are not imported). " + readsWhat
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return "a video, not tweets (an archive's media files are not imported). " + readsWhat
	case has("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return "an Excel 97-2003 workbook (.xls) or another old Office file: save it as “CSV UTF-8” and import that"
	case has("SQLite format 3\x00"):
		return "an SQLite database, not tweets. " + readsWhat
	case has("7z\xbc\xaf\x27\x1c") || has("Rar!\x1a\x07"):
		return "a 7-Zip or RAR archive: unpack it, and import the file of tweets in it (or pack it as ZIP)"
	case has("BZh") && len(head) > 3 && head[3] >= '1' && head[3] <= '9', has("\xfd7zXZ\x00"), has("\x28\xb5\x2f\xfd"):
		return "bzip2, xz or zstd-compressed data: decompress it (or compress it with gzip) and import that"
	case looksBinary(head):
		return "binary data, not text. " + readsWhat
	}
	return ""
}

// looksUTF16 tells UTF-16 without a byte order mark: ASCII text in it has
// a zero byte in every other position.
func looksUTF16(head []byte) bool {
	n := min(len(head), 512) &^ 1
	if n < 8 {
		return false
	}
	even, odd := 0, 0
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	return max(even, odd) > n/4 && min(even, odd) < n/40
}

// looksBinary tells binary data from text in any 8-bit encoding (a CSV
// Excel saved as Windows-1252 is text, if not UTF-8): zero bytes, or many
// control characters, in its first 512 bytes.
func looksBinary(head []byte) bool {
	head = head[:min(len(head), 512)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	control := 0
	for _, b := range head {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' || b == 0x7f {
			control++
		}
	}
	return control > len(head)/10
}

// markup describes an input that starts with "<".
func markup(h []byte) string {
	start := strings.ToLower(string(h[:min(len(h), 512)]))
	switch {
	case strings.HasPrefix(start, "<?xml") && !strings.Contains(start, "<html"):
		return "an XML file, not tweets. " + readsWhat
	case strings.Contains(start, "<html") || strings.HasPrefix(start, "<!doctype html") || strings.HasPrefix(start, "<head") || strings.HasPrefix(start, "<!--"):
		return "an HTML page, not a CSV or JSON file: save the file itself (for a download link, “Save link as…”), not the page that shows it"
	}
	return "HTML or XML, not tweets. " + readsWhat
}

// plainText describes text in no known format by its first line, clipped
// and with anything unprintable left out.
func plainText(h []byte) string {
	line, _, _ := bytes.Cut(h, []byte("\n"))
	first := strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case unicode.IsPrint(r):
			return r
		}
		return -1
	}, strings.TrimSpace(string(line[:min(len(line), 200)])))
	if bytes.Count(line, []byte("\t")) >= 2 && !bytes.Contains(line, []byte(",")) {
		return fmt.Sprintf("tab-separated text (it starts “%s”), which is not read: if it holds tweets, save it as CSV "+
			"(comma-separated, UTF-8) and import that. %s", clip(first, 40), readsWhat)
	}
	return fmt.Sprintf("text that is neither CSV nor JSON (it starts “%s”). %s", clip(first, 40), readsWhat)
}

// isArchiveTweetFile tells the archive data files whose records are
// {"tweet": {…}} from the others (account, profile, direct messages, …).
func isArchiveTweetFile(name string) bool {
	switch name {
	case "tweets", "tweet", "deleted_tweets", "deleted_tweet", "community_tweet", "note_tweet":
		return true
	}
	return false
}

func detectArchive(h []byte) (Format, error) {
	rest := h[len("window.YTD."):]
	name, _, _ := bytes.Cut(rest, []byte("."))
	if isArchiveTweetFile(string(name)) {
		return FormatArchive, nil
	}
	return "", unknown(fmt.Sprintf("an X archive %q file, which holds no tweets: import data/tweets.js, or the whole archive ZIP", name))
}

func detectCSV(h []byte) (Format, error) {
	line, _, _ := bytes.Cut(h, []byte("\n"))
	if !bytes.Contains(line, []byte(",")) {
		return "", unknown(plainText(h))
	}
	header, err := csv.NewReader(bytes.NewReader(line)).Read()
	if err != nil {
		return "", unknown(plainText(h))
	}
	cols := columnIndex(header)
	has := func(names ...string) bool {
		for _, n := range names {
			if _, ok := cols[n]; !ok {
				return false
			}
		}
		return true
	}
	switch {
	case has("tweet_id", "author_id", "inbound", "created_at", "text"):
		return FormatSupportCSV, nil
	case has("tweet_id", "timestamp", "text"):
		return FormatGrailCSV, nil
	}
	return "", unknown("a CSV with columns " + strings.Join(clipAll(header[:min(len(header), 8)], 30), ", ") +
		": not the “Customer Support on Twitter” columns (tweet_id, author_id, inbound, created_at, text, …) nor a Grailbird archive's")
}

func detectJSON(h []byte) (Format, error) {
	keys, array, err := firstObjectKeys(h)
	if err != nil {
		return "", unknown(err.Error() + ". " + readsWhat)
	}
	has := make(map[string]bool, len(keys))
	for _, k := range keys {
		has[k] = true
	}
	switch {
	case !array && has["data"]:
		return FormatV2, nil
	case !array && has["errors"] && (has["includes"] || has["meta"]):
		return FormatV2, nil
	case !array && has["statuses"]:
		return FormatV1, nil
	case !array && has["results"] && resultsAreStatuses(h):
		return FormatV1, nil
	case !array && len(keys) == 1 && isV1StreamNotice(keys[0]):
		return FormatV1, nil
	case has["id_str"] || countKeys(has, v1Keys()) >= 2:
		return FormatV1, nil
	case countKeys(has, v2Keys()) >= 1:
		return FormatV2Flat, nil
	}
	shape := "a JSON object"
	if array {
		shape = "a JSON array of objects"
	}
	if len(keys) == 0 {
		return "", unknown(shape + " without keys. " + readsWhat)
	}
	what := shape + " with keys " + strings.Join(clipAll(keys[:min(len(keys), 8)], 30), ", ")
	switch {
	case has["content"] && has["account"], has["ancestors"] && has["descendants"]:
		what += ": Mastodon posts, not posts from X"
	case has["uri"] && has["cid"], has["thread"] && has["$type"]:
		what += ": Bluesky posts, not posts from X"
	default:
		what += ", not posts from X. " + readsWhat
	}
	return "", unknown(what)
}

// clipAll clips each string, for messages.
func clipAll(ss []string, n int) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clip(s, n)
	}
	return out
}

// resultsAreStatuses tells a premium or enterprise search response
// ({"results": [status, …], "next": …}) from other "results" lists (the
// counts endpoint's, say) by the first element's keys: the head may end
// long before "next" or "requestParameters".
func resultsAreStatuses(h []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(h))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if tok != "results" {
			if skipValue(dec) != nil {
				return false
			}
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return false
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return false
		}
		keys, _ := objectKeys(dec)
		has := make(map[string]bool, len(keys))
		for _, k := range keys {
			has[k] = true
		}
		return has["id_str"] || countKeys(has, v1Keys()) >= 2
	}
	return false
}

// v1Keys are top-level status keys that only API v1.1 (and the archives
// derived from it) use. Detection must work on a short head, which may end
// inside the first status before "id_str" or "text", so any two suffice.
// Mastodon spells its look-alikes differently (favourited, reblogged).
func v1Keys() []string {
	return []string{
		"id_str", "in_reply_to_status_id_str", "in_reply_to_user_id_str", "in_reply_to_screen_name",
		"retweeted_status", "quoted_status", "quoted_status_id_str", "timestamp_ms", "extended_tweet",
		"full_text", "favorited", "retweeted", "favorite_count", "retweet_count", "is_quote_status",
		"possibly_sensitive_appealable", "truncated", "contributors", "display_text_range",
	}
}

// v2Keys are tweet keys only API v2 uses; outside a page's "data" they mark
// twarc's flat one-tweet-per-line shape (or bare v2 tweet objects).
func v2Keys() []string {
	return []string{"referenced_tweets", "edit_history_tweet_ids", "conversation_id", "author_id", "edit_controls", "reply_settings"}
}

func countKeys(has map[string]bool, keys []string) int {
	n := 0
	for _, k := range keys {
		if has[k] {
			n++
		}
	}
	return n
}

// isV1StreamNotice tells the one-key objects a v1.1 stream sends between
// statuses, which may well come first in a saved stream.
func isV1StreamNotice(key string) bool {
	switch key {
	case "delete", "limit", "scrub_geo", "status_withheld", "user_withheld", "disconnect", "warning":
		return true
	}
	return false
}

// firstObjectKeys lists the top-level keys of the first JSON object in h (the
// array's first element when h starts with '['). A head cut off mid-record
// is normal: the keys seen up to the cut are returned.
func firstObjectKeys(h []byte) (keys []string, array bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(h))
	tok, err := dec.Token()
	if err != nil {
		return nil, false, errors.New("not valid JSON")
	}
	if tok == json.Delim('[') {
		array = true
		if tok, err = dec.Token(); err != nil {
			return nil, true, errors.New("a JSON array cut short")
		}
		if tok == json.Delim(']') {
			return nil, true, errors.New("an empty JSON array")
		}
	}
	if tok != json.Delim('{') {
		return nil, array, errors.New("JSON that is not an object or an array of objects")
	}
	keys, err = objectKeys(dec)
	return keys, array, err
}

// objectKeys lists the keys of the object whose "{" dec has just read, up
// to where the input ends.
func objectKeys(dec *json.Decoder) (keys []string, err error) {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			if len(keys) == 0 && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errors.New("not valid JSON")
			}
			break
		}
		key, ok := tok.(string)
		if !ok {
			break
		}
		keys = append(keys, key)
		if err := skipValue(dec); err != nil {
			break
		}
	}
	return keys, nil
}

// skipValue consumes one JSON value token by token, so that a value longer
// than the head fails only when the head runs out, not before.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// columnIndex maps normalised header names to their positions. The BOM is
// dropped here too because a BOM-prefixed file may reach it untrimmed.
func columnIndex(header []string) map[string]int {
	cols := make(map[string]int, len(header))
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		if _, dup := cols[name]; !dup && name != "" {
			cols[name] = i
		}
	}
	return cols
}
