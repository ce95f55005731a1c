package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models"
)

const (
	batchSize       = 50
	maxSubjectRunes = 80
	// markTimeout bounds recording an outcome, which runs even after ctx
	// ended: the email is already out.
	markTimeout = 10 * time.Second
	// DefaultEvery is the pause between rounds.
	DefaultEvery = 15 * time.Second
	// DefaultMaxAge is how old a notification may be and still be emailed.
	DefaultMaxAge = 24 * time.Hour
	// maxBackoff caps the pause after rounds that failed.
	maxBackoff = 10 * time.Minute
	// claimLease is how long a claim may stay without an outcome before it
	// is counted as unconfirmed; far longer than one SMTP transaction.
	claimLease = 15 * time.Minute
	// maxAttempts is how often an email the server refuses is tried.
	maxAttempts = 5
	// firstRetry is the wait after the first refusal; it doubles after each.
	firstRetry = 5 * time.Minute
)

// Queue is what the worker sends from; *models.Store implements it.
type Queue interface {
	SweepEmails(ctx context.Context, maxAge, lease time.Duration) (models.EmailSweep, error)
	ClaimEmail(ctx context.Context, notifications bool) (*models.ClaimedEmail, error)
	FinishEmail(ctx context.Context, c *models.ClaimedEmail, o models.EmailOutcome) error
}

// WorkerConfig is what notification emails say and how often the worker looks.
type WorkerConfig struct {
	SiteName string
	// Name, when set, gives the community's name as the admins set it now
	// (its branding); "" from it means SiteName.
	Name    func(ctx context.Context) string
	BaseURL string
	// UnsubscribeURL makes a member's one-click unsubscribe link; nil for none.
	UnsubscribeURL func(userID int64) string
	// Every is the pause between rounds (DefaultEvery if <= 0).
	Every time.Duration
	// MaxAge: notifications older than this are never emailed, so turning
	// mail on does not send a backlog (DefaultMaxAge if <= 0).
	MaxAge time.Duration
}

// Worker sends queued email: the outbox (verification links) always, and
// notifications when the Mailer is Enabled. Each email is claimed in a
// commit of its own before it is sent and never claimed again, so none goes
// out twice, even when the outcome cannot be written afterwards.
type Worker struct {
	m   *Mailer
	q   Queue
	cfg WorkerConfig
	log *slog.Logger
	// sleep waits, or returns early when ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewWorker makes a worker; start it with Run.
func NewWorker(m *Mailer, q Queue, cfg WorkerConfig) *Worker {
	if cfg.Every <= 0 {
		cfg.Every = DefaultEvery
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	return &Worker{m: m, q: q, cfg: cfg, log: m.log, sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Round is what one round did.
type Round struct {
	Sent, Retried, Failed, Skipped, Unconfirmed int
}

func (r Round) zero() bool { return r == Round{} }

// Run sends right away and then every cfg.Every until ctx is done. After a
// failed round (the database cannot write, the SMTP server is unreachable)
// it waits twice as long each time, up to ten minutes.
func (w *Worker) Run(ctx context.Context) {
	failures := 0
	for {
		r, err := w.RunOnce(ctx)
		wait := w.cfg.Every
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			wait = backoff(w.cfg.Every, failures)
			w.log.Error("emails: round failed", "err", err, "retry_in", wait, "sent", r.Sent)
		default:
			failures = 0
			if !r.zero() {
				w.log.Info("emails", "sent", r.Sent, "retried", r.Retried, "failed", r.Failed, "skipped", r.Skipped, "unconfirmed", r.Unconfirmed)
			}
		}
		if w.sleep(ctx, wait) != nil {
			return
		}
	}
}

// backoff is the pause after the n-th failed round in a row: every, doubled
// n times, at most maxBackoff.
func backoff(every time.Duration, n int) time.Duration {
	d := every
	for range n {
		if d >= maxBackoff/2 {
			return maxBackoff
		}
		d *= 2
	}
	return min(d, maxBackoff)
}

// RunOnce sweeps the queue and sends up to 50 due emails, one claim at a
// time. err reports what stopped the round early: the database failing (a
// claim could not be written: nothing was sent; or an outcome could not be:
// the email stays claimed and is not sent again), the context ending, or the
// SMTP server being unreachable (the rest of the batch would fail too).
func (w *Worker) RunOnce(ctx context.Context) (Round, error) {
	var r Round
	sw, err := w.q.SweepEmails(ctx, w.cfg.MaxAge, claimLease)
	if err != nil {
		return r, fmt.Errorf("mailer: %w", err)
	}
	r.Skipped, r.Unconfirmed = sw.Skipped, sw.Unconfirmed
	if sw.Unconfirmed > 0 {
		w.log.Error("emails claimed but never confirmed (the process stopped, or the database failed, while sending); they may have gone out and are not sent again",
			"count", sw.Unconfirmed)
	}
	for range batchSize {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		c, err := w.q.ClaimEmail(ctx, w.m.Enabled())
		if errors.Is(err, models.ErrNotFound) {
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("mailer: nothing sent: %w", err)
		}
		sendErr := w.m.Send(ctx, w.message(ctx, c))
		o, stop := outcome(c, sendErr)
		// The email may be out: recording it must not be skipped just
		// because ctx ended a moment ago.
		markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
		err = w.q.FinishEmail(markCtx, c, o)
		cancel()
		if err != nil {
			// The claim stays: the email is not sent again, and the next
			// claim would most likely fail the same way.
			return r, fmt.Errorf("mailer: %s email %d (%s) left claimed: %w", describe(c), c.ID, o.State, err)
		}
		switch o.State {
		case models.EmailSent:
			r.Sent++
		case models.EmailPending:
			if o.Refused {
				r.Retried++
			}
		case models.EmailFailed:
			r.Failed++
		case models.EmailUnconfirmed:
			r.Unconfirmed++
		}
		if sendErr != nil && o.State != models.EmailPending || o.Refused {
			w.log.Warn("email not sent", "kind", describe(c), "id", c.ID, "to", c.To, "outcome", o.State, "err", sendErr)
		}
		if stop {
			return r, fmt.Errorf("mailer: %w", sendErr)
		}
	}
	return r, nil
}

func describe(c *models.ClaimedEmail) string {
	if c.Outbox {
		return c.Kind
	}
	return "notification"
}

// outcome decides what becomes of an email after Send returned err; stop
// ends the round (the server is unreachable).
func outcome(c *models.ClaimedEmail, err error) (o models.EmailOutcome, stop bool) {
	var uncertain *uncertainError
	var replyErr *textproto.Error
	var invalidErr *invalidMessageError
	switch {
	case err == nil:
		return models.EmailOutcome{State: models.EmailSent}, false
	case errors.As(err, &uncertain):
		// The server may have accepted it: never risk a second copy.
		return models.EmailOutcome{State: models.EmailUnconfirmed}, true
	case errors.As(err, &invalidErr):
		return models.EmailOutcome{State: models.EmailFailed}, false
	case errors.As(err, &replyErr):
		if c.Attempts+1 >= maxAttempts {
			return models.EmailOutcome{State: models.EmailFailed, Refused: true}, false
		}
		return models.EmailOutcome{State: models.EmailPending, Refused: true, RetryIn: firstRetry << c.Attempts}, false
	default:
		// Not delivered (no connection, or it broke before the message was
		// complete): the email is due again at once.
		return models.EmailOutcome{State: models.EmailPending}, true
	}
}

func (w *Worker) message(ctx context.Context, c *models.ClaimedEmail) Message {
	if c.Outbox {
		return Message{To: c.To, Subject: c.Subject, Body: c.Body}
	}
	site := w.cfg.SiteName
	if w.cfg.Name != nil {
		if n := w.cfg.Name(ctx); n != "" {
			site = n
		}
	}
	return notificationMessage(c, site, w.cfg.BaseURL, w.cfg.UnsubscribeURL)
}

func notificationMessage(p *models.ClaimedEmail, siteName, baseURL string, unsubscribeURL func(userID int64) string) Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n%s\n", p.Username, p.Text)
	if p.Link != "" {
		link := p.Link
		if !strings.HasPrefix(link, "/") {
			link = "/" + link
		}
		fmt.Fprintf(&b, "\n%s%s\n", strings.TrimRight(baseURL, "/"), link)
	}
	fmt.Fprintf(&b, "\n-- \nYou receive these emails because you have an account on %s with email notifications turned on.\n", siteName)
	msg := Message{
		To:      p.To,
		Subject: "[" + siteName + "] " + shorten(p.Text, maxSubjectRunes),
		Headers: map[string]string{},
	}
	if unsubscribeURL != nil {
		if u := unsubscribeURL(p.UserID); u != "" {
			fmt.Fprintf(&b, "Unsubscribe: %s\n", u)
			msg.Headers["List-Unsubscribe"] = "<" + u + ">"
			// RFC 8058: lets mail clients unsubscribe with one POST, which
			// large providers require from senders of bulk mail.
			msg.Headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
		}
	}
	msg.Body = b.String()
	return msg
}

// shorten collapses whitespace (a subject is one line) and cuts s to at most
// max runes, ending in an ellipsis when it was cut.
func shorten(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max-1]
	return strings.TrimRight(string(r), " ") + "…"
}
