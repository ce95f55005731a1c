package tweets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxRecord bounds one JSON record held in memory: a line of JSON Lines, an
// element of an array, or a whole document. An API page is at most a few MB
// (100 tweets with their expansions), so anything bigger is not a record but
// a runaway or hostile file, and holding it would break the flat-memory
// promise. A variable only so that tests can use a small one.
var maxRecord = 16 << 20

// errRecordTooLarge is what a cappedReader answers past its budget.
var errRecordTooLarge = errors.New("record too large")

// cappedReader feeds a json.Decoder and refuses to read more than maxRecord
// bytes past the point where the record being decoded began (start), so a
// decoder never buffers one value larger than that. The decoder cannot go
// on after the refusal: the record is reported and reading stops there.
// It also counts the newlines it hands over, from which the decoder's
// position becomes a line number.
type cappedReader struct {
	r        io.Reader
	size     int64 // the budget of one record
	read     int64 // bytes handed to the decoder so far
	limit    int64 // read may not pass this
	newlines int   // newlines in the bytes handed over
}

func newCappedDecoder(r io.Reader) (*json.Decoder, *cappedReader) {
	cr := &cappedReader{r: r, size: int64(maxRecord)}
	cr.start()
	return json.NewDecoder(cr), cr
}

// start gives the next record its budget.
func (c *cappedReader) start() { c.limit = c.read + c.size }

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.read >= c.limit {
		return 0, errRecordTooLarge
	}
	if left := c.limit - c.read; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	c.newlines += bytes.Count(p[:n], newline)
	return n, err
}

var newline = []byte{'\n'}

// pos is where a record starts, for Tweet.Line and Skips.
type pos struct {
	line   int // physical line, 1-based
	record int // number in a JSON array or document; 0 in line-based input (CSV, JSON Lines)
}

// lineCounter counts the newlines written to it, and apart those before the
// first byte that is neither white space nor a comma: where the next JSON
// value starts.
type lineCounter struct {
	total, lead int
	started     bool
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.total += bytes.Count(p, newline)
	for i := 0; i < len(p) && !c.started; i++ {
		switch p[i] {
		case '\n':
			c.lead++
		case ' ', '\t', '\r', ',':
		default:
			c.started = true
		}
	}
	return len(p), nil
}

// decoderLines tells the line of a decoder's position from the newlines
// handed to it and those it holds unread (Buffered writes its buffer in one
// call, without a copy).
type decoderLines struct {
	dec  *json.Decoder
	cr   *cappedReader
	base int // the line the decoder's input starts on
}

func (d decoderLines) buffered() lineCounter {
	var c lineCounter
	_, _ = io.Copy(&c, d.dec.Buffered()) // writing to a lineCounter cannot fail
	return c
}

// of is the line raw, just decoded, starts on: the decoder stands right
// after it.
func (d decoderLines) of(raw []byte) int {
	return d.base + d.cr.newlines - bytes.Count(raw, newline) - d.buffered().total
}

// ahead is the line of the next value the decoder would read: where a
// record that failed to decode starts.
func (d decoderLines) ahead() int {
	c := d.buffered()
	return d.base + d.cr.newlines - c.total + c.lead
}

// lineFinder tells the lines of values decoded from inside a record read
// whole (the statuses of a search response, the data of an API page): each
// is found in the record's bytes, in order, since decoding keeps a value's
// bytes as they were.
type lineFinder struct {
	raw  []byte
	line int // the line at raw[off]
	off  int
}

func (f *lineFinder) find(sub []byte) int {
	i := bytes.Index(f.raw[f.off:], sub)
	if i < 0 {
		return f.line
	}
	f.line += bytes.Count(f.raw[f.off:f.off+i], newline)
	at := f.line
	f.line += bytes.Count(sub, newline)
	f.off += i + len(sub)
	return at
}

// records numbers the records of a file: one read whole at p, or one of
// several inside the value read at p. In line-based input a record keeps
// its line and has no number.
type records struct{ n int }

func (r *records) whole(p pos) pos {
	if p.record == 0 {
		return p
	}
	r.n++
	return pos{line: p.line, record: r.n}
}

func (r *records) inside(p pos, f *lineFinder, sub []byte) pos {
	if p.record == 0 {
		return p
	}
	r.n++
	return pos{line: f.find(sub), record: r.n}
}

// lineReader yields lines one at a time, reusing one buffer, and counts them
// for Skip reports.
type lineReader struct {
	br   *bufio.Reader
	line int
	buf  []byte
}

// next returns the next line without its line ending; tooLong reports a line
// over maxRecord, whose content has been discarded. The returned slice is only
// valid until the following call. At the end it returns io.EOF.
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	l.buf = l.buf[:0]
	seen := false
	for {
		chunk, err := l.br.ReadSlice('\n')
		if len(chunk) > 0 {
			seen = true
		}
		if !tooLong {
			if len(l.buf)+len(chunk) > maxRecord {
				tooLong = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			l.line++
			return bytes.TrimRight(l.buf, "\r\n"), tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if !seen {
				return nil, false, io.EOF
			}
			l.line++
			return bytes.TrimRight(l.buf, "\r\n"), tooLong, nil
		default:
			return nil, false, fmt.Errorf("read line %d: %w", l.line+1, err)
		}
	}
}

// badJSON marks a record that is not well-formed JSON. Inside a JSON array
// the decoder cannot find the next record after one, so it ends the stream.
type badJSON struct {
	at  pos
	err error
}

func (e *badJSON) Error() string {
	return fmt.Sprintf("record %d at line %d: %s", e.at.record, e.at.line, jsonReason(e.err))
}
func (e *badJSON) Unwrap() error { return e.err }

// streamArray reads the JSON array at the reader's position one element at
// a time, so memory holds one record however long the array. line is the
// line the reader starts on. each gets the element's position (its number
// and the line it starts on); its error stops the stream and is returned as
// is.
func streamArray(r io.Reader, line int, each func(p pos, raw json.RawMessage) error) error {
	dec, cr := newCappedDecoder(r)
	lines := decoderLines{dec: dec, cr: cr, base: line}
	tok, err := dec.Token()
	if err != nil {
		return decodeErr(pos{line: lines.ahead(), record: 1}, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return &badJSON{at: pos{line: line, record: 1}, err: fmt.Errorf("expected a JSON array, found %v", tok)}
	}
	n := 0
	for dec.More() {
		cr.start()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return decodeErr(pos{line: lines.ahead(), record: n + 1}, err)
		}
		n++
		if err := each(pos{line: lines.of(raw), record: n}, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return decodeErr(pos{line: lines.ahead(), record: n + 1}, err)
	}
	return nil
}

// decodeErr tells bad input (a Skip) from a failing reader (an error).
func decodeErr(at pos, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, errRecordTooLarge) {
		return &badJSON{at: at, err: err}
	}
	return fmt.Errorf("read record %d at line %d: %w", at.record, at.line, err)
}

// jsonReason turns a decoding error into a short Skip reason.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, errRecordTooLarge):
		return fmt.Sprintf("record larger than %s (an API page is at most a few MB): reading stopped here", sizeText(maxRecord))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "truncated JSON"
	case errors.As(err, &syn) && syn.Error() == "unexpected end of JSON input":
		return "truncated JSON"
	case errors.As(err, &syn):
		return "invalid JSON: " + syn.Error()
	case errors.As(err, &typ):
		return fmt.Sprintf("unexpected JSON %s for field %q", typ.Value, typ.Field)
	default:
		return "invalid JSON: " + err.Error()
	}
}

// recordSkip turns a stream-ending badJSON into a Skip and ends reading
// quietly; any other error (I/O, the callback's) is passed on.
func recordSkip(s *sink, err error) error {
	var bad *badJSON
	if errors.As(err, &bad) {
		s.skip(bad.at, "%s", jsonReason(bad.err))
		return nil
	}
	return err
}

// readJSONRecords hands each top-level JSON record of the input to handle:
// the lines of JSON Lines (record 0), the elements of a top-level array,
// or the successive values of a (pretty-printed) document. Lines and arrays
// stream; a document value is one API response, whose size the API's page
// limit bounds: each record is held whole, so none may exceed maxRecord.
func readJSONRecords(br *bufio.Reader, s *sink, handle func(p pos, raw []byte) error) error {
	head, err := peekHead(br)
	if err != nil {
		return err
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(head) > 0 && head[0] == '[':
		return recordSkip(s, streamArray(br, 1, func(p pos, raw json.RawMessage) error { return handle(p, raw) }))
	case looksLikeLines(head):
		return readLines(br, s, handle)
	default:
		dec, cr := newCappedDecoder(br)
		lines := decoderLines{dec: dec, cr: cr, base: 1}
		for n := 1; ; n++ {
			cr.start()
			var raw json.RawMessage
			if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return recordSkip(s, decodeErr(pos{line: lines.ahead(), record: n}, err))
			}
			if err := handle(pos{line: lines.of(raw), record: n}, raw); err != nil {
				return err
			}
		}
	}
}

// looksLikeLines tells JSON Lines from a pretty-printed document by the
// first line: a document's first line opens a structure it does not close.
func looksLikeLines(head []byte) bool {
	first, _, found := bytes.Cut(head, []byte("\n"))
	if !found {
		return true // one long line, or a one-line file
	}
	first = bytes.TrimSpace(first)
	if len(first) == 0 {
		return false
	}
	switch first[len(first)-1] {
	case '{', '[', ',', ':':
		return false
	}
	return true
}

// readLines reads JSON Lines: a bad line is a Skip and the next line is read,
// so one truncated record (a killed stream) costs only itself.
func readLines(br *bufio.Reader, s *sink, handle func(p pos, raw []byte) error) error {
	lr := lineReader{br: br}
	for {
		b, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if tooLong {
			s.skip(pos{line: lr.line}, "line longer than %s", sizeText(maxRecord))
			continue
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		// handle decodes the line and records a Skip when it is not JSON.
		if err := handle(pos{line: lr.line}, b); err != nil {
			return err
		}
	}
}

// sizeText says n bytes in MiB, or KiB below one MiB.
func sizeText(n int) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
