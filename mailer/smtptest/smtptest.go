// Package smtptest runs a real SMTP server in-process for tests: the mailer
// is exercised over TCP instead of through a mock of itself.
package smtptest

import (
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message as the test SMTP server received it.
type Message struct {
	From string
	To   []string
	Data string
	Auth string // username that authenticated, "" if none
}

// Server is an in-process SMTP server on 127.0.0.1 that records what it
// accepts. Set user/pass to require AUTH PLAIN; reject makes RCPT fail.
type Server struct {
	Addr *net.TCPAddr

	user, pass string
	onData     func(Message)
	t          testing.TB

	mu     sync.Mutex
	reject map[string]bool
	msgs   []Message
	stop   func() // closes the running server; nil while it is down
}

// Option configures a Server.
type Option func(*Server)

// WithAuth requires AUTH PLAIN with these credentials.
func WithAuth(user, pass string) Option {
	return func(s *Server) { s.user, s.pass = user, pass }
}

// Rejecting makes RCPT TO fail for these addresses.
func Rejecting(addrs ...string) Option {
	return func(s *Server) {
		for _, a := range addrs {
			s.reject[a] = true
		}
	}
}

// OnData calls fn with each complete message before the server answers
// the end of DATA; a test can inject a fault right after the mail is out.
func OnData(fn func(Message)) Option {
	return func(s *Server) { s.onData = fn }
}

// Start listens on 127.0.0.1 and stops when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	ts := &Server{reject: map[string]bool{}, t: t}
	for _, o := range opts {
		o(ts)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Addr = l.Addr().(*net.TCPAddr)
	ts.serve(l)
	t.Cleanup(ts.Down)
	return ts
}

// Down stops the server: connections to its port are refused until Up.
func (s *Server) Down() {
	s.mu.Lock()
	stop := s.stop
	s.stop = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// Up starts a stopped server again on the same port.
func (s *Server) Up() {
	s.t.Helper()
	s.mu.Lock()
	running := s.stop != nil
	s.mu.Unlock()
	if running {
		return
	}
	l, err := net.Listen("tcp", s.Addr.String())
	if err != nil {
		s.t.Fatal(err)
	}
	s.serve(l)
}

func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{srv: s}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 5 * time.Second
	srv.WriteTimeout = 5 * time.Second
	// Discarded: connection goroutines may log after the test has ended,
	// where t.Log would panic.
	srv.ErrorLog = log.New(io.Discard, "", 0)

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.t.Errorf("smtp server: %v", err)
		}
	}()
	s.mu.Lock()
	s.stop = func() {
		srv.Close()
		// Serve may not have registered l with srv yet; then Close
		// would not close it and Serve would accept forever.
		l.Close()
		<-done
	}
	s.mu.Unlock()
}

// Port is the port the server listens on (host 127.0.0.1, no TLS).
func (s *Server) Port() int { return s.Addr.Port }

// Messages returns what was received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// SetReject makes RCPT TO fail, or succeed again, for an address.
func (s *Server) SetReject(addr string, reject bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[addr] = reject
}

type session struct {
	srv    *Server
	authed string
	from   string
	to     []string
}

func (s *session) AuthMechanisms() []string {
	if s.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if s.srv.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.srv.user || password != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.authed == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.reject[strings.ToLower(to)] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: s.from, To: s.to, Data: string(b), Auth: s.authed}
	if s.srv.onData != nil {
		s.srv.onData(m)
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.msgs = append(s.srv.msgs, m)
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
