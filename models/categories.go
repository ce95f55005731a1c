package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/forum"
)

// Category groups threads (forum.Category). Alias: moved to models/forum.
type Category = forum.Category

// Categories lists the categories the viewer may see, in display order, with visible thread counts.
func (s *Store) Categories(ctx context.Context, viewer *User) ([]Category, error) {
	return s.listCategories(ctx, viewer, true)
}

// CategoryChoices is Categories without thread counts: for pickers, where
// counting every thread of a large forum costs more than the rest of the page.
func (s *Store) CategoryChoices(ctx context.Context, viewer *User) ([]Category, error) {
	return s.listCategories(ctx, viewer, false)
}

func (s *Store) listCategories(ctx context.Context, viewer *User, counts bool) ([]Category, error) {
	filter, args, err := s.categoryFilter(ctx, viewer, "c.id")
	if err != nil {
		return nil, err
	}
	count := "0"
	if counts {
		// Counted only as far as a list counts: every thread of a large
		// category would be read on every page that shows the counts.
		count = `(SELECT COUNT(*) FROM (SELECT 1 FROM threads t WHERE t.category_id = c.id AND ` + visibleThread +
			` LIMIT ` + strconv.Itoa(listCountLimit+1) + `) AS v)`
	}
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT c.id, c.slug, c.name, c.description, c.group_name, `+count+`
		FROM categories c WHERE 1 = 1`+filter+` ORDER BY c.position, c.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	defer rows.Close()
	var out []Category
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.ID, &c.Slug, &c.Name, &c.Description, &c.Group, &c.ThreadCount); err != nil {
			return nil, fmt.Errorf("scan category: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CategoryBySlug loads one category.
func (s *Store) CategoryBySlug(ctx context.Context, slug string) (*Category, error) {
	var c Category
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT id, slug, name, description, group_name FROM categories WHERE slug = ?`, slug).
		Scan(&c.ID, &c.Slug, &c.Name, &c.Description, &c.Group)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load category %q: %w", slug, err)
	}
	return &c, nil
}

// NewCategory describes a category to create.
type NewCategory struct {
	Slug        string
	Name        string
	Description string
	Position    int
	// Group, when set, is the only group (besides staff) that sees the
	// category: stored with it, so it is never visible to all, even briefly.
	Group string
}

// CreateCategory adds a category. The slug must be unique.
func (s *Store) CreateCategory(ctx context.Context, n NewCategory) (*Category, error) {
	n.Name = strings.TrimSpace(n.Name)
	if n.Slug == "" {
		n.Slug = Slugify(n.Name)
	}
	v := validator{}
	v.check(n.Name != "", "name", "Name the category.")
	v.check(len(n.Name) <= 60, "name", "Use at most 60 characters.")
	var exists int
	if err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM categories WHERE slug = ?`, n.Slug).Scan(&exists); err != nil {
		return nil, fmt.Errorf("check category slug: %w", err)
	}
	v.check(exists == 0, "slug", "A category with that address exists.")
	if err := v.err(); err != nil {
		return nil, err
	}
	c := Category{Slug: n.Slug, Name: n.Name, Description: n.Description}
	err := s.w.QueryRowContext(ctx, `INSERT INTO categories (slug, name, description, position, created_at, group_name)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, n.Slug, n.Name, n.Description, n.Position, s.now().Unix(),
		normalGroup(n.Group)).Scan(&c.ID)
	s.bumpVersion()
	if db.IsUnique(err) {
		// Made meanwhile by another admin (the check above is only a read).
		v.check(false, "slug", "A category with that address exists.")
		return nil, v.err()
	}
	if err != nil {
		return nil, fmt.Errorf("create category %q: %w", n.Slug, err)
	}
	return &c, nil
}
