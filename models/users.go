package models

import (
	"context"
	"database/sql"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
)

// Registration, look-ups, roles, sign-in and its throttling moved to
// models/accounts, which the store embeds (CreateUser, Register,
// UserByID, UserByUsername, SetRole, Authenticate, CountUsers,
// ChangePassword, EndAllSessions, SetPassword). Aliases and wrappers for
// what models and the web layer name here:

const defaultPasswordCost = 12

// Password limits. Alias: moved to models/accounts.
const (
	PasswordMinLen = accounts.PasswordMinLen
	PasswordMaxLen = accounts.PasswordMaxLen
)

// ErrBadCredentials is returned for an unknown user or a wrong password
// alike. Alias: moved to models/accounts.
var ErrBadCredentials = accounts.ErrBadCredentials

// User is a registered account (accounts.User). Alias: moved to models/accounts.
type User = accounts.User

// UserRef is how a post or thread names its author (accounts.UserRef).
// Alias: moved to models/accounts.
type UserRef = accounts.UserRef

// NewUser is what registration asks for. Alias: moved to models/accounts.
type NewUser = accounts.NewUser

// Registration is what a sign-up through the web form did. Alias: moved to models/accounts.
type Registration = accounts.Registration

// ThrottledError is ErrThrottled with the time until an attempt is
// accepted again. Alias: moved to models/accounts.
type ThrottledError = accounts.ThrottledError

// ThrottleAddress is the address per-address limits key on (accounts.ThrottleAddress).
func ThrottleAddress(ip string) string { return accounts.ThrottleAddress(ip) }

// userColumns and scanUser read a whole account (accounts.UserColumns, accounts.ScanUser).
const userColumns = accounts.UserColumns

func scanUser(row interface{ Scan(...any) error }) (*User, error) { return accounts.ScanUser(row) }

// usernamePattern is what a username may be (accounts.UsernamePattern).
var usernamePattern = accounts.UsernamePattern

// checkUnique adds to v what of n's name and address are taken (accounts.CheckUnique).
func checkUnique(ctx context.Context, q dbtx, v validator, n NewUser) error {
	return accounts.CheckUnique(ctx, q, v, n)
}

// accountLocks are the locks of a new account's name and address (accounts.AccountLocks).
func accountLocks(n NewUser) []string { return accounts.AccountLocks(n) }

// scanPrefix scans one leading column, then a whole account (accounts.ScanPrefix).
type scanPrefix = accounts.ScanPrefix

// validEmail reports whether s is one plain email address (accounts.ValidEmail).
func validEmail(s string) bool { return accounts.ValidEmail(s) }

// newAccounts is the store's accounts (models/accounts): over its database,
// with its clock, the errors the web layer knows, the site settings, the
// kept secrets, and the notify, audit-log and outbox steps they call in
// their transactions.
func (s *Store) newAccounts() *accounts.Accounts {
	return accounts.New(s.db, accounts.Deps{
		Now:       s.now,
		NotFound:  ErrNotFound,
		Forbidden: ErrForbidden,
		Refusal: func(until time.Time, why string) error {
			return suspendedErr(&User{SuspendedUntil: until, SuspendReason: why}, s.now())
		},
		Settings: func(ctx context.Context, q accounts.Queryer) (accounts.Settings, error) {
			set, err := readSiteSettings(ctx, q)
			if err != nil {
				return accounts.Settings{}, err
			}
			return accounts.Settings{AmbassadorDomains: set.AmbassadorDomains, AmbassadorDomain: set.AmbassadorDomain,
				StandingDays: set.StandingDays, StandingReputation: set.StandingReputation,
				SuperuserThreshold: set.SuperuserThreshold, VerifyEmail: set.VerifyEmail}, nil
		},
		Secret: s.SettingOrCreate,
		Promoted: func(ctx context.Context, tx *sql.Tx, userID int64, text string) error {
			return s.notify(ctx, tx, userID, 0, NotifyPromotion, 0, 0, text)
		},
		Log: func(ctx context.Context, tx *sql.Tx, actor *User, action, targetType string, targetID int64, reason string) error {
			return logAction(ctx, tx, s.now(), actor, action, targetType, targetID, reason)
		},
		QueueEmail:   func(ctx context.Context, tx *sql.Tx, e accounts.Email) error { return s.queueEmail(ctx, tx, Email(e)) },
		PasswordCost: func() int { return s.opts.PasswordCost },
		WriteFault:   func(err error) bool { return WriteFaultOf(err) != FaultNone },
	})
}
