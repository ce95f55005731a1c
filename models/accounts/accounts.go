package accounts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"sync/atomic"
	"time"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/invalid"
)

// Deps is what accounts needs of the store and of the domains still in
// models, handed down by models so that this package imports nothing of it:
// the store's clock; the errors the web layer turns into pages (not found,
// forbidden, a form's field errors, a suspended member's refusal: their
// types are models'; the other refusals are models/notallowed's, which
// accounts returns itself); the site settings accounts reads (the
// programme's domains, standing, the superuser threshold), the store's kept
// secrets, the notification of a promotion (notify), the audit log
// (moderation) and the outbox (email), each in the transaction of the step
// that calls it.
type Deps struct {
	Now       func() time.Time
	NotFound  error
	Forbidden error
	Refusal   func(until time.Time, reason string) error
	// Settings reads the site settings through q: the primary's readers or
	// the transaction of the step.
	Settings func(ctx context.Context, q Queryer) (Settings, error)
	// Secret is a kept secret (the store's settings table), made and stored
	// on first use.
	Secret func(ctx context.Context, key string, make func() ([]byte, error)) ([]byte, error)
	// Promoted tells a member they became a superuser or an ambassador.
	Promoted func(ctx context.Context, tx *sql.Tx, userID int64, text string) error
	// Log writes a line to the audit log.
	Log func(ctx context.Context, tx *sql.Tx, actor *User, action, targetType string, targetID int64, reason string) error
	// QueueEmail puts an email in the outbox.
	QueueEmail func(ctx context.Context, tx *sql.Tx, e Email) error
	// PasswordCost is the bcrypt cost passwords are hashed at now.
	PasswordCost func() int
	// WriteFault reports whether err is the database refusing a write (a
	// full disk, a lock held past the wait: models' WriteFault), which
	// sign-in fails open for, for the record of the attempt only.
	WriteFault func(err error) bool
}

// Queryer is what reads the settings: a pool or a transaction.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Settings is what accounts reads of the site settings.
type Settings struct {
	// AmbassadorDomains are the company's email domains; AmbassadorDomain
	// reports whether an address is on one of them.
	AmbassadorDomains []string
	AmbassadorDomain  func(email string) bool
	// StandingDays and StandingReputation: how old and how well earned a
	// member's account must be for their votes to give points.
	StandingDays       int
	StandingReputation int
	// SuperuserThreshold is the reputation that makes a member a superuser (0: never).
	SuperuserThreshold int
	// VerifyEmail: members must confirm their address before they post.
	VerifyEmail bool
}

// Email is a message for the outbox (models' Email, which the mail worker sends).
type Email struct {
	Kind    string
	To      string
	Subject string
	Body    string
	Expires time.Time
}

// The outbox kinds of the emails accounts send.
const (
	EmailAmbassadorVerification = "ambassador_verification"
	EmailPasswordReset          = "password_reset"
	EmailVerification           = "verify_email"  // a new link to verify the account's address
	EmailChange                 = "change_email"  // a link to the new address, or a note that it has an account
	EmailChanged                = "email_changed" // a note to the old address once the new one took over
)

// Accounts reads and writes the members' accounts: it reads from the pool
// a request's reads go to (db.DB.Reader) or, for what decides a write, the
// primary's (db.DB.Primary), and writes on the writer (db.DB.Exec and the
// transactions), at the time deps.Now says.
type Accounts struct {
	db   *db.DB
	deps Deps
	signIns
	// tokensMade counts the one-time link secrets made (newToken): a
	// password reset makes one whether or not the address has an account.
	tokensMade atomic.Int64
}

// New is the accounts over the database d, with what they need of the store.
func New(d *db.DB, deps Deps) *Accounts { return &Accounts{db: d, deps: deps} }

func (a *Accounts) now() time.Time { return a.deps.Now() }

// suspended refuses a suspended account, saying until when and why.
func (a *Accounts) suspended(u *User) error {
	if !u.Suspended(a.now()) {
		return nil
	}
	return a.deps.Refusal(u.SuspendedUntil, u.SuspendReason)
}

// ErrLinkInvalid covers unknown, expired, reused and foreign verification links alike.
var ErrLinkInvalid = errors.New("this verification link is not valid")

// HashToken is how a one-time link's secret is kept: its SHA-256, in hex.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// validator collects field errors (invalid.Fields, models'
// ValidationError once refused).
type validator = invalid.Fields

// execOne runs a write that must change one row: deps.NotFound when none.
func (a *Accounts) execOne(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return a.deps.NotFound
	}
	return nil
}
