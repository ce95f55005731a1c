package tweets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// newCSVReader is lenient the way real exports need: LazyQuotes for stray
// quotes and bare CRs inside fields, and a free field count so that a short
// or long record is a Skip the reader decides on, not a stop.
func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// maxCSVRecord bounds the bytes of one CSV record, header included. A
// tweet's text is at most MaxText characters (200 KB of UTF-8); parsed, every
// field of a record costs some 40 bytes besides its text, so a record of
// nothing but commas would otherwise take forty times its size. A variable
// only so that tests can use a small one.
var maxCSVRecord = 512 << 10

// csvTable reads a CSV record by record and looks fields up by header name,
// since exports reorder columns and pandas adds an unnamed index column.
type csvTable struct {
	cr      *csv.Reader
	capped  *cappedReader // what cr reads: each record within maxCSVRecord
	stopped bool          // a record was too large: nothing more is read
	header  []string
	cols    map[string]int
	rec     []string
	line    int
}

func newCSVTable(r io.Reader) (*csvTable, error) {
	capped := &cappedReader{r: r, size: int64(maxCSVRecord)}
	capped.start()
	cr := newCSVReader(capped)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read CSV header: %w", err)
	}
	header = append([]string(nil), header...)
	return &csvTable{cr: cr, capped: capped, header: header, cols: columnIndex(header)}, nil
}

// next reads one record. A malformed record is returned as skip (its line
// and reason) with ok true, so the caller records it and goes on; ok false
// is the end of input. A record over maxCSVRecord is a skip after which
// reading stops, as for JSON.
func (t *csvTable) next() (ok bool, skip *Skip, err error) {
	if t.stopped {
		return false, nil, nil
	}
	t.capped.start()
	rec, err := t.cr.Read()
	if errors.Is(err, errRecordTooLarge) {
		t.stopped = true
		line := t.line + 1
		if len(rec) > 0 {
			line, _ = t.cr.FieldPos(0)
		}
		return true, &Skip{Line: line, Reason: fmt.Sprintf("record larger than %s: reading stopped here", sizeText(maxCSVRecord))}, nil
	}
	if errors.Is(err, io.EOF) {
		return false, nil, nil
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return true, &Skip{Line: perr.StartLine, Reason: "malformed CSV: " + perr.Err.Error()}, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("read CSV: %w", err)
	}
	t.rec = rec
	t.line, _ = t.cr.FieldPos(0)
	return true, nil, nil
}

// get returns the named field, "" when the column or the field is missing.
func (t *csvTable) get(name string) string {
	i, ok := t.cols[name]
	if !ok || i >= len(t.rec) {
		return ""
	}
	return t.rec[i]
}

// csvID normalises an id column: pandas writes a column with missing values
// as floats ("3.0"). Any other non-integer (Excel's "1.2E+17") has lost
// digits and cannot be trusted, so it is refused.
func csvID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if !isDigits(whole) || strings.Trim(frac, "0") != "" {
		return "", false
	}
	return whole, true
}

// readSupportCSV reads the "Customer Support on Twitter" (twcs) CSV.
// response_tweet_id is ignored: Excel corrupts those lists ("155,157" ->
// "1,55,157") and in_response_to_tweet_id says the same thing.
func readSupportCSV(r io.Reader, s *sink) error {
	return readCSV(r, s, (*csvTable).supportTweet)
}

// readCSV reads records one by one, turning each into a tweet with build;
// unreadable records and build's reasons become Skips.
func readCSV(r io.Reader, s *sink, build func(*csvTable) (Tweet, string)) error {
	t, err := newCSVTable(r)
	if err != nil {
		return err
	}
	for {
		ok, bad, err := t.next()
		if err != nil || !ok {
			return err
		}
		if bad != nil {
			s.skip(pos{line: bad.Line}, "%s", bad.Reason)
			continue
		}
		tw, reason := build(t)
		if reason != "" {
			s.skip(pos{line: t.line}, "%s", reason)
			continue
		}
		if err := s.emit(tw, pos{line: t.line}); err != nil {
			return err
		}
	}
}

// supportTweet converts the current twcs record; reason is a Skip reason.
func (t *csvTable) supportTweet() (Tweet, string) {
	if len(t.rec) != len(t.header) {
		return Tweet{}, fmt.Sprintf("record has %d fields, the header %d", len(t.rec), len(t.header))
	}
	id, ok := csvID(t.get("tweet_id"))
	if !ok {
		return Tweet{}, fmt.Sprintf("tweet_id %q is not an integer", clip(t.get("tweet_id"), 30))
	}
	tw := Tweet{ID: id, Line: t.line}
	if p := strings.TrimSpace(t.get("in_response_to_tweet_id")); p != "" {
		if tw.InReplyToID, ok = csvID(p); !ok {
			return Tweet{}, fmt.Sprintf("in_response_to_tweet_id %q is not an integer", clip(p, 30))
		}
	}
	if _, has := t.cols["inbound"]; has {
		in, err := strconv.ParseBool(strings.TrimSpace(t.get("inbound")))
		if err != nil {
			return Tweet{}, fmt.Sprintf("inbound %q is not True or False", clip(t.get("inbound"), 20))
		}
		tw.Inbound = &in
	}
	created, err := parseTime(t.get("created_at"))
	if err != nil {
		return Tweet{}, err.Error()
	}
	tw.CreatedAt = created
	tw.AuthorHandle = strings.TrimSpace(t.get("author_id"))
	if isDigits(tw.AuthorHandle) {
		tw.AuthorID = tw.AuthorHandle // the data set's anonymised customer id
	}
	finishTweet(&tw, repairMojibake(t.get("text")), nil, "")
	return tw, ""
}

// readGrailCSV reads a Grailbird archive's CSV month file. The writer omits
// an empty trailing expanded_urls and puts each further URL in a field of its
// own, so records legitimately have fewer or more fields than the header.
func readGrailCSV(r io.Reader, s *sink, author *Account) error {
	return readCSV(r, s, func(t *csvTable) (Tweet, string) {
		tw, reason := t.grailTweet()
		if author != nil {
			tw.AuthorID, tw.AuthorHandle, tw.AuthorName = author.ID, author.Handle, author.Name
		}
		return tw, reason
	})
}

// grailTweet converts the current Grailbird CSV record; reason is a Skip
// reason.
func (t *csvTable) grailTweet() (Tweet, string) {
	textCol, ok := t.cols["text"]
	if !ok || len(t.rec) <= textCol {
		return Tweet{}, fmt.Sprintf("record has %d fields, too few for a text", len(t.rec))
	}
	id := strings.TrimSpace(t.get("tweet_id"))
	if id == "" {
		return Tweet{}, "no tweet id"
	}
	created, err := parseTime(t.get("timestamp"))
	if err != nil {
		return Tweet{}, err.Error()
	}
	var expanded []string
	if i, ok := t.cols["expanded_urls"]; ok {
		for _, f := range t.rec[min(i, len(t.rec)):] {
			if f = strings.TrimSpace(f); f != "" {
				expanded = append(expanded, f)
			}
		}
	}
	raw := repairMojibake(t.get("text"))
	tw := Tweet{
		ID:          id,
		InReplyToID: strings.TrimSpace(t.get("in_reply_to_status_id")),
		Retweet:     strings.TrimSpace(t.get("retweeted_status_id")) != "",
		CreatedAt:   created,
		Text:        cleanText(raw, linksFromExpandedList(raw, expanded)),
		Line:        t.line,
	}
	tw.URLs = expanded
	if len(tw.URLs) == 0 {
		tw.URLs = urlsIn(tw.Text)
	}
	tw.Hashtags, tw.Mentions = hashtagsIn(tw.Text), mentionsIn(tw.Text)
	return tw, ""
}
