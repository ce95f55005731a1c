// Package mailer sends email over SMTP, or writes it to the server log when
// SMTP is not configured, and emails pending notifications in the background.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// ioTimeout bounds a whole SMTP transaction, so a stalled server cannot hang
// the notification worker forever.
const ioTimeout = 30 * time.Second

// TLS modes accepted in Config.TLS.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// Config is SMTP settings. Host "" means "not configured": messages go to the log.
type Config struct {
	Host     string
	Port     int    // default 587 (465 with TLS "tls")
	Username string // optional: no AUTH when empty
	Password string
	From     string // e.g. "Crowdcare <community@example.com>"; required when Host is set
	// TLS is "starttls" (default: STARTTLS when the server offers it, required
	// when Username is set), "tls" (implicit TLS, port 465) or "none" (plain,
	// only for local relays).
	TLS string
}

// Mailer sends messages. It is immutable after New and safe for concurrent use.
type Mailer struct {
	cfg  Config
	from *mail.Address // nil when From is empty (only allowed without Host)
	log  *slog.Logger
	// dial is a field so tests can prove that no connection is attempted.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New validates cfg and returns a Mailer. A nil log means slog.Default(),
// because the log is where mail ends up when SMTP is not configured.
func New(cfg Config, log *slog.Logger) (*Mailer, error) {
	if log == nil {
		log = slog.Default()
	}
	cfg.Host = strings.TrimSpace(cfg.Host)
	cfg.TLS = strings.ToLower(strings.TrimSpace(cfg.TLS))
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("mailer: unknown TLS mode %q (want %q, %q or %q)", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.TLS == TLSImplicit {
			cfg.Port = 465
		}
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mailer: invalid port %d", cfg.Port)
	}
	if cfg.Host != "" && strings.TrimSpace(cfg.From) == "" {
		return nil, errors.New("mailer: From is required when Host is set")
	}
	m := &Mailer{cfg: cfg, log: log, dial: (&net.Dialer{Timeout: ioTimeout}).DialContext}
	if strings.TrimSpace(cfg.From) != "" {
		from, err := parseAddress("From", cfg.From)
		if err != nil {
			return nil, err
		}
		if _, domain, ok := strings.Cut(from.Address, "@"); !ok || domain == "" {
			return nil, fmt.Errorf("mailer: From %q has no domain", cfg.From)
		}
		m.from = from
	}
	return m, nil
}

// Enabled reports whether SMTP is configured (Host is set).
func (m *Mailer) Enabled() bool { return m.cfg.Host != "" }

// Send delivers msg. When the Mailer is not Enabled it writes one Info log
// line with to, subject and the full body instead and returns nil, so a
// self-hoster without SMTP can still follow e.g. a verification link.
// Messages with CR or LF in a header value or address are refused either way.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	to, err := msg.validate()
	if err != nil {
		return err
	}
	if !m.Enabled() {
		m.log.Info("email not sent: SMTP not configured, logging it instead",
			"to", msg.To, "subject", msg.Subject, "body", msg.Body)
		return nil
	}
	data, err := msg.build(m.from, to, time.Now())
	if err != nil {
		return err
	}
	if err := m.deliver(ctx, to.Address, data); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("mailer: send to %s: %w (%w)", to.Address, ctxErr, err)
		}
		return fmt.Errorf("mailer: send to %s: %w", to.Address, err)
	}
	return nil
}

// uncertainError is a failure after the whole message was handed over:
// the server may have accepted it, so it must not be sent again.
type uncertainError struct{ err error }

func (e *uncertainError) Error() string {
	return "DATA: no reply after the message (it may have been delivered): " + e.err.Error()
}

func (e *uncertainError) Unwrap() error { return e.err }

func (m *Mailer) deliver(ctx context.Context, rcpt string, data []byte) error {
	host := m.cfg.Host
	conn, err := m.dial(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(m.cfg.Port)))
	if err != nil {
		return err
	}
	defer conn.Close()

	if err := conn.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		return err
	}
	// net/smtp knows nothing about contexts; expiring the deadline is the
	// only way to interrupt a blocked read or write. Doing it only once ctx
	// is done (not by copying ctx's deadline) keeps ctx.Err() set by the
	// time the read fails, so Send reports the context error.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()

	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if m.cfg.TLS == TLSImplicit {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS handshake: %w", err)
		}
		conn = tc
	}

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()

	if m.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		} else if m.cfg.Username != "" {
			// Never send the password in clear text just because a server
			// (or someone in the middle) stopped offering STARTTLS.
			return errors.New("server does not offer STARTTLS; refusing to authenticate without TLS")
		}
	}
	if m.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		var replyErr *textproto.Error
		if errors.As(err, &replyErr) {
			return fmt.Errorf("DATA: %w", err) // the server refused it
		}
		// The whole message was written but its reply never came.
		return &uncertainError{err: err}
	}
	// The server accepted the message once DATA was closed; a failing QUIT
	// must not report an error, or the caller would send it a second time.
	_ = c.Quit()
	return nil
}
