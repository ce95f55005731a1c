package mailer

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"maps"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Body    string            // plain text, UTF-8
	Headers map[string]string // extra headers, e.g. "List-Unsubscribe"
}

// reservedHeader reports headers the mailer writes itself (or must never
// carry extra recipients); letting Headers repeat them would produce a message
// with two From or two Content-Type lines.
func reservedHeader(k string) bool {
	switch strings.ToLower(k) {
	case "from", "to", "cc", "bcc", "subject", "date", "message-id", "auto-submitted",
		"mime-version", "content-type", "content-transfer-encoding":
		return true
	}
	return false
}

// invalidMessageError marks a message that can never be sent as it is, so
// the worker can tell it from an unreachable server.
type invalidMessageError struct{ reason string }

func (e *invalidMessageError) Error() string { return "mailer: " + e.reason }

func invalidf(format string, args ...any) error {
	return &invalidMessageError{reason: fmt.Sprintf(format, args...)}
}

// validate refuses anything that could smuggle extra headers or recipients
// into the message, and returns the parsed recipient.
func (msg Message) validate() (*mail.Address, error) {
	to, err := parseAddress("To", msg.To)
	if err != nil {
		return nil, err
	}
	if hasNewline(msg.Subject) {
		return nil, invalidf("Subject contains a line break")
	}
	for k, v := range msg.Headers {
		if !validHeaderName(k) {
			return nil, invalidf("invalid header name %q", k)
		}
		if reservedHeader(k) {
			return nil, invalidf("header %q is set by the mailer", k)
		}
		if hasNewline(v) {
			return nil, invalidf("header %q contains a line break", k)
		}
	}
	return to, nil
}

// build renders msg as an RFC 5322 message with CRLF line endings.
func (msg Message) build(from, to *mail.Address, now time.Time) ([]byte, error) {
	_, domain, _ := strings.Cut(from.Address, "@")
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	b.WriteString(foldedHeader("Subject", msg.Subject) + "\r\n")
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+rand.Text()+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// Every email Crowdcare sends is automatic (RFC 3834): vacation
	// responders and ticket systems do not answer it.
	header("Auto-Submitted", "auto-generated")
	// Sorted so the same Message always renders the same way.
	for _, k := range slices.Sorted(maps.Keys(msg.Headers)) {
		header(k, mime.QEncoding.Encode("utf-8", msg.Headers[k]))
	}
	b.WriteString("\r\n")

	// Text mode turns every \n, \r or \r\n of the body into CRLF.
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(msg.Body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// maxLineLen is RFC 5322's limit for a line of a message, without the CRLF.
const maxLineLen = 78

// foldedHeader renders "name: value" folded into lines of at most
// maxLineLen characters (joined by CRLF and a space, which readers unfold).
// Printable ASCII is folded at its spaces; anything else, or a word too long
// to fit a line, becomes RFC 2047 encoded-words short enough to fit.
func foldedHeader(name, value string) string {
	if plainASCII(value) {
		if s, ok := foldAtSpaces(name+": ", value); ok {
			return s
		}
	}
	return name + ": " + encodedWords(len(name)+2, value)
}

// plainASCII reports printable ASCII that no reader could take for an
// encoded-word.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return !strings.Contains(s, "=?")
}

// foldAtSpaces breaks value before spaces so that no line is longer than
// maxLineLen; ok is false when a word cannot fit on a line of its own.
func foldAtSpaces(prefix, value string) (string, bool) {
	var b strings.Builder
	line := prefix
	for i, w := range strings.Split(value, " ") {
		switch {
		case i == 0:
			line += w
		case len(line)+1+len(w) <= maxLineLen:
			line += " " + w
		case w == "" || strings.TrimSpace(line) == "":
			return "", false // a line of only spaces is not allowed
		default:
			b.WriteString(line + "\r\n")
			line = " " + w
		}
		if len(line) > maxLineLen {
			return "", false
		}
	}
	b.WriteString(line)
	return b.String(), true
}

// encodedWords Q-encodes s (RFC 2047) into words of at most 75 characters
// that never split a character, the first fitting after used characters of
// its line and the rest on lines of their own.
func encodedWords(used int, s string) string {
	const open, end, maxWord = "=?UTF-8?q?", "?=", 75
	room := func(used int) int { return max(min(maxWord, maxLineLen-used)-len(open)-len(end), 12) }
	var b, word strings.Builder
	limit := room(used)
	flush := func() {
		if b.Len() > 0 {
			b.WriteString("\r\n ")
		}
		b.WriteString(open + word.String() + end)
		word.Reset()
		limit = room(1)
	}
	for _, r := range s {
		var enc string
		switch {
		case r == ' ':
			enc = "_"
		case r > ' ' && r <= '~' && r != '=' && r != '?' && r != '_':
			enc = string(r)
		default:
			for _, c := range []byte(string(r)) {
				enc += fmt.Sprintf("=%02X", c)
			}
		}
		if word.Len()+len(enc) > limit {
			flush()
		}
		word.WriteString(enc)
	}
	if word.Len() > 0 || b.Len() == 0 {
		flush()
	}
	return b.String()
}

// parseAddress checks for line breaks itself instead of trusting net/mail,
// whose folding-whitespace rules accept some of them.
func parseAddress(field, s string) (*mail.Address, error) {
	if hasNewline(s) {
		return nil, invalidf("%s address contains a line break", field)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, invalidf("%s address %q: %v", field, s, err)
	}
	return a, nil
}

func hasNewline(s string) bool { return strings.ContainsAny(s, "\r\n") }

// validHeaderName follows RFC 5322 field-name: printable ASCII except colon.
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}
