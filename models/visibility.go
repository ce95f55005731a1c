package models

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// visibleThread is the condition for a thread that appears in lists, search,
// feeds and profiles: not removed by its author, not hidden by a moderator,
// not waiting for approval.
const visibleThread = `t.deleted_at IS NULL AND t.hidden_at IS NULL AND t.pending = 0 AND t.question_id IS NOT NULL`

// visiblePost is the same for a post.
const visiblePost = `p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.pending = 0`

// hiddenCategories lists the private categories the viewer may not see.
// Staff with PermSeePrivate see them all; members see their groups'. Under
// a context from WithMemo the list is read once until the next write; the
// caller must not change it.
func (s *Store) hiddenCategories(ctx context.Context, viewer *User) ([]int64, error) {
	if viewer.Can(PermSeePrivate) {
		return nil, nil
	}
	var viewerID int64
	if viewer != nil {
		viewerID = viewer.ID
	}
	m, _ := ctx.Value(memoKey{}).(*memo)
	if m == nil || m.store != s {
		m = nil
	}
	// Read before the query: a write while it runs makes the next call read again.
	version := s.Version()
	if hidden, ok := m.hidden(viewerID, version); ok {
		return hidden, nil
	}
	hidden, err := s.ids(ctx, `SELECT c.id FROM categories c WHERE c.group_name != ''
		AND c.group_name NOT IN (SELECT group_name FROM user_groups WHERE user_id = ?) ORDER BY c.id`, viewerID)
	if err == nil {
		m.keep(viewerID, version, hidden)
	}
	return hidden, err
}

// memo holds, for one request, what a page would otherwise read several
// times: the hidden categories of one viewer, as of one store version.
type memo struct {
	store   *Store
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
func (s *Store) WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{store: s})
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

// categoryFilter is an SQL condition (starting with AND) that keeps out the
// private categories the viewer may not see, with its arguments.
func (s *Store) categoryFilter(ctx context.Context, viewer *User, column string) (string, []any, error) {
	hidden, err := s.hiddenCategories(ctx, viewer)
	if err != nil {
		return "", nil, fmt.Errorf("private categories: %w", err)
	}
	if len(hidden) == 0 {
		return "", nil, nil
	}
	return " AND " + column + " NOT IN (" + placeholders(len(hidden)) + ")", idArgs(hidden), nil
}

// CanSeeCategory reports whether the viewer may see a category's threads.
// A private thread is "not found" to everyone else, never "forbidden", so
// its existence does not leak.
func (s *Store) CanSeeCategory(ctx context.Context, viewer *User, categoryID int64) (bool, error) {
	hidden, err := s.hiddenCategories(ctx, viewer)
	if err != nil {
		return false, err
	}
	return !slices.Contains(hidden, categoryID), nil
}

// CanSeeArticle reports whether the viewer may open a KB article: an
// unpublished one exists only for curators, and its category's rule holds.
// Every path to an article page asks here (the visitors' article cache too),
// so a new rule is added once and cannot apply to one path and not another.
func (s *Store) CanSeeArticle(ctx context.Context, viewer *User, a *Article) (bool, error) {
	if !a.Published && !viewer.Can(PermCurateKB) {
		return false, nil
	}
	return s.CanSeeCategory(ctx, viewer, a.Category.ID)
}

// SetCategoryGroup makes a category private to a group, or public with "".
func (s *Store) SetCategoryGroup(ctx context.Context, actor *User, slug, group string) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	cat, err := s.CategoryBySlug(ctx, slug)
	if err != nil {
		return err
	}
	group = normalGroup(group)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE categories SET group_name = ? WHERE id = ?`, group, cat.ID); err != nil {
			return fmt.Errorf("set category group: %w", err)
		}
		if (cat.Group != "") == (group != "") {
			return nil
		}
		// Its points move between public and private reputation.
		return recountPrivateReputation(ctx, tx, `p.thread_id IN (SELECT id FROM threads WHERE category_id = ?)`, cat.ID)
	})
}

// normalGroup is how a group's name is stored: groups match without case.
func normalGroup(g string) string { return strings.ToLower(strings.TrimSpace(g)) }

// AddToGroup puts a user in a group; RemoveFromGroup takes them out.
func (s *Store) AddToGroup(ctx context.Context, actor *User, userID int64, group string) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	group = normalGroup(group)
	if group == "" {
		return &ValidationError{Fields: map[string]string{"group": "Name the group."}}
	}
	_, err := s.exec(ctx, `INSERT INTO user_groups (user_id, group_name) VALUES (?, ?) ON CONFLICT DO NOTHING`, userID, group)
	return err
}

// RemoveFromGroup takes a user out of a group.
func (s *Store) RemoveFromGroup(ctx context.Context, actor *User, userID int64, group string) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	_, err := s.exec(ctx, `DELETE FROM user_groups WHERE user_id = ? AND group_name = ?`, userID, group)
	return err
}

// UserGroups lists a user's groups.
func (s *Store) UserGroups(ctx context.Context, userID int64) ([]string, error) {
	return s.strings(ctx, `SELECT group_name FROM user_groups WHERE user_id = ? ORDER BY group_name`, userID)
}
