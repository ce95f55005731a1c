package forum

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
)

// Categories lists the categories the viewer may see, in display order, with visible thread counts.
func (f *Forum) Categories(ctx context.Context, viewer *accounts.User) ([]Category, error) {
	return f.listCategories(ctx, viewer, true)
}

// CategoryChoices is Categories without thread counts: for pickers, where
// counting every thread of a large forum costs more than the rest of the page.
func (f *Forum) CategoryChoices(ctx context.Context, viewer *accounts.User) ([]Category, error) {
	return f.listCategories(ctx, viewer, false)
}

func (f *Forum) listCategories(ctx context.Context, viewer *accounts.User, counts bool) ([]Category, error) {
	filter, args, err := f.CategoryFilter(ctx, viewer, "c.id")
	if err != nil {
		return nil, err
	}
	count := "0"
	if counts {
		// Counted only as far as a list counts: every thread of a large
		// category would be read on every page that shows the counts.
		count = `(SELECT COUNT(*) FROM (SELECT 1 FROM threads t WHERE t.category_id = c.id AND ` + VisibleThread +
			` LIMIT ` + strconv.Itoa(ListCountLimit+1) + `) AS v)`
	}
	rows, err := f.reader(ctx).QueryContext(ctx, `SELECT c.id, c.slug, c.name, c.description, c.group_name, `+count+`
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
func (f *Forum) CategoryBySlug(ctx context.Context, slug string) (*Category, error) {
	var c Category
	err := f.reader(ctx).QueryRowContext(ctx, `SELECT id, slug, name, description, group_name FROM categories WHERE slug = ?`, slug).
		Scan(&c.ID, &c.Slug, &c.Name, &c.Description, &c.Group)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, f.deps.NotFound
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

// ErrCategoryTaken: a category with that slug exists (models turns it into
// the form's message).
var ErrCategoryTaken = errors.New("a category with that slug exists")

// CategoryTaken reports whether a category has the slug already. It is
// only a read: AddCategory is refused with ErrCategoryTaken when another
// made one meanwhile.
func (f *Forum) CategoryTaken(ctx context.Context, slug string) (bool, error) {
	var exists int
	if err := f.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM categories WHERE slug = ?`, slug).Scan(&exists); err != nil {
		return false, fmt.Errorf("check category slug: %w", err)
	}
	return exists != 0, nil
}

// AddCategory adds a category as n says (checked by the caller); a slug
// that is taken is ErrCategoryTaken.
func (f *Forum) AddCategory(ctx context.Context, n NewCategory) (*Category, error) {
	c := Category{Slug: n.Slug, Name: n.Name, Description: n.Description}
	err := f.db.InTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO categories (slug, name, description, position, created_at, group_name)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, n.Slug, n.Name, n.Description, n.Position, f.deps.Now().Unix(),
			NormalGroup(n.Group)).Scan(&c.ID)
	})
	if db.IsUnique(err) {
		// Made meanwhile by another admin (CategoryTaken is only a read).
		return nil, fmt.Errorf("create category %q: %w", n.Slug, ErrCategoryTaken)
	}
	if err != nil {
		return nil, fmt.Errorf("create category %q: %w", n.Slug, err)
	}
	return &c, nil
}
