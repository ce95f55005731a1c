package forum

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/policy"
)

// VisibleThread is the SQL condition for a thread (aliased t) that appears
// in lists, search, feeds and profiles: not removed by its author, not
// hidden by a moderator, not waiting for approval. Every domain that lists
// threads (search, kb, insights, the sitemap) takes it from here.
const VisibleThread = `t.deleted_at IS NULL AND t.hidden_at IS NULL AND t.pending = 0 AND t.question_id IS NOT NULL`

// VisiblePost is the same for a post (aliased p).
const VisiblePost = `p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.pending = 0`

// HiddenCategories lists the private categories the viewer may not see.
// Staff with PermSeePrivate see them all; members see their groups'. Under
// a context from WithMemo the list is read once until the next write; the
// caller must not change it.
func (f *Forum) HiddenCategories(ctx context.Context, viewer *accounts.User) ([]int64, error) {
	if viewer.Can(policy.PermSeePrivate) {
		return nil, nil
	}
	var viewerID int64
	if viewer != nil {
		viewerID = viewer.ID
	}
	m, _ := ctx.Value(memoKey{}).(*memo)
	if m == nil || m.forum != f {
		m = nil
	}
	// Read before the query: a write while it runs makes the next call read again.
	version := f.deps.Version()
	if hidden, ok := m.hidden(viewerID, version); ok {
		return hidden, nil
	}
	hidden, err := f.ids(ctx, `SELECT c.id FROM categories c WHERE c.group_name != ''
		AND c.group_name NOT IN (SELECT group_name FROM user_groups WHERE user_id = ?) ORDER BY c.id`, viewerID)
	if err == nil {
		m.keep(viewerID, version, hidden)
	}
	return hidden, err
}

// memo holds, for one request, what a page would otherwise read several
// times: the hidden categories of one viewer, as of one store version.
type memo struct {
	forum   *Forum
	mu      sync.Mutex
	set     bool
	viewer  int64
	version uint64
	ids     []int64
}

type memoKey struct{}

// WithMemo returns a context under which the store remembers reads that
// every part of a page repeats (which private categories the viewer may not
// see) until its next write. Give each request its own.
func (f *Forum) WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{forum: f})
}

func (m *memo) hidden(viewer int64, version uint64) ([]int64, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ids, m.set && m.viewer == viewer && m.version == version
}

func (m *memo) keep(viewer int64, version uint64, ids []int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.set, m.viewer, m.version, m.ids = true, viewer, version, ids
	m.mu.Unlock()
}

// CategoryFilter is an SQL condition (starting with AND) that keeps out the
// private categories the viewer may not see, on column (a category id),
// with its arguments.
func (f *Forum) CategoryFilter(ctx context.Context, viewer *accounts.User, column string) (string, []any, error) {
	hidden, err := f.HiddenCategories(ctx, viewer)
	if err != nil {
		return "", nil, fmt.Errorf("private categories: %w", err)
	}
	if len(hidden) == 0 {
		return "", nil, nil
	}
	return " AND " + column + " NOT IN (" + db.Placeholders(len(hidden)) + ")", db.IDArgs(hidden), nil
}

// CanSeeCategory reports whether the viewer may see a category's threads.
// A private thread is "not found" to everyone else, never "forbidden", so
// its existence does not leak.
func (f *Forum) CanSeeCategory(ctx context.Context, viewer *accounts.User, categoryID int64) (bool, error) {
	hidden, err := f.HiddenCategories(ctx, viewer)
	if err != nil {
		return false, err
	}
	return !slices.Contains(hidden, categoryID), nil
}

// NormalGroup is how a group's name is stored: groups match without case.
func NormalGroup(g string) string { return strings.ToLower(strings.TrimSpace(g)) }

// SetCategoryGroupIn makes category id private to group ("" public) in the
// transaction tx: the caller moves the category's reputation between
// public and private in the same one when privacyChanged, which compares
// the group tx reads before the change (not the one the request read
// before its transaction: a change committed meanwhile may differ).
func (f *Forum) SetCategoryGroupIn(ctx context.Context, tx *sql.Tx, id int64, group string) (privacyChanged bool, err error) {
	group = NormalGroup(group)
	var was string
	if err := tx.QueryRowContext(ctx, `SELECT group_name FROM categories WHERE id = ?`, id).Scan(&was); err != nil {
		return false, fmt.Errorf("set category group: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE categories SET group_name = ? WHERE id = ?`, group, id); err != nil {
		return false, fmt.Errorf("set category group: %w", err)
	}
	return (was != "") != (group != ""), nil
}

// JoinGroup puts a user in a group (a normalised, non-empty name); being
// in it already is no error.
func (f *Forum) JoinGroup(ctx context.Context, userID int64, group string) error {
	_, err := f.db.Exec(ctx, `INSERT INTO user_groups (user_id, group_name) VALUES (?, ?) ON CONFLICT DO NOTHING`, userID, group)
	return err
}

// LeaveGroup takes a user out of a group.
func (f *Forum) LeaveGroup(ctx context.Context, userID int64, group string) error {
	_, err := f.db.Exec(ctx, `DELETE FROM user_groups WHERE user_id = ? AND group_name = ?`, userID, group)
	return err
}

// UserGroups lists a user's groups.
func (f *Forum) UserGroups(ctx context.Context, userID int64) ([]string, error) {
	return db.Column[string](f.reader(ctx).QueryContext(ctx, `SELECT group_name FROM user_groups WHERE user_id = ? ORDER BY group_name`, userID))
}
