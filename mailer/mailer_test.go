package mailer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/mailer/smtptest"
)

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newMailer(t *testing.T, cfg Config, log *slog.Logger) *Mailer {
	t.Helper()
	m, err := New(cfg, log)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return m
}

// forbidNetwork makes any connection attempt fail the test.
func forbidNetwork(t *testing.T, m *Mailer) {
	m.dial = func(context.Context, string, string) (net.Conn, error) {
		t.Error("mailer tried to open a connection")
		return nil, errors.New("network forbidden in this test")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"not configured", Config{}, false},
		{"minimal", Config{Host: "smtp.example.com", From: "a@example.com"}, false},
		{"tls mode", Config{Host: "smtp.example.com", From: "a@example.com", TLS: "TLS"}, false},
		{"host without from", Config{Host: "smtp.example.com"}, true},
		{"unknown tls", Config{Host: "smtp.example.com", From: "a@example.com", TLS: "ssl"}, true},
		{"unknown tls without host", Config{TLS: "yes"}, true},
		{"bad from", Config{Host: "smtp.example.com", From: "not an address"}, true},
		{"from with newline", Config{Host: "smtp.example.com", From: "a@example.com\r\nBcc: b@example.com"}, true},
		{"bad port", Config{Host: "smtp.example.com", From: "a@example.com", Port: 70000}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, discardLog())
			if (err != nil) != tt.wantErr {
				t.Fatalf("New: err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}

	m := newMailer(t, Config{Host: "smtp.example.com", From: "a@example.com"}, nil)
	if m.cfg.Port != 587 || m.cfg.TLS != TLSStartTLS || !m.Enabled() {
		t.Errorf("defaults: port %d, TLS %q, enabled %v", m.cfg.Port, m.cfg.TLS, m.Enabled())
	}
	m = newMailer(t, Config{Host: "smtp.example.com", From: "a@example.com", TLS: "tls"}, nil)
	if m.cfg.Port != 465 {
		t.Errorf("implicit TLS default port = %d, want 465", m.cfg.Port)
	}
	if newMailer(t, Config{}, nil).Enabled() {
		t.Error("Enabled() with empty Host")
	}
}

func TestSendDeliversParsableMessage(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, testConfig(srv), discardLog())

	body := "Hallo Jürgen,\n\nbitte bestätige deine Adresse: https://community.example.com/verify?token=abc123&x=1\n" +
		".a line starting with a dot\n" +
		strings.Repeat("eine sehr lange Zeile ", 10) + "\ntrailing space \n"
	msg := Message{
		To:      "Jürgen <juergen@example.com>",
		Subject: "Grüße aus Köln",
		Body:    body,
		Headers: map[string]string{"List-Unsubscribe": "<https://community.example.com/u/1>"},
	}
	if err := m.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}

	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	r := got[0]
	if r.From != "community@example.com" || len(r.To) != 1 || r.To[0] != "juergen@example.com" {
		t.Errorf("envelope: from %q to %q", r.From, r.To)
	}
	if strings.Contains(strings.ReplaceAll(r.Data, "\r\n", ""), "\n") {
		t.Error("message has bare LF line endings")
	}
	for _, line := range strings.Split(r.Data, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78 characters: %q", line)
		}
	}

	pm, err := mail.ReadMessage(strings.NewReader(r.Data))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, r.Data)
	}
	h := pm.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != msg.Subject {
		t.Errorf("Subject = %q (raw %q, err %v), want %q", subject, h.Get("Subject"), err, msg.Subject)
	}
	if h.Get("Subject") == msg.Subject {
		t.Error("non-ASCII Subject was not RFC 2047 encoded")
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "community@example.com" || from[0].Name != "Crowdcare" {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "juergen@example.com" || to[0].Name != "Jürgen" {
		t.Errorf("To = %v, %v", to, err)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") || len(id) < 20 {
		t.Errorf("Message-ID = %q", id)
	}
	for k, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=UTF-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"List-Unsubscribe":          "<https://community.example.com/u/1>",
		"Auto-Submitted":            "auto-generated",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}

	decoded, err := io.ReadAll(quotedprintable.NewReader(pm.Body))
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	if got := strings.ReplaceAll(string(decoded), "\r\n", "\n"); got != body {
		t.Errorf("decoded body:\n%q\nwant:\n%q", got, body)
	}
}

// TestSubjectsAreFolded: whatever the subject, every line the SMTP server
// receives fits RFC 5322's 78 characters, the subject reads back unchanged,
// and the message says it was sent automatically.
func TestSubjectsAreFolded(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, testConfig(srv), discardLog())
	subjects := []string{
		"short",
		strings.Repeat("a long subject in plain words ", 8),
		"[Crowdcare] " + strings.Repeat("ä", 80),
		"[Crowdcare] bob replied in „Router startet nachts neu – Hilfe beim Umzug der Leitung gesucht“ (Köln)",
		"[Crowdcare] " + strings.Repeat("x", 90) + " then a very long word",
		"two  spaces" + strings.Repeat(" word", 20) + "  and   more ",
		"looks =?UTF-8?q?encoded?= but is not",
		"tab\there and 漢字の件名がとても長い場合でも正しく折り返されること" + strings.Repeat("。", 30),
	}
	for i, subject := range subjects {
		if err := m.Send(context.Background(), Message{To: "a@example.com", Subject: subject, Body: "hi"}); err != nil {
			t.Fatalf("Send %q: %v", subject, err)
		}
		raw := srv.Messages()[i].Data
		head, _, _ := strings.Cut(raw, "\r\n\r\n")
		for _, line := range strings.Split(head, "\r\n") {
			if len(line) > 78 {
				t.Errorf("subject %q: line of %d characters: %q", subject, len(line), line)
			}
			if strings.TrimSpace(line) == "" {
				t.Errorf("subject %q: a header line of only spaces", subject)
			}
		}
		pm, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatalf("ReadMessage: %v\n%s", err, raw)
		}
		got, err := new(mime.WordDecoder).DecodeHeader(pm.Header.Get("Subject"))
		// Unfolding keeps one space where the line was folded; a run of
		// spaces may read back as one.
		want, norm := subject, strings.TrimSpace
		if strings.Contains(subject, "  ") || strings.ContainsAny(subject, "\t") {
			norm = func(s string) string { return strings.Join(strings.Fields(s), " ") }
		}
		if err != nil || norm(got) != norm(want) {
			t.Errorf("Subject read back as %q (%v), want %q\n%s", got, err, subject, head)
		}
		if got := pm.Header.Get("Auto-Submitted"); got != "auto-generated" {
			t.Errorf("Auto-Submitted = %q", got)
		}
	}
}

func TestSendUsesAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithAuth("crowdcare", "s3cret"))

	cfg := testConfig(srv)
	cfg.Username, cfg.Password = "crowdcare", "s3cret"
	if err := newMailer(t, cfg, discardLog()).Send(context.Background(), Message{To: "a@example.com", Subject: "hi", Body: "hi"}); err != nil {
		t.Fatalf("Send with right password: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].Auth != "crowdcare" {
		t.Fatalf("server received %+v, want one message sent as crowdcare", got)
	}

	cfg.Password = "wrong"
	if err := newMailer(t, cfg, discardLog()).Send(context.Background(), Message{To: "a@example.com", Subject: "hi", Body: "hi"}); err == nil {
		t.Fatal("Send with wrong password succeeded")
	}
	cfg.Username, cfg.Password = "", ""
	if err := newMailer(t, cfg, discardLog()).Send(context.Background(), Message{To: "a@example.com", Subject: "hi", Body: "hi"}); err == nil {
		t.Fatal("Send without AUTH to a server requiring it succeeded")
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("server has %d messages after failed sends, want 1", got)
	}
}

func TestSendRefusesPasswordWithoutStartTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithAuth("crowdcare", "s3cret"))
	cfg := testConfig(srv)
	cfg.TLS = "" // default: STARTTLS, which the test server does not offer
	cfg.Username, cfg.Password = "crowdcare", "s3cret"

	err := newMailer(t, cfg, discardLog()).Send(context.Background(), Message{To: "a@example.com", Subject: "hi", Body: "hi"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send = %v, want a STARTTLS error", err)
	}
	if got := len(srv.Messages()); got != 0 {
		t.Errorf("server received %d messages", got)
	}
}

func TestSendStartTLSIsOptionalWithoutAuth(t *testing.T) {
	srv := smtptest.Start(t)
	cfg := testConfig(srv)
	cfg.TLS = "starttls"
	if err := newMailer(t, cfg, discardLog()).Send(context.Background(), Message{To: "a@example.com", Subject: "hi", Body: "hi"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("server received %d messages, want 1", got)
	}
}

func TestSendRefusesHeaderInjection(t *testing.T) {
	srv := smtptest.Start(t)
	const evil = "x\r\nBcc: evil@example.com"
	tests := map[string]Message{
		"subject":      {To: "bob@example.com", Subject: evil, Body: "hi"},
		"subject LF":   {To: "bob@example.com", Subject: "x\nBcc: evil@example.com", Body: "hi"},
		"to":           {To: "bob@example.com\r\nBcc: evil@example.com", Subject: "hi", Body: "hi"},
		"to name":      {To: "\"" + evil + "\" <bob@example.com>", Subject: "hi", Body: "hi"},
		"header value": {To: "bob@example.com", Subject: "hi", Body: "hi", Headers: map[string]string{"List-Unsubscribe": evil}},
		"header name":  {To: "bob@example.com", Subject: "hi", Body: "hi", Headers: map[string]string{"X-A\r\nBcc": "evil@example.com"}},
		"reserved":     {To: "bob@example.com", Subject: "hi", Body: "hi", Headers: map[string]string{"bcc": "evil@example.com"}},
		"auto reply":   {To: "bob@example.com", Subject: "hi", Body: "hi", Headers: map[string]string{"Auto-Submitted": "no"}},
	}
	configs := map[string]Config{"smtp": testConfig(srv), "log": {}}
	for cname, cfg := range configs {
		for name, msg := range tests {
			t.Run(cname+"/"+name, func(t *testing.T) {
				var buf bytes.Buffer
				m := newMailer(t, cfg, slog.New(slog.NewTextHandler(&buf, nil)))
				forbidNetwork(t, m)
				if err := m.Send(context.Background(), msg); err == nil {
					t.Fatal("Send accepted a header injection")
				}
				if buf.Len() != 0 {
					t.Errorf("refused message was logged: %s", buf.String())
				}
			})
		}
	}
	if got := len(srv.Messages()); got != 0 {
		t.Errorf("server received %d messages", got)
	}
}

func TestSendLogsWhenNotConfigured(t *testing.T) {
	var buf bytes.Buffer
	m := newMailer(t, Config{}, slog.New(slog.NewTextHandler(&buf, nil)))
	forbidNetwork(t, m)

	link := "https://community.example.com/verify?token=Zm9vYmFy"
	err := m.Send(context.Background(), Message{
		To:      "new@example.com",
		Subject: "Bestätige deine E-Mail",
		Body:    "Willkommen!\n\nKlicke hier:\n" + link + "\n",
	})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	out := buf.String()
	if n := strings.Count(out, "\n"); n != 1 {
		t.Errorf("got %d log lines, want 1:\n%s", n, out)
	}
	for _, want := range []string{"level=INFO", "to=new@example.com", "Bestätige deine E-Mail", "Willkommen!", link} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestSendGivesUpWhenContextEnds(t *testing.T) {
	// A server that accepts connections but never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()

	m := newMailer(t, Config{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: "a@example.com", TLS: "none"}, discardLog())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = m.Send(ctx, Message{To: "b@example.com", Subject: "hi", Body: "hi"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send took %v after the context ended", d)
	}
}

// testConfig points a Mailer at a test server.
func testConfig(s *smtptest.Server) Config {
	return Config{Host: "127.0.0.1", Port: s.Port(), From: "Crowdcare <community@example.com>", TLS: "none"}
}
