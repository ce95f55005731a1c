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
type cappedReader struct {
	r     io.Reader
	size  int64 // the budget of one record
	read  int64 // bytes handed to the decoder so far
	limit int64 // read may not pass this
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
	return n, err
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
	record int
	err    error
}

func (e *badJSON) Error() string { return fmt.Sprintf("record %d: %s", e.record, jsonReason(e.err)) }
func (e *badJSON) Unwrap() error { return e.err }

// streamArray reads the JSON array at the decoder's position one element at
// a time, so memory holds one record however long the array. each gets the
// 1-based record number; its error stops the stream and is returned as is.
func streamArray(r io.Reader, first int, each func(n int, raw json.RawMessage) error) (int, error) {
	dec, cr := newCappedDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return first, decodeErr(first+1, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return first, &badJSON{record: first + 1, err: fmt.Errorf("expected a JSON array, found %v", tok)}
	}
	n := first
	for dec.More() {
		cr.start()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return n, decodeErr(n+1, err)
		}
		n++
		if err := each(n, raw); err != nil {
			return n, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return n, decodeErr(n+1, err)
	}
	return n, nil
}

// decodeErr tells bad input (a Skip) from a failing reader (an error).
func decodeErr(record int, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, errRecordTooLarge) {
		return &badJSON{record: record, err: err}
	}
	return fmt.Errorf("read record %d: %w", record, err)
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
		s.skip(bad.record, "%s", jsonReason(bad.err))
		return nil
	}
	return err
}

// readJSONRecords hands each top-level JSON record of the input to handle:
// the lines of JSON Lines (line = line number), the elements of a top-level
// array, or the successive values of a (pretty-printed) document (line = 0).
// Lines and arrays stream; a document value is one API response, whose size
// the API's page limit bounds: each record is held whole, so none may exceed
// maxRecord.
func readJSONRecords(br *bufio.Reader, s *sink, handle func(line int, raw []byte) error) error {
	head, err := br.Peek(headSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("read input: %w", err)
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(head) > 0 && head[0] == '[':
		_, err := streamArray(br, 0, func(_ int, raw json.RawMessage) error {
			return handle(0, raw)
		})
		return recordSkip(s, err)
	case looksLikeLines(head):
		return readLines(br, s, handle)
	default:
		dec, cr := newCappedDecoder(br)
		for n := 1; ; n++ {
			cr.start()
			var raw json.RawMessage
			if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return recordSkip(s, decodeErr(n, err))
			}
			if err := handle(0, raw); err != nil {
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
func readLines(br *bufio.Reader, s *sink, handle func(line int, raw []byte) error) error {
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
			s.skip(lr.line, "line longer than %s", sizeText(maxRecord))
			continue
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		// handle decodes the line and records a Skip when it is not JSON.
		if err := handle(lr.line, b); err != nil {
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
