package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/invalid"
	"github.com/crowdcare/crowdcare/models/markup"
	"github.com/crowdcare/crowdcare/models/policy"
)

// UserColumns are the users table's columns ScanUser reads, in its order
// (what models' other queries of a whole account select too).
const UserColumns = `id, username, email, role, session_epoch, created_at, COALESCE(suspended_until, 0), suspend_reason,
	` + publicReputation + `, private_reputation, work_email, email_notifications, imported, x_handle, x_user_id,
	display_name, bio, avatar_url, COALESCE(email_verified_at, 0), COALESCE(deleted_at, 0)`

// ScanUser reads a row of UserColumns.
func ScanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var role string
	var created, suspended, verified, deleted int64
	if err := row.Scan(&u.ID, &u.Username, &u.Email, &role, &u.SessionEpoch, &created, &suspended, &u.SuspendReason,
		&u.Reputation, &u.PrivateReputation, &u.WorkEmail, &u.EmailNotifications, &u.Imported, &u.XHandle, &u.XUserID,
		&u.DisplayName, &u.Bio, &u.AvatarURL, &verified, &deleted); err != nil {
		return nil, err
	}
	u.Role = policy.Role(role)
	u.CreatedAt = time.Unix(created, 0)
	if suspended != 0 {
		u.SuspendedUntil = time.Unix(suspended, 0)
	}
	if verified != 0 {
		u.EmailVerifiedAt = time.Unix(verified, 0)
	}
	if deleted != 0 {
		u.DeletedAt = time.Unix(deleted, 0)
	}
	return &u, nil
}

// Password limits. bcrypt reads at most 72 bytes, so a longer password is
// refused rather than silently truncated.
const (
	PasswordMinLen = 8
	PasswordMaxLen = 72
)

// ErrBadCredentials is returned for an unknown user or a wrong password alike.
var ErrBadCredentials = errors.New("wrong username or password")

// UsernamePattern is what a username may be: 3–30 letters, digits, dots,
// dashes or underscores, starting and ending with a letter or digit.
var UsernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{1,28}[A-Za-z0-9]$`)

// ValidEmail reports whether s is one plain email address, as forms take it.
func ValidEmail(s string) bool {
	_, err := mail.ParseAddress(s)
	return err == nil && strings.Contains(s, "@") && !strings.ContainsAny(s, " <>") && len(s) <= 254
}

// NewUser is what registration asks for.
type NewUser struct {
	Username string
	Email    string
	Password string
	Role     policy.Role
}

// Normalize cleans and trims the name and address, and makes a member by default.
func (n *NewUser) Normalize() {
	n.Username = strings.TrimSpace(markup.CleanText(n.Username))
	n.Email = strings.TrimSpace(markup.CleanText(n.Email))
	if n.Role == "" {
		n.Role = policy.RoleMember
	}
}

func (n NewUser) validate() validator {
	v := validator{}
	v.Check(n.Username != "", "username", "Choose a username.")
	v.Check(UsernamePattern.MatchString(n.Username), "username",
		"Use 3–30 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit.")
	v.Check(!strings.HasPrefix(strings.ToLower(n.Username), DeletedUsernamePrefix), "username", "That username is reserved.")
	CheckEmail(v, "email", n.Email)
	CheckPassword(v, "password", n.Password)
	_, ok := policy.ParseRole(string(n.Role))
	v.Check(ok, "role", "Unknown role.")
	return v
}

// CreateUser registers an account. Username and email are unique regardless of case.
func (a *Accounts) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	n.Normalize()
	v := n.validate()
	if err := a.refuseNew(ctx, v, n); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), a.deps.PasswordCost())
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	now := a.now()
	var id int64
	err = a.db.InLockedTx(ctx, AccountLocks(n), func(tx *sql.Tx) error {
		// Checked again inside the write transaction: another registration may have won the race.
		if err := CheckUnique(ctx, tx, v, n); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		// Made by an operator or an admin, who vouch for the address.
		return tx.QueryRowContext(ctx,
			`INSERT INTO users (username, email, password_hash, role, created_at, email_verified_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			n.Username, n.Email, string(hash), string(n.Role), now.Unix(), now.Unix()).Scan(&id)
	})
	if db.IsUnique(err) {
		// Taken meanwhile by a write outside the locks: answered as a taken name is.
		if err := a.refuseNew(ctx, v, n); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create user %q: %w", n.Username, err)
	}
	at := time.Unix(now.Unix(), 0)
	return &User{ID: id, Username: n.Username, Email: n.Email, Role: n.Role, CreatedAt: at, EmailVerifiedAt: at}, nil
}

// CreateSeededUser is CreateUser for the demo's seeder (models.Seeder):
// hash gives the password's hash (the seeder hashes each distinct password
// once: a demo's accounts share one, and bcrypt at the real cost takes a
// quarter of a second per account), and the row is written on the writer
// in one statement, without the locks (the seeder writes alone). Demo
// accounts vouch for their addresses, as accounts an operator makes do: a
// demo member can post at once.
func (a *Accounts) CreateSeededUser(ctx context.Context, n NewUser, hash func(password string) ([]byte, error)) (*User, error) {
	n.Normalize()
	v := n.validate()
	if err := a.refuseNew(ctx, v, n); err != nil {
		return nil, err
	}
	h, err := hash(n.Password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	now := a.now()
	var id int64
	if err := a.db.W().QueryRowContext(ctx,
		`INSERT INTO users (username, email, password_hash, role, created_at, email_verified_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		n.Username, n.Email, string(h), string(n.Role), now.Unix(), now.Unix()).Scan(&id); err != nil {
		return nil, fmt.Errorf("create user %q: %w", n.Username, err)
	}
	at := time.Unix(now.Unix(), 0)
	return &User{ID: id, Username: n.Username, Email: n.Email, Role: n.Role, CreatedAt: at, EmailVerifiedAt: at}, nil
}

// AccountLocks are the locks of a new account's username and address
// (inLockedTx): sign-ups of one name or address at once (the form, the
// command line, company sign-in) wait for each other, and the later finds
// the name taken. A unique violation can still come from a write outside
// them (an address change); the callers answer it as a taken name.
func AccountLocks(n NewUser) []string {
	return []string{"username:" + strings.ToLower(n.Username), "email:" + strings.ToLower(n.Email)}
}

// QueryRower reads one row: a pool or a transaction.
type QueryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// refuseNew is the form's refusal of a new account: its mistakes (v) and
// a taken name or address, reported together rather than one at a time.
func (a *Accounts) refuseNew(ctx context.Context, v validator, n NewUser) error {
	if err := CheckUnique(ctx, a.db.Primary(), v, n); err != nil {
		return err
	}
	return v.Err()
}

// CheckUnique adds to v what of n's username and address already belong
// to an account, ignoring case, read through q.
func CheckUnique(ctx context.Context, q QueryRower, v map[string]string, n NewUser) error {
	nameTaken, emailTaken, err := taken(ctx, q, n)
	if err != nil {
		return err
	}
	validator(v).Check(!nameTaken, "username", "That username is taken.")
	validator(v).Check(!emailTaken, "email", "An account with that email already exists.")
	return nil
}

// taken reports whether n's username and email already belong to accounts, ignoring case.
func taken(ctx context.Context, q QueryRower, n NewUser) (name, email bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(?)),
		EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(?))`, n.Username, n.Email).Scan(&name, &email)
	if err != nil {
		return false, false, fmt.Errorf("check unique user: %w", err)
	}
	return name, email, nil
}

// Registration is what a sign-up through the web form did.
type Registration struct {
	// User is the new account, or (Created false) the one that already has
	// the email address: the caller emails its owner instead.
	User    *User
	Created bool
	// VerifyToken is the secret of the link that verifies a new account's
	// address (valid VerifyLinkTTL), for the welcome email; "" otherwise.
	VerifyToken string
}

// registrationWindow is the time over which Register counts an address's sign-ups.
const registrationWindow = 24 * time.Hour

// Register is a sign-up from the web form, as a member. It refuses with
// ErrThrottled once perDay sign-ups came from ip in 24 hours (perDay <= 0:
// no limit), before hashing the password; the count is kept in the
// database and checked again in the write transaction.
// ip counts as its login-throttle address (an IPv6 address's /64).
// A taken username is a validation error (usernames are public); a taken
// email address is not: nothing is created and Created is false, so the
// page can answer as for a new account and not tell whose address it is.
// The password is hashed either way, so both take as long.
func (a *Accounts) Register(ctx context.Context, n NewUser, ip string, perDay int) (Registration, error) {
	n.Role = policy.RoleMember
	n.Normalize()
	ip = ThrottleAddress(ip)
	v := n.validate()
	nameTaken, _, err := taken(ctx, a.db.Primary(), n)
	if err != nil {
		return Registration{}, err
	}
	v.Check(!nameTaken, "username", "That username is taken.")
	if err := v.Err(); err != nil {
		return Registration{}, err
	}
	now := a.now()
	since := now.Add(-registrationWindow).Unix()
	// limited counts the address's sign-ups: read first, so a sign-up over
	// the limit costs no password hash, and again in the write transaction,
	// so parallel ones cannot all slip under it.
	limited := func(q QueryRower) error {
		if perDay <= 0 {
			return nil
		}
		var recent int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM registrations WHERE ip = ? AND at > ?`, ip, since).Scan(&recent); err != nil {
			return fmt.Errorf("count sign-ups: %w", err)
		}
		if recent >= perDay {
			return ErrThrottled
		}
		return nil
	}
	if err := limited(a.db.Primary()); err != nil {
		return Registration{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), a.deps.PasswordCost())
	if err != nil {
		return Registration{}, fmt.Errorf("hash password: %w", err)
	}
	token, tokenHash, err := a.NewToken()
	if err != nil {
		return Registration{}, err
	}
	var reg Registration
	// The address's sign-ups are counted, then one added; the name and
	// email are checked, then taken: their locks order sign-ups at once.
	lock := append(AccountLocks(n), "register:"+ip)
	err = a.db.InLockedTx(ctx, lock, func(tx *sql.Tx) error {
		if err := limited(tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE at <= ?`, since); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO registrations (ip, at) VALUES (?, ?)`, ip, now.Unix()); err != nil {
			return err
		}
		// Checked again inside the write transaction: another sign-up may have won the race.
		nameTaken, emailTaken, err := taken(ctx, tx, n)
		if err != nil {
			return err
		}
		if nameTaken {
			return &invalid.Error{Fields: map[string]string{"username": "That username is taken."}}
		}
		if emailTaken {
			owner, err := ScanUser(tx.QueryRowContext(ctx, `SELECT `+UserColumns+` FROM users WHERE lower(email) = lower(?)`, n.Email))
			reg = Registration{User: owner}
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO users (username, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			n.Username, n.Email, string(hash), string(n.Role), now.Unix()).Scan(&id); err != nil {
			return err
		}
		reg = Registration{User: &User{ID: id, Username: n.Username, Email: n.Email, Role: n.Role,
			CreatedAt: time.Unix(now.Unix(), 0)}, Created: true, VerifyToken: token}
		_, err = a.IssueToken(ctx, tx, TokenVerifyEmail, id, n.Email, tokenHash, VerifyLinkTTL)
		return err
	})
	if errors.Is(err, ErrThrottled) {
		return Registration{}, ErrThrottled
	}
	if db.IsUnique(err) {
		// Taken meanwhile by a write outside the locks: answered as above.
		nameTaken, emailTaken, terr := taken(ctx, a.db.Primary(), n)
		switch {
		case terr != nil:
			return Registration{}, terr
		case nameTaken:
			return Registration{}, &invalid.Error{Fields: map[string]string{"username": "That username is taken."}}
		case emailTaken:
			owner, err := ScanUser(a.db.Primary().QueryRowContext(ctx, `SELECT `+UserColumns+` FROM users WHERE lower(email) = lower(?)`, n.Email))
			if err != nil {
				return Registration{}, fmt.Errorf("register %q: %w", n.Username, err)
			}
			return Registration{User: owner}, nil
		}
	}
	if err != nil {
		return Registration{}, fmt.Errorf("register %q: %w", n.Username, err)
	}
	return reg, nil
}

// UserByID loads a user.
func (a *Accounts) UserByID(ctx context.Context, id int64) (*User, error) {
	u, err := ScanUser(a.db.Primary().QueryRowContext(ctx, `SELECT `+UserColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, a.deps.NotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return u, nil
}

// UserByUsername loads a user by name, ignoring case.
func (a *Accounts) UserByUsername(ctx context.Context, username string) (*User, error) {
	u, err := ScanUser(a.db.Primary().QueryRowContext(ctx, `SELECT `+UserColumns+` FROM users WHERE lower(username) = lower(?)`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, a.deps.NotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load user %q: %w", username, err)
	}
	return u, nil
}

// SetRole changes a user's role.
func (a *Accounts) SetRole(ctx context.Context, username string, role policy.Role) error {
	if _, ok := policy.ParseRole(string(role)); !ok {
		return &invalid.Error{Fields: map[string]string{"role": fmt.Sprintf("Unknown role %q.", role)}}
	}
	res, err := a.db.Exec(ctx, `UPDATE users SET role = ? WHERE lower(username) = lower(?)`, string(role), username)
	if err != nil {
		return fmt.Errorf("set role of %q: %w", username, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return a.deps.NotFound
	}
	return nil
}

// Login throttling. Failures are counted per pair of account and address,
// so an attacker's guesses slow down the attacker's address only: the
// owner logging in from anywhere else is not held up. After
// LoginFreeFailures for a pair, each further attempt from it must wait
// twice as long after the pair's latest failure as the one before (1 s,
// 2 s, 4 s, ... up to LoginMaxDelay). An address is also limited across
// accounts (credential stuffing). There is no limit per account alone: any
// such limit can be tripped by someone else and lock the owner out, which is
// what the pair throttle is there to avoid; guessing from many addresses is
// bounded per address and by bcrypt's cost.
const (
	LoginFreeFailures  = 5
	LoginMaxDelay      = 15 * time.Minute
	LoginMemory        = 24 * time.Hour   // how long a pair's failures count
	LoginWindow        = 15 * time.Minute // for the per-address limit
	LoginFailuresPerIP = 20
)

// ThrottledError is ErrThrottled with the time until an attempt is accepted again.
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many attempts: retry after %v", e.RetryAfter)
}
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// loginDelay is how long after its latest failure a pair with n failures waits.
func loginDelay(n int) time.Duration {
	switch {
	case n < LoginFreeFailures:
		return 0
	case n-LoginFreeFailures >= 10: // 2^10 s is past the cap
		return LoginMaxDelay
	}
	return min(time.Second<<(n-LoginFreeFailures), LoginMaxDelay)
}

// ThrottleAddress is the address per-address limits key on (logins,
// sign-ups, and the web layer's request limits): an IPv6 address's /64
// network, since one subscriber usually holds a whole /64, and IPv4
// addresses as they are.
func ThrottleAddress(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// Authenticate checks a username and password, refusing with a
// *ThrottledError (errors.Is ErrThrottled) while the pair of account and
// address must wait, or the address made too many failed attempts.
//
// Each attempt is recorded as a failure before the password is checked, in
// the same write transaction as the check, so parallel guesses cannot all
// slip under the limit; a correct password then clears the failures of its
// own pair only. Times are kept in whole seconds, so a delay may last up to
// a second longer. The writes are quiet commits: no page shows them, so a
// flood of guesses does not empty the page caches.
//
// When the database refuses the record (a full disk, a lock held past the
// wait: a WriteFault), the attempt fails open for the record only, never
// for the checks: the limits are checked by a read against the recorded
// failures and those this process keeps in memory while it cannot record
// them (unrecordedLogins), and the password is checked as always. Failing
// closed would lock everyone out, the admin who has to fix it too.
func (a *Accounts) Authenticate(ctx context.Context, username, password, ip string) (*User, error) {
	username = strings.TrimSpace(username)
	ip = ThrottleAddress(ip)
	now := a.now()
	recorded := true
	// Every limit counts the failures of one address: its lock orders the
	// attempts from it (and only them).
	lock := []string{"login:" + ip}
	err := a.db.InQuietLockedTx(ctx, lock, func(tx *sql.Tx) error {
		if err := a.loginAllowed(ctx, tx, username, ip, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (username, ip, at) VALUES (lower(?), ?, ?)`,
			username, ip, now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at < ?`, now.Add(-LoginMemory).Unix())
		return err
	})
	if a.deps.WriteFault(err) {
		recorded = false
		err = a.loginAllowed(ctx, a.db.Primary(), username, ip, now)
	}
	var te *ThrottledError
	if errors.As(err, &te) {
		return nil, te
	}
	if err != nil {
		return nil, fmt.Errorf("record login attempt: %w", err)
	}
	var hash string
	row := a.db.Primary().QueryRowContext(ctx, `SELECT password_hash, `+UserColumns+` FROM users WHERE lower(username) = lower(?)`, username)
	u, err := ScanUser(ScanPrefix{Row: row, First: &hash})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Spend the same time as a real check so response times do not reveal which names exist.
		a.dummyOnce.Do(func() {
			a.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user"), a.deps.PasswordCost())
		})
		_ = bcrypt.CompareHashAndPassword(a.dummyHash, []byte(password))
		if !recorded {
			a.logins.fail(username, ip, now)
		}
		return nil, ErrBadCredentials
	case err != nil:
		return nil, fmt.Errorf("load user %q: %w", username, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		if !recorded {
			a.logins.fail(username, ip, now)
		}
		return nil, ErrBadCredentials
	}
	if !recorded {
		a.logins.clear(username, ip)
		return u, nil // the recorded failures of the pair stay until they age out
	}
	err = a.db.InQuietLockedTx(ctx, lock, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = lower(?) AND ip = ?`, username, ip)
		return err
	})
	if err != nil && !a.deps.WriteFault(err) {
		return nil, fmt.Errorf("clear login failures: %w", err)
	}
	return u, nil
}

// loginAllowed refuses with a *ThrottledError while the pair of username
// and address must wait or the address made too many failed attempts,
// counting the recorded failures (read through q) and the unrecorded ones.
func (a *Accounts) loginAllowed(ctx context.Context, q db.Querier, username, ip string, now time.Time) error {
	var pairFails, ipFails int
	var pairLast, ipFirst int64
	if err := q.QueryRowContext(ctx, `SELECT p.n, p.last, a.n, a.first FROM
		(SELECT COUNT(*) AS n, COALESCE(MAX(at), 0) AS last FROM login_failures WHERE username = lower(?) AND ip = ? AND at > ?) p,
		(SELECT COUNT(*) AS n, COALESCE(MIN(at), 0) AS first FROM login_failures WHERE ip = ? AND at > ?) a`,
		username, ip, now.Add(-LoginMemory).Unix(), ip, now.Add(-LoginWindow).Unix()).Scan(&pairFails, &pairLast, &ipFails, &ipFirst); err != nil {
		return err
	}
	mem := a.logins.count(username, ip, now)
	pairFails += mem.pairFails
	pairLast = max(pairLast, mem.pairLast)
	if mem.ipFails > 0 {
		ipFails += mem.ipFails
		if ipFirst == 0 || mem.ipFirst < ipFirst {
			ipFirst = mem.ipFirst
		}
	}
	var wait time.Duration
	if d := loginDelay(pairFails); d > 0 {
		// The latest failure was at most a second after the second it is stored under.
		wait = time.Unix(pairLast+1, 0).Add(d).Sub(now)
	}
	if ipFails >= LoginFailuresPerIP {
		// Until the oldest failure in the window leaves it.
		wait = max(wait, time.Unix(ipFirst, 0).Add(LoginWindow).Sub(now), time.Second)
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// ScanPrefix scans one leading column into First, then the rest into the caller's targets.
type ScanPrefix struct {
	Row   *sql.Row
	First any
}

func (p ScanPrefix) Scan(dest ...any) error {
	return p.Row.Scan(append([]any{p.First}, dest...)...)
}

// CountUsers is the number of accounts.
func (a *Accounts) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := a.db.Primary().QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// ChangePassword replaces a password after checking the current one, and
// ends every session of the user (the caller starts a new one for the
// browser that asked).
//
// The current password is checked as a login from ip is (Authenticate), so
// a session in someone else's hands cannot guess it faster than the login
// form allows: a *ThrottledError while the account and address must wait.
func (a *Accounts) ChangePassword(ctx context.Context, u *User, current, next, ip string) (*User, error) {
	_, err := a.Authenticate(ctx, u.Username, current, ip)
	if err != nil && !errors.Is(err, ErrBadCredentials) {
		return nil, err
	}
	v := validator{}
	v.Check(err == nil, "current_password", "That is not your current password.")
	CheckPassword(v, "new_password", next)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := a.replacePassword(ctx, u, next, nil); err != nil {
		return nil, fmt.Errorf("change password: %w", err)
	}
	return a.UserByID(ctx, u.ID)
}

// EndAllSessions logs the user out on every device: their sessions are
// deleted and their session epoch moves on.
func (a *Accounts) EndAllSessions(ctx context.Context, u *User) error {
	err := a.db.InTx(ctx, func(tx *sql.Tx) error { return endSessionsTx(ctx, tx, u.ID) })
	if err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

// ErrThrottled is returned when too many attempts were made recently.
var ErrThrottled = errors.New("too many attempts")

// CheckEmail adds to v, under field, what is wrong with an email address
// (sign-up, a change, a reset request): the same rules everywhere.
func CheckEmail(v map[string]string, field, email string) {
	validator(v).Check(email != "", field, "Enter your email address.")
	validator(v).Check(ValidEmail(email), field, "Enter an email address like name@example.com.")
}

// CheckPassword adds to v, under field, what breaks the password rules
// (registration, a change, an admin's reset).
func CheckPassword(v map[string]string, field, password string) {
	validator(v).Check(utf8.RuneCountInString(password) >= PasswordMinLen, field, fmt.Sprintf("Use at least %d characters.", PasswordMinLen))
	validator(v).Check(len(password) <= PasswordMaxLen, field, fmt.Sprintf("Use at most %d bytes.", PasswordMaxLen))
}

// signIns is the state Authenticate keeps in this process: the dummy hash
// an unknown name is checked against, so a login for a name that does not
// exist costs as much as one that does (made on first use: at cost 12 it
// takes a quarter of a second, too long for start-up), and the failed
// logins the database could not record.
type signIns struct {
	dummyOnce sync.Once
	dummyHash []byte
	logins    unrecordedLogins
}
