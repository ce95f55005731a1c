package tweets

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte(utf8BOM)), " \t\r\n")
	if len(h) == 0 {
		return "", fmt.Errorf("%w: the input is empty", ErrUnknownFormat)
	}
	switch {
	case bytes.HasPrefix(h, []byte("window.YTD.")):
		return detectArchive(h)
	case bytes.HasPrefix(h, []byte("Grailbird.data.")):
		if bytes.HasPrefix(h, []byte("Grailbird.data.tweets_")) {
			return FormatGrailbird, nil
		}
		return "", unknown(h, "a Grailbird archive file without tweets")
	case h[0] == '{' || h[0] == '[':
		return detectJSON(h)
	default:
		return detectCSV(h)
	}
}

// unknown builds the ErrUnknownFormat error: the first bytes quoted, so
// that a PNG or a Mastodon export is recognisable in the message.
func unknown(h []byte, what string) error {
	start := clip(string(h), 40)
	if what == "" {
		return fmt.Errorf("%w: starts with %q", ErrUnknownFormat, start)
	}
	return fmt.Errorf("%w: starts with %q (%s)", ErrUnknownFormat, start, what)
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
	return "", unknown(h, fmt.Sprintf("an X archive %q file, which holds no tweets", name))
}

func detectCSV(h []byte) (Format, error) {
	line, _, _ := bytes.Cut(h, []byte("\n"))
	if !bytes.Contains(line, []byte(",")) {
		return "", unknown(h, "")
	}
	header, err := csv.NewReader(bytes.NewReader(line)).Read()
	if err != nil {
		return "", unknown(h, "")
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
	return "", unknown(h, "CSV with columns "+strings.Join(header[:min(len(header), 8)], ", "))
}

func detectJSON(h []byte) (Format, error) {
	keys, array, err := firstObjectKeys(h)
	if err != nil {
		return "", unknown(h, err.Error())
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
	case !array && len(keys) == 1 && isV1StreamNotice(keys[0]):
		return FormatV1, nil
	case has["id_str"] || countKeys(has, v1Keys()) >= 2:
		return FormatV1, nil
	case countKeys(has, v2Keys()) >= 1:
		return FormatV2Flat, nil
	}
	shape := "JSON object"
	if array {
		shape = "JSON array of objects"
	}
	if len(keys) == 0 {
		return "", unknown(h, shape+" without keys")
	}
	return "", unknown(h, shape+" with keys "+strings.Join(keys[:min(len(keys), 8)], ", "))
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
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			if len(keys) == 0 && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, array, errors.New("not valid JSON")
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
	return keys, array, nil
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
