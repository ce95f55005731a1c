package models

import (
	"context"
	"errors"
	"strings"

	"github.com/crowdcare/crowdcare/models/forum"
)

// Category groups threads (forum.Category). Alias: moved to models/forum.
type Category = forum.Category

// NewCategory describes a category to create (forum.NewCategory). Alias:
// moved to models/forum.
type NewCategory = forum.NewCategory

// Listing categories (Categories, CategoryChoices, CategoryBySlug) is the
// forum's (models/forum); Store embeds a *forum.Forum.

// CreateCategory adds a category. The slug must be unique. The form's
// messages are made here; the forum stores it.
func (s *Store) CreateCategory(ctx context.Context, n NewCategory) (*Category, error) {
	n.Name = strings.TrimSpace(n.Name)
	if n.Slug == "" {
		n.Slug = Slugify(n.Name)
	}
	v := validator{}
	v.Check(n.Name != "", "name", "Name the category.")
	v.Check(len(n.Name) <= 60, "name", "Use at most 60 characters.")
	taken, err := s.Forum.CategoryTaken(ctx, n.Slug)
	if err != nil {
		return nil, err
	}
	v.Check(!taken, "slug", "A category with that address exists.")
	if err := v.Err(); err != nil {
		return nil, err
	}
	c, err := s.Forum.AddCategory(ctx, n)
	if errors.Is(err, forum.ErrCategoryTaken) {
		// Made meanwhile by another admin (the check above is only a read).
		v.Check(false, "slug", "A category with that address exists.")
		return nil, v.Err()
	}
	return c, err
}
