package tweets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxLine bounds one JSON Lines record. An API page is at most a few MB, so
// anything bigger is not a record but a runaway file, and holding it would
// break the flat-memory promise.
const maxLine = 64 << 20

// lineReader yields lines one at a time, reusing one buffer, and counts them
// for Skip reports.
type lineReader struct {
	br   *bufio.Reader
	line int
	buf  []byte
}

// next returns the next line without its line ending; tooLong reports a line
// over maxLine, whose content has been discarded. The returned slice is only
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
			if len(l.buf)+len(chunk) > maxLine {
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
func streamArray(dec *json.Decoder, first int, each func(n int, raw json.RawMessage) error) (int, error) {
	tok, err := dec.Token()
	if err != nil {
		return first, &badJSON{record: first, err: err}
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return first, &badJSON{record: first, err: fmt.Errorf("expected a JSON array, found %v", tok)}
	}
	n := first
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return n, &badJSON{record: n + 1, err: err}
		}
		n++
		if err := each(n, raw); err != nil {
			return n, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return n, &badJSON{record: n + 1, err: err}
	}
	return n, nil
}

// jsonReason turns a decoding error into a short Skip reason.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "truncated JSON"
	case errors.As(err, &syn) && syn.Msg == "unexpected end of JSON input":
		return "truncated JSON"
	case errors.As(err, &syn):
		return "invalid JSON: " + syn.Msg
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
