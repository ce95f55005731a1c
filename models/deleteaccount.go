package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/notallowed"
)

// DeletedUsernamePrefix starts the username a deleted account gets
// (accounts.DeletedUsernamePrefix). Alias: moved to models/accounts.
const DeletedUsernamePrefix = accounts.DeletedUsernamePrefix

// DeletedMemberName is how a deleted account's kept posts are signed
// (accounts.DeletedMemberName). Alias: moved to models/accounts.
const DeletedMemberName = accounts.DeletedMemberName

// DeleteAccount is what a deletion asks for.
type DeleteAccount struct {
	// Password is the actor's own password, asked again before anything
	// this final: the member's for their account, the admin's for another's.
	Password string
	// IP is where the request came from: the password is checked as a
	// login from there is, so it cannot be guessed faster than there.
	IP string
	// RemovePosts erases the member's posts too; otherwise they stay,
	// signed "deleted member", so threads stay readable.
	RemovePosts bool
	// Reauthenticated: the member deleting their own account proved it is
	// them a moment ago, in this browser (the web layer checked a fresh
	// company sign-in, or their password), so it is not asked again; an
	// account made by company sign-in has no password to ask.
	Reauthenticated bool
}

// DeletedAccount is what a deletion leaves for the caller to do.
type DeletedAccount struct {
	// Files are the member's data exports, to remove from disk now (the
	// exports worker would also remove them as files no job needs).
	Files []string
}

// DeleteAccount erases an account's personal data in one transaction: by
// the member themselves (actor is the account) or by an admin (PermDeleteUsers,
// never their own account that way). The row stays, renamed
// deleted-member-<id> and emptied (email, names, bio, avatar, password,
// role, reputation), so kept posts keep an author; sessions, notifications,
// watches, votes and flags it gave, links and tokens, identities, exports,
// emails waiting for its addresses and failed logins under its name are
// deleted; votes keep counting without saying whose they were; its name and
// addresses are taken out of other members' notifications and the audit
// log. Posts stay as a deleted member's unless RemovePosts: then their text
// and revisions are erased, questions nobody else answered go from every
// list, and questions others answered stay so the answers do (the question
// shows as removed). KB articles keep their text either way, their author a
// deleted member. One audit line records it, with no personal data.
//
// The last admin cannot be deleted. A suspended member may delete their
// account (erasure is their right) but not remove their posts, which
// moderators may still need.
func (s *Store) DeleteAccount(ctx context.Context, actor *User, targetID int64, d DeleteAccount) (*DeletedAccount, error) {
	self := actor.ID == targetID
	if !self && !CanDeleteUser(actor, &User{ID: targetID}) {
		return nil, ErrForbidden
	}
	target, err := s.UserByID(ctx, targetID)
	if err != nil {
		return nil, err
	}
	if target.Deleted() {
		return nil, ErrNotFound
	}
	if self && d.RemovePosts && actor.Suspended(s.now()) {
		return nil, &ErrNotAllowed{Kind: notallowed.DeleteSuspended}
	}
	var authErr error
	if !self || !d.Reauthenticated {
		_, authErr = s.Authenticate(ctx, actor.Username, d.Password, d.IP)
	}
	var te *ThrottledError
	if errors.As(authErr, &te) {
		return nil, te
	}
	if authErr != nil && !errors.Is(authErr, ErrBadCredentials) {
		return nil, authErr
	}
	if authErr != nil {
		return nil, &ValidationError{Fields: map[string]string{"password": "That is not your password."}}
	}
	out := &DeletedAccount{}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out.Files, err = s.eraseAccount(ctx, tx, target, d.RemovePosts)
		if err != nil {
			return err
		}
		what := "posts kept as a deleted member's"
		if d.RemovePosts {
			what = "posts removed"
		}
		if !self {
			return logAction(ctx, tx, s.now(), actor, "delete_account", "user", targetID, "Deleted by an admin; "+what+".")
		}
		// The member's own line: their account is the (now nameless) actor.
		_, err = tx.ExecContext(ctx, `INSERT INTO mod_log (actor_id, action, target_type, target_id, reason, created_at)
			VALUES (?, 'delete_account', 'user', ?, ?, ?)`, targetID, targetID, "Deleted by the member; "+what+".", s.now().Unix())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete account %d: %w", targetID, err)
	}
	return out, nil
}

// eraseAccount does DeleteAccount's work in tx and returns the export files
// to remove.
func (s *Store) eraseAccount(ctx context.Context, tx *sql.Tx, u *User, removePosts bool) ([]string, error) {
	now := s.now().Unix()
	// Read inside the write, so nothing changed since the checks.
	var role string
	var deleted bool
	if err := tx.QueryRowContext(ctx, `SELECT role, deleted_at IS NOT NULL FROM users WHERE id = ?`, u.ID).Scan(&role, &deleted); err != nil {
		return nil, err
	}
	if deleted {
		return nil, ErrNotFound
	}
	if Role(role) == RoleAdmin {
		var others int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND deleted_at IS NULL AND id != ?`,
			u.ID).Scan(&others); err != nil {
			return nil, err
		}
		if others == 0 {
			return nil, &ErrNotAllowed{Kind: notallowed.LastAdmin}
		}
	}
	// Every address the account had or asked for, for the emails waiting
	// to go to them and the mentions to take out.
	addresses := []string{u.Email}
	if u.WorkEmail != "" {
		addresses = append(addresses, u.WorkEmail)
	}
	pending, err := column[string](tx.QueryContext(ctx, `SELECT email FROM account_tokens WHERE user_id = ? AND kind = ?
		UNION SELECT email FROM ambassador_tokens WHERE user_id = ?`, u.ID, TokenChangeEmail, u.ID))
	if err != nil {
		return nil, err
	}
	addresses = append(addresses, pending...)
	files, err := column[string](tx.QueryContext(ctx, `SELECT path FROM export_jobs WHERE user_id = ? AND path != ''`, u.ID))
	if err != nil {
		return nil, err
	}
	if removePosts {
		if err := s.removePostsOf(ctx, tx, u.ID); err != nil {
			return nil, err
		}
	}
	steps := []struct {
		q    string
		args []any
	}{
		// Others' votes for the account's posts stay; its own go, their counts stay.
		{`DELETE FROM votes WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM kb_votes WHERE voter = ?`, []any{"u:" + strconv.FormatInt(u.ID, 10)}},
		{`DELETE FROM reputation_events WHERE user_id = ?`, []any{u.ID}},
		{`UPDATE reputation_events SET actor_id = NULL WHERE actor_id = ?`, []any{u.ID}},
		{`DELETE FROM notifications WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM watches WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM user_groups WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM flags WHERE reporter_id = ?`, []any{u.ID}},
		{`DELETE FROM sessions WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM submission_keys WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM account_tokens WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM ambassador_tokens WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM user_identities WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM export_jobs WHERE user_id = ?`, []any{u.ID}},
		// Single sign-on and second factors (migration 0025).
		{`DELETE FROM login_challenges WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM totp_secrets WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM recovery_codes WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM passkeys WHERE user_id = ?`, []any{u.ID}},
		{`DELETE FROM second_factor_failures WHERE user_id = ?`, []any{u.ID}},
		{`UPDATE users SET sso_role = '', sso_prior_role = '' WHERE id = ?`, []any{u.ID}},
		// Their uploads (attachments, the avatar): the files are deleted from
		// the storage by the uploads cleaner, queued here with the rows' end.
		{`INSERT INTO upload_trash (key, queued_at) SELECT key, ? FROM attachments WHERE owner_id = ? ON CONFLICT DO NOTHING`, []any{now, u.ID}},
		{`UPDATE attachments SET removed_by = NULL WHERE removed_by = ?`, []any{u.ID}},
		{`DELETE FROM attachments WHERE owner_id = ?`, []any{u.ID}},
		{`DELETE FROM login_failures WHERE username IN (lower(?), lower(?))`, []any{u.Username, u.Email}},
		{`DELETE FROM account_requests WHERE key IN (?, ?)`, []any{emailKey(u.Email), emailChangeRequestBy + strconv.FormatInt(u.ID, 10)}},
		// Profiles imported from X that were linked to the account point nowhere now.
		{`UPDATE users SET linked_to = NULL WHERE linked_to = ?`, []any{u.ID}},
		{`UPDATE users SET username = ?, email = ?, password_hash = '', role = 'member', session_epoch = session_epoch + 1,
			suspended_until = NULL, suspend_reason = '', reputation = 0, private_reputation = 0, work_email = '',
			email_notifications = 0, x_handle = '', x_user_id = '', display_name = '', bio = '', avatar_url = '',
			email_verified_at = NULL, deleted_at = ? WHERE id = ?`,
			[]any{DeletedUsernamePrefix + strconv.FormatInt(u.ID, 10), DeletedUsernamePrefix + strconv.FormatInt(u.ID, 10), now, u.ID}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return nil, fmt.Errorf("erase account: %w", err)
		}
	}
	for _, a := range addresses {
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE lower(to_addr) = lower(?)`, a); err != nil {
			return nil, fmt.Errorf("erase account's emails: %w", err)
		}
		// A company sign-in under way that names the address (an identity
		// waiting for the password) is under no account yet: found by its
		// JSON, where an address's "&" is written \u0026.
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_challenges WHERE lower(data) LIKE lower(?) ESCAPE '\' OR lower(data) LIKE lower(?) ESCAPE '\'`,
			containing(a), containing(strings.ReplaceAll(a, "&", `\u0026`))); err != nil {
			return nil, fmt.Errorf("erase account's sign-ins under way: %w", err)
		}
	}
	// Other members' notifications about the account's actions begin with
	// its name ("alice answered your question …"); the audit log and flag
	// notes may name it or its addresses too.
	names := append([]string{u.Username}, addresses...)
	for _, col := range []struct{ table, column string }{{"notifications", "text"}, {"mod_log", "reason"}, {"flags", "note"}} {
		if err := scrubMentions(ctx, tx, col.table, col.column, names); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notifications SET actor_id = NULL WHERE actor_id = ?`, u.ID); err != nil {
		return nil, err
	}
	return files, nil
}

// removePostsOf erases the text of every post userID wrote, and its
// revisions. A question nobody else answered takes its thread out of every
// list (its title goes too); one that others answered stays, shown as
// removed, so their answers stay readable. An accepted answer no longer
// solves its thread; its KB article keeps its text.
func (s *Store) removePostsOf(ctx context.Context, tx *sql.Tx, userID int64) error {
	now := s.now().Unix()
	threads, err := txIDs(ctx, tx, `SELECT DISTINCT thread_id FROM posts WHERE author_id = ?`, userID)
	if err != nil {
		return err
	}
	// Each statement gets the arguments it names: PostgreSQL refuses more.
	steps := []struct {
		q    string
		args []any
	}{
		{`UPDATE threads SET deleted_at = COALESCE(deleted_at, ?2), title = 'Removed question', slug = 'removed-question'
			WHERE author_id = ?1 AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.thread_id = threads.id AND p.author_id != ?1)`, []any{userID, now}},
		{`UPDATE threads SET accepted_id = NULL, accepted_at = NULL, accepted_author_id = NULL
			WHERE accepted_id IN (SELECT id FROM posts WHERE author_id = ?)`, []any{userID}},
		{`DELETE FROM post_revisions WHERE post_id IN (SELECT id FROM posts WHERE author_id = ?)`, []any{userID}},
		{`UPDATE posts SET body_md = '', body_html = '', body_text = '', deleted_at = COALESCE(deleted_at, ?2) WHERE author_id = ?1`, []any{userID, now}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("remove posts of %d: %w", userID, err)
		}
	}
	for _, id := range threads {
		if err := s.refreshThread(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// scrubMentions replaces, in one text column of a table, each whole-word
// mention of the names (a username, an email address; any case) with
// "deleted member".
func scrubMentions(ctx context.Context, tx *sql.Tx, table, column string, names []string) error {
	for _, name := range names {
		if name == "" {
			continue
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, `+column+` FROM `+table+` WHERE lower(`+column+`) LIKE lower(?) ESCAPE '\' ORDER BY id`,
			containing(name))
		if err != nil {
			return fmt.Errorf("find mentions in %s: %w", table, err)
		}
		type change struct {
			id   int64
			text string
		}
		var changes []change
		for rows.Next() {
			var c change
			if err := rows.Scan(&c.id, &c.text); err != nil {
				rows.Close()
				return err
			}
			if t, ok := replaceWord(c.text, name, DeletedMemberName); ok {
				changes = append(changes, change{c.id, t})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range changes {
			if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+column+` = ? WHERE id = ?`, c.text, c.id); err != nil {
				return fmt.Errorf("scrub mention in %s: %w", table, err)
			}
		}
	}
	return nil
}

// containing is a LIKE pattern (with ESCAPE '\') that matches any text
// containing s: instr() is SQLite's, strpos() PostgreSQL's, LIKE both's.
func containing(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// replaceWord replaces each occurrence of word in s, ignoring case, that is
// not part of a longer name or address, and reports whether it replaced
// any. "@alice" and "alice." at the end of a sentence are mentions of
// alice; "alice2", "malice", "alice.b" and "alice@example.com" are not.
func replaceWord(s, word, with string) (string, bool) {
	lower, w := strings.ToLower(s), strings.ToLower(word)
	if len(lower) != len(s) {
		// Lower-casing changed the length (some non-ASCII letters): match on
		// the original, which a username or address written as given finds.
		lower, w = s, word
	}
	alnum := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }
	joiner := func(r rune) bool { return r == '.' || r == '-' }
	// continues reports whether the name goes on past end: a letter, or a
	// joiner followed by one, or an address's '@'.
	continues := func(end int) bool {
		r, n := utf8.DecodeRuneInString(s[end:])
		if n == 0 {
			return false
		}
		if alnum(r) || r == '@' {
			return true
		}
		next, m := utf8.DecodeRuneInString(s[end+n:])
		return joiner(r) && m > 0 && alnum(next)
	}
	// began reports whether a name runs into start from before it.
	began := func(start int) bool {
		r, n := utf8.DecodeLastRuneInString(s[:start])
		if n == 0 {
			return false
		}
		if alnum(r) {
			return true
		}
		prev, m := utf8.DecodeLastRuneInString(s[:start-n])
		return joiner(r) && m > 0 && alnum(prev)
	}
	var b strings.Builder
	changed := false
	i := 0
	for {
		j := strings.Index(lower[i:], w)
		if j < 0 || w == "" {
			break
		}
		start, end := i+j, i+j+len(w)
		if began(start) || continues(end) {
			b.WriteString(s[i:end])
			i = end
			continue
		}
		b.WriteString(s[i:start])
		b.WriteString(with)
		changed = true
		i = end
	}
	b.WriteString(s[i:])
	return b.String(), changed
}
