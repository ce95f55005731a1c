package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/social"
	"regexp"
	"strconv"
	"strings"
)

// Imported authors become placeholder profiles: "imported from X", no
// password, no login until an admin links one to a real account. An author
// is told apart by the X user id when the source gives one (API pages
// without their users, archives without account.js, the support CSV's
// anonymised ids), else by the handle; posts whose file names nobody share
// the one profile of UnknownXAuthor. A profile made from an id alone is
// called x-user-<id> and takes the handle, and the handle's name when that
// is free, when a later import brings it; a profile made from a handle alone
// takes the id when a post brings both. Only the brand's own handles (the
// import's brand handles) make ambassador profiles: the brand's official
// account. Other companies' support accounts are plain placeholders.

// authorWant is an imported author to find or make a profile for.
type authorWant struct {
	key      string // authorKey: one profile per key
	xid      string // X user id, UnknownXAuthor when nothing is known
	handle   string // without "@", "" when unknown
	official bool   // one of the brand's handles
}

// authorOf is who wrote an item.
func authorOf(it social.Item) authorWant {
	h := strings.TrimPrefix(strings.TrimSpace(it.Handle), "@")
	switch {
	case validXID(it.AuthorID): // items stored before ids were checked may hold anything
		return authorWant{key: "#" + it.AuthorID, xid: it.AuthorID, handle: h, official: it.Official}
	case h != "":
		return authorWant{key: "@" + social.ASCIILower(h), handle: h, official: it.Official}
	}
	return authorWant{key: "#" + UnknownXAuthor, xid: UnknownXAuthor}
}

// validXID reports whether a source's user id can be one: X ids are
// numbers, at most 20 digits.
func validXID(id string) bool {
	if id == "" || len(id) > 20 || id == UnknownXAuthor {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// placeholderUser finds or makes the profile of one imported author.
func (s *Store) placeholderUser(ctx context.Context, tx dbtx, it social.Item) (int64, error) {
	w := authorOf(it)
	ids, err := s.authorProfiles(ctx, tx, []authorWant{w})
	if err != nil {
		return 0, err
	}
	return ids[w.key], nil
}

// profileRow is an existing profile an author may be.
type profileRow struct {
	id, target     int64 // the profile, and who its posts go to (a linked account)
	xid, handle    string
	role           string
	imported, free bool // free: a placeholder not linked to an account
}

// authorProfiles finds every author's profile (two queries however many)
// and makes the missing ones in the order given, with multi-row inserts: the
// same profiles, ids and names whether a conversation is converted alone or
// with a batch. The result maps each want's key to the profile its posts
// belong to.
func (s *Store) authorProfiles(ctx context.Context, c dbtx, wants []authorWant) (map[string]int64, error) {
	out := make(map[string]int64, len(wants))
	var order []authorWant
	var xids, handles []string
	for _, w := range wants {
		if _, ok := out[w.key]; ok {
			continue
		}
		out[w.key] = 0
		order = append(order, w)
		if w.xid != "" {
			xids = append(xids, w.xid)
		}
		if w.handle != "" {
			handles = append(handles, social.ASCIILower(w.handle))
		}
	}
	byID := map[string]*profileRow{}
	byHandle := map[string][]*profileRow{}
	const cols = `SELECT id, COALESCE(linked_to, id), x_user_id, x_handle, role, imported, linked_to IS NULL FROM users `
	for _, q := range []struct {
		where string
		vals  []string
	}{
		{`WHERE x_user_id != '' AND x_user_id IN (` + s.jsonTexts("?") + `) ORDER BY id`, xids},
		{`WHERE x_handle != '' AND lower(x_handle) IN (` + s.jsonTexts("?") + `) ORDER BY id`, handles},
	} {
		if len(q.vals) == 0 {
			continue
		}
		rows, err := c.QueryContext(ctx, cols+q.where, stringList(q.vals))
		if err != nil {
			return nil, fmt.Errorf("find imported authors: %w", err)
		}
		for rows.Next() {
			r := &profileRow{}
			if err := rows.Scan(&r.id, &r.target, &r.xid, &r.handle, &r.role, &r.imported, &r.free); err != nil {
				rows.Close()
				return nil, err
			}
			if r.xid != "" && byID[r.xid] == nil {
				byID[r.xid] = r
			}
			if r.handle != "" {
				k := social.ASCIILower(r.handle)
				if !containsRow(byHandle[k], r.id) {
					byHandle[k] = append(byHandle[k], r)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	mk := newPlaceholderBatch(s, c)
	var missing []authorWant // those without a profile yet, and perhaps a few more
	for _, w := range order {
		if findProfile(w, byID, byHandle) == nil {
			missing = append(missing, w)
		}
	}
	if err := mk.prime(ctx, missing); err != nil {
		return nil, err
	}
	for _, w := range order {
		r := findProfile(w, byID, byHandle)
		if r == nil {
			id, err := mk.add(ctx, w)
			if err != nil {
				return nil, err
			}
			r = &profileRow{id: id, target: id, xid: w.xid, handle: w.handle, role: string(placeholderRole(w.official)), imported: true, free: true}
			if w.xid != "" {
				byID[w.xid] = r
			}
			if w.handle != "" {
				k := social.ASCIILower(w.handle)
				byHandle[k] = append(byHandle[k], r)
			}
			out[w.key] = id
			continue
		}
		// What the want knows and the profile does not: rare, so one
		// statement each, after the profiles queued before it are stored.
		if err := s.completeProfile(ctx, c, mk, r, w, byID, byHandle); err != nil {
			return nil, err
		}
		out[w.key] = r.target
	}
	return out, mk.flush(ctx)
}

func containsRow(rows []*profileRow, id int64) bool {
	for _, r := range rows {
		if r.id == id {
			return true
		}
	}
	return false
}

// findProfile is the profile an author already has: the one with its id,
// else (an id not seen before) one with its handle and no other id, else for
// a handle alone the oldest with that handle.
func findProfile(w authorWant, byID map[string]*profileRow, byHandle map[string][]*profileRow) *profileRow {
	if w.xid != "" {
		if r := byID[w.xid]; r != nil {
			return r
		}
	}
	if w.handle == "" || w.xid == UnknownXAuthor {
		return nil
	}
	for _, r := range byHandle[social.ASCIILower(w.handle)] {
		if w.xid == "" || r.xid == "" {
			return r
		}
	}
	return nil
}

// completeProfile gives a found profile what the want adds: the X id to a
// profile known by handle, the handle (and its name, when free) to one known
// by id, the ambassador role to a placeholder of the brand's own handle.
func (s *Store) completeProfile(ctx context.Context, c dbtx, mk *placeholderBatch, r *profileRow, w authorWant,
	byID map[string]*profileRow, byHandle map[string][]*profileRow) error {
	claimID := w.xid != "" && w.xid != UnknownXAuthor && r.xid == ""
	addHandle := w.handle != "" && r.handle == "" && r.xid != UnknownXAuthor
	promote := w.official && r.imported && r.free && r.role == string(RoleMember)
	if !claimID && !addHandle && !promote {
		return nil
	}
	if err := mk.flush(ctx); err != nil {
		return err
	}
	if claimID {
		if _, err := c.ExecContext(ctx, `UPDATE users SET x_user_id = ? WHERE id = ?`, w.xid, r.id); err != nil {
			return fmt.Errorf("record the X id of @%s: %w", r.handle, err)
		}
		r.xid = w.xid
		byID[w.xid] = r
	}
	if addHandle {
		// A profile still called after its id takes the handle's name
		// when nobody has it.
		name := placeholderUsername(w.handle)
		if _, err := c.ExecContext(ctx, `UPDATE users SET x_handle = ?1,
			username = CASE WHEN username = ?2 AND NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(?3)) THEN ?3 ELSE username END
			WHERE id = ?4`, w.handle, idUsername(r.xid), name, r.id); err != nil {
			return fmt.Errorf("record the handle of X user %s: %w", r.xid, err)
		}
		r.handle = w.handle
		mk.taken[strings.ToLower(name)] = true // perhaps
		k := social.ASCIILower(w.handle)
		byHandle[k] = append(byHandle[k], r)
	}
	if promote {
		if _, err := c.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ? AND role = ?`,
			string(RoleAmbassador), r.id, string(RoleMember)); err != nil {
			return fmt.Errorf("make @%s the brand's account: %w", r.handle, err)
		}
		r.role = string(RoleAmbassador)
	}
	return nil
}

// placeholderBatch makes profiles with multi-row inserts, choosing their ids
// and names up front. A want whose usual username or address is taken goes
// through newPlaceholder, which tries the next ones exactly as it always
// has; the others get the ids and names newPlaceholder would have given them
// one at a time.
type placeholderBatch struct {
	s    *Store
	c    dbtx
	rows []any
	// The ids of the next profiles. SQLite: after the highest in use, 0
	// until read (its one writer holds the transaction's lock). PostgreSQL:
	// taken from the identity for every profile that may be made (prime),
	// so concurrent transactions never choose the same.
	next     int64
	reserved []int64
	taken    map[string]bool // lower-case usernames and addresses in use
}

func newPlaceholderBatch(s *Store, c dbtx) *placeholderBatch {
	return &placeholderBatch{s: s, c: c, taken: map[string]bool{}}
}

// add queues a want's profile and returns its id.
func (b *placeholderBatch) add(ctx context.Context, w authorWant) (int64, error) {
	name, email := strings.ToLower(wantUsername(w)), strings.ToLower(wantEmail(w, 0))
	if b.taken[name] || b.taken[email] {
		// Rare: the one-at-a-time path finds a free name, after the
		// profiles before it, so the ids stay in order.
		if err := b.flush(ctx); err != nil {
			return 0, err
		}
		id, err := b.newID(ctx)
		if err != nil {
			return 0, err
		}
		if err := b.s.newPlaceholder(ctx, b.c, w, id); err != nil {
			return 0, err
		}
		var n, e string
		if err := b.c.QueryRowContext(ctx, `SELECT lower(username), lower(email) FROM users WHERE id = ?`, id).Scan(&n, &e); err != nil {
			return 0, err
		}
		b.taken[n], b.taken[e] = true, true
		return id, nil
	}
	id, err := b.newID(ctx)
	if err != nil {
		return 0, err
	}
	b.taken[name], b.taken[email] = true, true
	b.rows = append(b.rows, id, wantUsername(w), wantEmail(w, 0), "!", string(placeholderRole(w.official)), b.s.now().Unix(), 1, w.handle, wantXID(w))
	// PostgreSQL stores the lot with one COPY at the end (flush).
	if len(b.rows) >= bulkRows*placeholderCols && b.s.engine != db.Postgres {
		return id, b.flush(ctx)
	}
	return id, nil
}

const placeholderCols = 9

// newID is the next new profile's id.
func (b *placeholderBatch) newID(ctx context.Context) (int64, error) {
	if b.s.engine == db.Postgres {
		if len(b.reserved) == 0 {
			// prime took one for every want that could need one; this is
			// a guard, not a path taken.
			ids, err := reserveIDs(ctx, b.c, "users", 1)
			if err != nil {
				return 0, err
			}
			b.reserved = ids
		}
		id := b.reserved[0]
		b.reserved = b.reserved[1:]
		return id, nil
	}
	if b.next == 0 {
		if err := b.c.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM users`).Scan(&b.next); err != nil {
			return 0, err
		}
	}
	id := b.next
	b.next++
	return id, nil
}

// prime learns which of the usernames and addresses the wants would get are
// taken, with one query each, and on PostgreSQL takes an id for each want
// (every profile made is one of theirs; one may find a profile made for an
// earlier one, which leaves its id unused).
func (b *placeholderBatch) prime(ctx context.Context, wants []authorWant) error {
	if len(wants) == 0 {
		return nil
	}
	if b.s.engine == db.Postgres {
		ids, err := reserveIDs(ctx, b.c, "users", len(wants))
		if err != nil {
			return err
		}
		b.reserved = ids
	}
	names := make([]string, len(wants))
	emails := make([]string, len(wants))
	for i, w := range wants {
		names[i], emails[i] = strings.ToLower(wantUsername(w)), strings.ToLower(wantEmail(w, 0))
	}
	for _, q := range []struct {
		sql  string
		vals []string
	}{
		{`SELECT lower(username) FROM users WHERE lower(username) IN (` + b.s.jsonTexts("?") + `)`, names},
		{`SELECT lower(email) FROM users WHERE lower(email) IN (` + b.s.jsonTexts("?") + `)`, emails},
	} {
		got, err := column[string](b.c.QueryContext(ctx, q.sql, stringList(q.vals)))
		if err != nil {
			return fmt.Errorf("find taken usernames: %w", err)
		}
		for _, v := range got {
			b.taken[v] = true
		}
	}
	return nil
}

// flush stores the queued profiles.
func (b *placeholderBatch) flush(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	var err error
	if b.s.engine == db.Postgres {
		_, err = social.CopyRows(ctx, b.c, "users", []string{"id", "username", "email", "password_hash", "role", "created_at", "imported",
			"x_handle", "x_user_id"}, b.rows)
	} else {
		err = execRows(ctx, b.c, `INSERT INTO users (id, username, email, password_hash, role, created_at, imported, x_handle, x_user_id) VALUES `,
			"", placeholderCols, b.rows)
	}
	b.rows = b.rows[:0]
	if err != nil {
		return fmt.Errorf("store imported profiles: %w", err)
	}
	return nil
}

// newPlaceholder makes the profile id of an author that has none, under a
// free username as close to the handle (or id) as the username rules allow.
// A name or address taken is skipped by ON CONFLICT, not by catching the
// error: on PostgreSQL that would end the transaction.
func (s *Store) newPlaceholder(ctx context.Context, tx dbtx, w authorWant, id int64) error {
	base := wantUsername(w)
	for n := 0; n < 50; n++ {
		username := base
		if n > 0 {
			username = fmt.Sprintf("%s_x%d", base, n)
		}
		var got int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (id, username, email, password_hash, role, created_at, imported, x_handle, x_user_id)
			SELECT ?, ?, ?, '!', ?, ?, 1, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower(?))
			ON CONFLICT DO NOTHING RETURNING id`, id, username, wantEmail(w, n), string(placeholderRole(w.official)), s.now().Unix(),
			w.handle, wantXID(w), username).Scan(&got)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("placeholder for %s: %w", w.key, err)
		}
	}
	return fmt.Errorf("no free username for %s", w.key)
}

// wantXID is the X id a new profile records.
func wantXID(w authorWant) string { return w.xid }

// wantUsername is the username a new profile gets when it is free: the
// handle's, else x-user-<id>, else unknown-author.
func wantUsername(w authorWant) string {
	switch {
	case w.handle != "":
		return placeholderUsername(w.handle)
	case w.xid == UnknownXAuthor:
		return "unknown-author"
	}
	return idUsername(w.xid)
}

// idUsername is the name of a profile known only by its X id.
func idUsername(xid string) string { return "x-user-" + xid }

// wantEmail is the n-th try's address: unique, and never delivered.
func wantEmail(w authorWant, n int) string {
	switch {
	case w.handle != "":
		return placeholderEmail(w.handle, n)
	case w.xid == UnknownXAuthor:
		return fmt.Sprintf("x-unknown-author-%d@imported.invalid", n)
	}
	return "x-id-" + w.xid + "-" + strconv.Itoa(n) + "@imported.invalid"
}

var handleChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// placeholderUsername is the username a handle's profile gets when it is
// free: the handle with what usernames cannot hold replaced.
func placeholderUsername(handle string) string {
	base := handleChars.ReplaceAllString(handle, "_")
	if len(base) < 3 {
		base = "x_" + base
	}
	if len(base) > 26 {
		base = base[:26]
	}
	base = strings.Trim(base, "_.-")
	if base == "" || !usernamePattern.MatchString(base) {
		base = "x_" + strings.Trim(base, "_.-") + "_user"
	}
	return base
}

// placeholderEmail is the n-th try's address for a handle.
func placeholderEmail(handle string, n int) string {
	return "x-" + strings.ToLower(handleChars.ReplaceAllString(handle, "_")) + fmt.Sprintf("-%d", n) + "@imported.invalid"
}

// placeholderRole is a new profile's role: the brand's own handles are its
// official account.
func placeholderRole(official bool) Role {
	if official {
		return RoleAmbassador
	}
	return RoleMember
}
