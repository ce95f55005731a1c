package mailer

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	batchSize        = 50
	maxSubjectRunes  = 80
	markTimeout      = 10 * time.Second
	defaultTickEvery = time.Minute
)

// Pending is a notification waiting to be emailed.
type Pending struct {
	ID       int64
	UserID   int64
	To       string
	Username string
	Text     string
	Link     string // site-relative path like "/p/12"
}

// Source is what the worker reads from (the store implements it through a small adapter).
type Source interface {
	PendingEmails(ctx context.Context, limit int) ([]Pending, error)
	MarkEmailed(ctx context.Context, id int64) error
}

// RunNotifications emails pending notifications right away and then every
// `every` (a minute if every <= 0) until ctx is done. See SendPendingOnce.
// When the Mailer is not Enabled, notifications are written to the log and
// marked emailed like any other, so callers may prefer not to start it.
func (m *Mailer) RunNotifications(ctx context.Context, src Source, siteName, baseURL string, unsubscribeURL func(userID int64) string, every time.Duration) {
	if every <= 0 {
		every = defaultTickEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sent, err := m.SendPendingOnce(ctx, src, siteName, baseURL, unsubscribeURL)
		if err != nil && ctx.Err() == nil {
			m.log.Error("notification emails: tick failed", "sent", sent, "err", err)
		} else if sent > 0 {
			m.log.Info("notification emails sent", "count", sent)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendPendingOnce emails up to 50 pending notifications and marks each one
// emailed only after its Send succeeded. A notification the server refused is
// logged and left pending for the next tick. err reports what stopped the
// tick early: the source failing, the context ending, or the SMTP server
// being unreachable (trying the rest of the batch would only fail again).
func (m *Mailer) SendPendingOnce(ctx context.Context, src Source, siteName, baseURL string, unsubscribeURL func(userID int64) string) (sent int, err error) {
	items, err := src.PendingEmails(ctx, batchSize)
	if err != nil {
		return 0, fmt.Errorf("mailer: load pending emails: %w", err)
	}
	for _, p := range items {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		msg := notificationMessage(p, siteName, baseURL, unsubscribeURL)
		if err := m.Send(ctx, msg); err != nil {
			if ctx.Err() != nil || !refusedMessage(err) {
				return sent, fmt.Errorf("notification %d: %w", p.ID, err)
			}
			m.log.Warn("notification email not sent; will retry", "id", p.ID, "to", p.To, "err", err)
			continue
		}
		// The mail is already out: marking must not be skipped just because
		// ctx ended a moment ago, or the user would get it twice.
		markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
		err := src.MarkEmailed(markCtx, p.ID)
		cancel()
		if err != nil {
			// Going on would send mails that cannot be marked either, and
			// every one of them would be sent again on the next tick.
			return sent, fmt.Errorf("mailer: mark notification %d emailed: %w", p.ID, err)
		}
		sent++
	}
	return sent, nil
}

// refusedMessage tells a refusal of this one message (an SMTP reply code, or
// a message that cannot be built) from a connection problem that would hit
// every message in the batch.
func refusedMessage(err error) bool {
	var replyErr *textproto.Error
	var invalidErr *invalidMessageError
	return errors.As(err, &replyErr) || errors.As(err, &invalidErr)
}

func notificationMessage(p Pending, siteName, baseURL string, unsubscribeURL func(userID int64) string) Message {
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
