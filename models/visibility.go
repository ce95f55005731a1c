package models

import (
	"context"
	"database/sql"

	"github.com/crowdcare/crowdcare/models/forum"
	"github.com/crowdcare/crowdcare/models/social"
)

// Who may see which category and thread is the forum's (models/forum:
// VisibleThread, VisiblePost, HiddenCategories, CategoryFilter,
// CanSeeCategory, WithMemo, UserGroups); Store embeds a *forum.Forum. These
// are its names as this package's files use them.

// newForum is the forum over the store's database, clock and version.
func (s *Store) newForum() *forum.Forum {
	return forum.New(s.db, forum.Deps{Now: s.now, Version: s.Version, NotFound: ErrNotFound, ThreadSource: social.ThreadSource,
		Votes: s.forumVotes()})
}

// visibleThread is the condition for a thread that appears in lists, search,
// feeds and profiles (forum.VisibleThread).
const visibleThread = forum.VisibleThread

// visiblePost is the same for a post (forum.VisiblePost).
const visiblePost = forum.VisiblePost

// hiddenCategories lists the private categories the viewer may not see.
func (s *Store) hiddenCategories(ctx context.Context, viewer *User) ([]int64, error) {
	return s.Forum.HiddenCategories(ctx, viewer)
}

// categoryFilter is an SQL condition (starting with AND) that keeps out the
// private categories the viewer may not see, with its arguments.
func (s *Store) categoryFilter(ctx context.Context, viewer *User, column string) (string, []any, error) {
	return s.Forum.CategoryFilter(ctx, viewer, column)
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
// Its points move between public and private reputation in the same
// transaction (reputation is the accounts').
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
		privacyChanged, err := s.Forum.SetCategoryGroupIn(ctx, tx, cat.ID, group)
		if err != nil || !privacyChanged {
			return err
		}
		return recountPrivateReputation(ctx, tx, `p.thread_id IN (SELECT id FROM threads WHERE category_id = ?)`, cat.ID)
	})
}

// normalGroup is how a group's name is stored (forum.NormalGroup).
func normalGroup(g string) string { return forum.NormalGroup(g) }

// AddToGroup puts a user in a group; RemoveFromGroup takes them out.
func (s *Store) AddToGroup(ctx context.Context, actor *User, userID int64, group string) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	group = normalGroup(group)
	if group == "" {
		return &ValidationError{Fields: map[string]string{"group": "Name the group."}}
	}
	return s.Forum.JoinGroup(ctx, userID, group)
}

// RemoveFromGroup takes a user out of a group.
func (s *Store) RemoveFromGroup(ctx context.Context, actor *User, userID int64, group string) error {
	if !actor.Can(PermManageSite) {
		return ErrForbidden
	}
	return s.Forum.LeaveGroup(ctx, userID, group)
}
