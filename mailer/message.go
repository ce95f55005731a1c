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
	case "from", "to", "cc", "bcc", "subject", "date", "message-id",
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
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+rand.Text()+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
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
