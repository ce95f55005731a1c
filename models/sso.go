package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// ExternalIdentity is what a company's identity provider vouched for at a
// single sign-on: who the person is there (issuer and subject), the email
// address it asserts and whether it verified it, and the role its claims
// map to. The web layer checked the token; this is the result.
type ExternalIdentity struct {
	Issuer            string
	Subject           string
	Email             string
	EmailVerified     bool   // the provider says it verified Email
	Name              string // the person's name, for a new account's display name
	PreferredUsername string // a username suggestion for a new account
	// Role is the role the provider's claims map to at this sign-in:
	// RoleAmbassador, RoleModerator, or "" for none. It is granted at each
	// sign-in and revoked at the first one without it (applySSORole).
	Role Role
	// RoleClaim names the claim that granted Role, for the audit log.
	RoleClaim string
}

func (id ExternalIdentity) identity() Identity {
	return Identity{Issuer: id.Issuer, Subject: id.Subject, Email: id.Email}
}

// SSONext says what a sign-in by an identity that no account has yet needs.
type SSONext int

const (
	// SSOSignedIn: the identity is linked; the user is signed in.
	SSOSignedIn SSONext = iota
	// SSOConfirmPassword: an account has the verified address; its owner
	// confirms with the account's password before the identity is linked.
	SSOConfirmPassword
	// SSOChooseUsername: nobody has the address; a new account is made
	// once the person chooses a username.
	SSOChooseUsername
)

// ErrEmailUnverified refuses a first sign-in whose provider did not say it
// verified the email address: such an address is never matched to an
// account, nor given to a new one.
var ErrEmailUnverified = errors.New("the identity provider did not verify the email address")

// SSOSignIn is the start of a single sign-on, once the provider's token was
// checked. For a linked identity the roles are brought in line with the
// claims, the link's email refreshed, and the user returned (SSOSignedIn).
// Otherwise nothing is written: SSOConfirmPassword with the account that
// has the (verified) address, or SSOChooseUsername; an unverified address
// is ErrEmailUnverified.
func (s *Store) SSOSignIn(ctx context.Context, id ExternalIdentity) (SSONext, *User, error) {
	if id.Issuer == "" || id.Subject == "" {
		return 0, nil, fmt.Errorf("sso sign-in: issuer and subject are required")
	}
	u, err := s.UserByIdentity(ctx, id.Issuer, id.Subject)
	switch {
	case err == nil:
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if err := s.linkIdentity(ctx, tx, u, id.identity()); err != nil {
				return err
			}
			return s.applySSORole(ctx, tx, u.ID, id)
		})
		if err != nil {
			return 0, nil, fmt.Errorf("sso sign-in of %d: %w", u.ID, err)
		}
		u, err = s.UserByID(ctx, u.ID)
		return SSOSignedIn, u, err
	case !errors.Is(err, ErrNotFound):
		return 0, nil, err
	}
	if !id.EmailVerified || !validEmail(strings.TrimSpace(id.Email)) {
		return 0, nil, ErrEmailUnverified
	}
	u, err = scanUser(s.db.Primary().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower(?)`, strings.TrimSpace(id.Email)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return SSOChooseUsername, nil, nil
	case err != nil:
		return 0, nil, fmt.Errorf("sso sign-in: find %q: %w", id.Email, err)
	case u.Imported || u.Deleted():
		return 0, nil, &ErrNotAllowed{Kind: notallowed.AddressCannotSignIn}
	}
	return SSOConfirmPassword, u, nil
}

// LinkWithPassword links the identity to the account that has its address,
// once its owner confirmed the account's password. The password is checked
// as a login from ip is (Authenticate: throttled alike): ErrBadCredentials
// or a *ThrottledError. The link and the claims' role are written together.
func (s *Store) LinkWithPassword(ctx context.Context, id ExternalIdentity, userID int64, password, ip string) (*User, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !id.EmailVerified || !strings.EqualFold(strings.TrimSpace(id.Email), u.Email) {
		return nil, ErrEmailUnverified // the address changed since the sign-in began
	}
	if _, err := s.Authenticate(ctx, u.Username, password, ip); err != nil {
		return nil, err
	}
	if u.Deleted() || u.Imported {
		return nil, &ErrNotAllowed{Kind: notallowed.CannotSignIn}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.linkIdentity(ctx, tx, u, id.identity()); err != nil {
			return err
		}
		return s.applySSORole(ctx, tx, u.ID, id)
	})
	if err != nil {
		return nil, fmt.Errorf("link identity to %d: %w", u.ID, err)
	}
	return s.UserByID(ctx, u.ID)
}

// CreateSSOUser makes the account of someone whose provider vouched for
// them and whose address no account has: the username they chose, the
// verified address, their name as the display name, no password (they
// sign in through the provider, or set one with "forgot password"), the
// identity linked and the claims' role granted, in one transaction.
func (s *Store) CreateSSOUser(ctx context.Context, id ExternalIdentity, username string) (*User, error) {
	n := NewUser{Username: username, Email: id.Email, Role: RoleMember}
	n.Normalize()
	if !id.EmailVerified || !validEmail(n.Email) {
		return nil, ErrEmailUnverified
	}
	v := validator{}
	v.Check(n.Username != "", "username", "Choose a username.")
	v.Check(usernamePattern.MatchString(n.Username), "username",
		"Use 3–30 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit.")
	v.Check(!strings.HasPrefix(strings.ToLower(n.Username), DeletedUsernamePrefix), "username", "That username is reserved.")
	if err := checkUnique(ctx, s.db.Primary(), v, n); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(cleanText(id.Name))
	if utf8.RuneCountInString(name) > 50 {
		name = string([]rune(name)[:50])
	}
	now := s.now()
	var uid int64
	err := s.inLockedTx(ctx, accountLocks(n), func(tx *sql.Tx) error {
		if err := checkUnique(ctx, tx, v, n); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		// An empty password hash matches no password: the login form refuses it.
		if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, email, password_hash, role, created_at, email_verified_at, display_name)
			VALUES (?, ?, '', 'member', ?, ?, ?) RETURNING id`, n.Username, n.Email, now.Unix(), now.Unix(), name).Scan(&uid); err != nil {
			return err
		}
		if err := s.linkIdentity(ctx, tx, &User{ID: uid}, id.identity()); err != nil {
			return err
		}
		return s.applySSORole(ctx, tx, uid, id)
	})
	if db.IsUnique(err) {
		// Taken meanwhile by a write outside the locks: answered as a taken name is.
		if err := checkUnique(ctx, s.db.Primary(), v, n); err != nil {
			return nil, err
		}
		if verr := v.Err(); verr != nil {
			return nil, verr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create sso user %q: %w", n.Username, err)
	}
	return s.UserByID(ctx, uid)
}

// SSOUsernameSuggestion turns what a provider calls a person into a
// username the sign-up form can offer: its allowed characters, 3 to 30 of
// them, or "" when nothing usable is left.
func SSOUsernameSuggestion(preferred, email string) string {
	for _, cand := range []string{preferred, strings.SplitN(email, "@", 2)[0]} {
		cand, _, _ = strings.Cut(cand, "@")
		var b strings.Builder
		for _, r := range cand {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('.')
			}
		}
		u := strings.Trim(b.String(), "._-")
		if len(u) > 30 {
			u = strings.TrimRight(u[:30], "._-")
		}
		if usernamePattern.MatchString(u) && !strings.HasPrefix(strings.ToLower(u), DeletedUsernamePrefix) {
			return u
		}
	}
	return ""
}

// ssoAuditLabel names the identity provider as the actor of the role
// changes its claims make.
const ssoAuditLabel = "company sign-in"

// roleRank orders roles from least to most trusted (Roles).
func roleRank(r Role) int { return slices.Index(Roles(), r) }

// applySSORole brings an account's role in line with the claims of a
// sign-in. A role the claims map to is granted when it is above the role
// the account has apart from them; the one it replaces is kept and comes
// back at the first sign-in without the claim (revocation). A grant counts
// as the provider's only while the account still has that role: a role an
// admin set since is the admin's, and stays. Admins are never changed by
// a claim. Each change is audited, with the provider as its actor.
func (s *Store) applySSORole(ctx context.Context, tx *sql.Tx, userID int64, id ExternalIdentity) error {
	var role, granted, prior string
	if err := tx.QueryRowContext(ctx, `SELECT role, sso_role, sso_prior_role FROM users WHERE id = ?`, userID).Scan(&role, &granted, &prior); err != nil {
		return fmt.Errorf("sso role of %d: %w", userID, err)
	}
	managed := granted != "" && granted == role
	base := Role(role)
	if managed {
		base = Role(prior)
		if _, ok := ParseRole(prior); !ok {
			base = RoleMember
		}
	}
	now := s.now()
	set := func(newRole Role, newGranted, newPrior string) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, sso_role = ?, sso_prior_role = ? WHERE id = ?`,
			string(newRole), newGranted, newPrior, userID)
		return err
	}
	want := id.Role
	if want != RoleAmbassador && want != RoleModerator {
		want = ""
	}
	switch {
	case Role(role) == RoleAdmin:
		if granted != "" {
			return set(RoleAdmin, "", "")
		}
		return nil
	case want != "" && roleRank(want) > roleRank(base):
		if managed && Role(role) == want {
			return nil // granted already
		}
		if err := set(want, string(want), string(base)); err != nil {
			return err
		}
		return logUnattributed(ctx, tx, now, ssoAuditLabel, "sso_grant_role", "user", userID, string(want)+" ("+id.RoleClaim+")")
	case managed:
		if err := set(base, "", ""); err != nil {
			return err
		}
		return logUnattributed(ctx, tx, now, ssoAuditLabel, "sso_revoke_role", "user", userID, role+" (claim gone)")
	case granted != "":
		return set(Role(role), "", "") // an admin changed the role since: theirs now
	}
	return nil
}
