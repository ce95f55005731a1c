package accounts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models/invalid"
	"github.com/crowdcare/crowdcare/models/notallowed"
	"github.com/crowdcare/crowdcare/models/policy"
)

// AmbassadorLinkTTL is how long a verification link works.
const AmbassadorLinkTTL = 24 * time.Hour

// RequestAmbassador starts verification of a work address on an allowed
// domain: it stores a one-time token and queues the email with its link,
// which compose writes, in one transaction; the mail worker sends it. The
// token is returned for tests.
func (a *Accounts) RequestAmbassador(ctx context.Context, u *User, workEmail string, compose func(token string) (subject, body string)) (string, error) {
	if err := a.suspended(u); err != nil {
		return "", err
	}
	workEmail = strings.ToLower(strings.TrimSpace(workEmail))
	set, err := a.deps.Settings(ctx, a.db.Primary())
	if err != nil {
		return "", err
	}
	v := validator{}
	_, perr := mail.ParseAddress(workEmail)
	v.Check(perr == nil && strings.Count(workEmail, "@") == 1, "work_email", "Enter your work email address.")
	v.Check(len(set.AmbassadorDomains) > 0, "work_email", "The ambassador programme is not open: no company domains are configured.")
	if perr == nil && len(set.AmbassadorDomains) > 0 {
		v.Check(set.AmbassadorDomain(workEmail), "work_email",
			"That address is not on a company domain ("+strings.Join(set.AmbassadorDomains, ", ")+").")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	subject, text := compose(token)
	// The member's links are counted, then one added: their lock orders requests at once.
	err = a.db.InLockedTx(ctx, []string{"ambassador:" + strconv.FormatInt(u.ID, 10)}, func(tx *sql.Tx) error {
		// The role as stored: the request's copy of a staff member whose
		// session is not proved yet reads as a member's.
		var role policy.Role
		if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = ?`, u.ID).Scan(&role); err != nil {
			return err
		}
		if role == policy.RoleAmbassador || role == policy.RoleModerator || role == policy.RoleAdmin {
			return &notallowed.Error{Kind: notallowed.AlreadyStaff}
		}
		var recent int
		now := a.now()
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ambassador_tokens WHERE user_id = ? AND created_at > ?`,
			u.ID, now.Add(-time.Hour).Unix()).Scan(&recent); err != nil {
			return err
		}
		if recent >= 3 {
			return &notallowed.Error{Kind: notallowed.LinksPerHour}
		}
		expires := now.Add(AmbassadorLinkTTL)
		if _, err := tx.ExecContext(ctx, `INSERT INTO ambassador_tokens (user_id, email, token_hash, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?)`, u.ID, workEmail, HashToken(token), expires.Unix(), now.Unix()); err != nil {
			return fmt.Errorf("store ambassador token: %w", err)
		}
		return a.deps.QueueEmail(ctx, tx, Email{Kind: EmailAmbassadorVerification, To: workEmail, Subject: subject, Body: text, Expires: expires})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// VerifyAmbassador uses a link: the logged-in user who asked for it becomes
// an ambassador. Links work once, expire, and belong to one user; a
// suspended account cannot use one.
func (a *Accounts) VerifyAmbassador(ctx context.Context, u *User, token string) error {
	if err := a.suspended(u); err != nil {
		return err
	}
	return a.db.InTx(ctx, func(tx *sql.Tx) error {
		// The domains as the write sees them: one an admin removed
		// meanwhile verifies nobody.
		set, err := a.deps.Settings(ctx, tx)
		if err != nil {
			return err
		}
		var id, userID, expires int64
		var email string
		var used sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT id, user_id, email, expires_at, used_at FROM ambassador_tokens WHERE token_hash = ?`,
			HashToken(token)).Scan(&id, &userID, &email, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLinkInvalid
		}
		if err != nil {
			return err
		}
		if userID != u.ID || used.Valid || a.now().Unix() > expires || !set.AmbassadorDomain(email) {
			return ErrLinkInvalid
		}
		if err := a.execOne(ctx, tx, `UPDATE ambassador_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL`, a.now().Unix(), id); errors.Is(err, a.deps.NotFound) {
			return ErrLinkInvalid
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET work_email = ?,
			role = CASE WHEN role IN ('member', 'superuser') THEN 'ambassador' ELSE role END WHERE id = ?`, email, u.ID); err != nil {
			return err
		}
		if err := a.deps.Promoted(ctx, tx, u.ID, "Your work address is verified: you are now an ambassador."); err != nil {
			return err
		}
		return a.deps.Log(ctx, tx, u, "verify_ambassador", "user", u.ID, email)
	})
}

// SetUserRole is an admin granting or revoking a role, with a reason for the log.
func (a *Accounts) SetUserRole(ctx context.Context, actor *User, userID int64, role policy.Role, reason string) error {
	if !actor.Can(policy.PermManageRoles) {
		return a.deps.Forbidden
	}
	if _, ok := policy.ParseRole(string(role)); !ok {
		return &invalid.Error{Fields: map[string]string{"role": "Choose a role."}}
	}
	if !policy.MaySetRole(actor.Actor(), (&User{ID: userID}).Account()) {
		return &notallowed.Error{Kind: notallowed.OwnRole}
	}
	return a.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, string(role), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return a.deps.NotFound
		}
		return a.deps.Log(ctx, tx, actor, "set_role", "user", userID, string(role)+". "+strings.TrimSpace(reason))
	})
}

// AmbassadorRequest is a verification link that was sent and not used.
type AmbassadorRequest struct {
	User      UserRef
	Email     string
	ExpiresAt time.Time
	Expired   bool
}

// PendingAmbassadors lists unused verification links, newest first.
func (a *Accounts) PendingAmbassadors(ctx context.Context) ([]AmbassadorRequest, error) {
	rows, err := a.db.Reader(ctx).QueryContext(ctx, `SELECT u.id, u.username, u.role, a.email, a.expires_at FROM ambassador_tokens a
		JOIN users u ON u.id = a.user_id WHERE a.used_at IS NULL AND u.role NOT IN ('ambassador', 'moderator', 'admin')
		ORDER BY a.id DESC LIMIT 200`)
	if err != nil {
		return nil, fmt.Errorf("list pending ambassadors: %w", err)
	}
	defer rows.Close()
	var out []AmbassadorRequest
	for rows.Next() {
		var r AmbassadorRequest
		var role string
		var exp int64
		if err := rows.Scan(&r.User.ID, &r.User.Username, &role, &r.Email, &exp); err != nil {
			return nil, err
		}
		r.User.Role, r.ExpiresAt = policy.Role(role), time.Unix(exp, 0)
		r.Expired = a.now().After(r.ExpiresAt)
		out = append(out, r)
	}
	return out, rows.Err()
}

// UsersWithRole lists users with a role, imported profiles included (staff lists).
func (a *Accounts) UsersWithRole(ctx context.Context, role policy.Role) ([]*User, error) {
	return a.usersWhere(ctx, `role = ?`, string(role))
}

// usersWhere lists the users a condition selects, by name.
func (a *Accounts) usersWhere(ctx context.Context, where string, args ...any) ([]*User, error) {
	rows, err := a.db.Reader(ctx).QueryContext(ctx, `SELECT `+UserColumns+` FROM users WHERE `+where+` ORDER BY lower(username) LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := ScanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// VerifiedAmbassadors lists the public ambassador directory: employees who
// verified a work address or were made ambassadors by an admin. Profiles
// imported from X are left out, the brand's own account too: it is not a
// person, and another company's support account never belongs there.
func (a *Accounts) VerifiedAmbassadors(ctx context.Context) ([]*User, error) {
	return a.usersWhere(ctx, `role = ? AND imported = 0`, string(policy.RoleAmbassador))
}
