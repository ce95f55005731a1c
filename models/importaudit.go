package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// audit writes the import's line in the audit log: who ran it, the files,
// what it did and where its threads went. A dry run changes nothing and
// writes nothing, nor does an import nobody is named for (the poller's).
// failed says it stopped part-way; what it stored stays.
func (im *Importer) audit(ctx context.Context, failed bool) error {
	o := im.opts
	if o.DryRun || (o.Actor == nil && o.Operator == "") {
		return nil
	}
	cats, err := im.threadCategories(ctx)
	if err != nil {
		return err
	}
	sum := &im.sum
	var b strings.Builder
	if failed {
		b.WriteString("Stopped part-way (what it stored stays). ")
	}
	b.WriteString(fileList(o.Files))
	fmt.Fprintf(&b, ": %d read, %d new, %d already imported; threads created: %d", sum.Read, sum.Imported, sum.Duplicates, sum.Threads)
	for i, c := range cats {
		sep := ", "
		if i == 0 {
			sep = ", in "
		}
		b.WriteString(sep + c.name)
	}
	fmt.Fprintf(&b, "; answers added: %d; waiting in the social inbox: %d; filtered: %d; records skipped: %d",
		sum.Answers, sum.Inbox, sum.FilteredTotal(), len(sum.Skipped))
	target, id := "social", int64(0)
	switch {
	case len(cats) > 0:
		target, id = "category", cats[0].id
	case sum.Inbox == 0:
		cat, err := im.s.CategoryBySlug(ctx, o.Category)
		if err != nil {
			return err
		}
		target, id = "category", cat.ID
	}
	return im.s.inTx(ctx, func(tx *sql.Tx) error {
		if o.Actor != nil {
			return logAction(ctx, tx, im.s.now(), o.Actor, "import_social", target, id, b.String())
		}
		return logUnattributed(ctx, tx, im.s.now(), o.Operator, "import_social", target, id, b.String())
	})
}

type importCategory struct {
	id   int64
	name string
}

// threadCategories lists the categories of the threads this import's items
// started, most threads first. (Threads started by items of an earlier
// import, whose conversation this one completed, are counted in the
// summary but not here.)
func (im *Importer) threadCategories(ctx context.Context) ([]importCategory, error) {
	rows, err := im.s.reader(ctx).QueryContext(ctx, `SELECT c.id, c.name FROM social_items i
		JOIN threads t ON t.question_id = i.post_id JOIN categories c ON c.id = t.category_id
		WHERE i.import_id = ? GROUP BY c.id, c.name ORDER BY COUNT(*) DESC, c.name`, im.id)
	if err != nil {
		return nil, fmt.Errorf("categories of import %d: %w", im.id, err)
	}
	defer rows.Close()
	var out []importCategory
	for rows.Next() {
		var c importCategory
		if err := rows.Scan(&c.id, &c.name); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// fileList names the files an import read, the first few of many.
func fileList(files []string) string {
	const shown = 5
	switch {
	case len(files) == 0:
		return "An import"
	case len(files) <= shown:
		return truncateRunes(strings.Join(files, ", "), 500)
	}
	return truncateRunes(strings.Join(files[:shown], ", "), 500) + fmt.Sprintf(" and %d more files", len(files)-shown)
}
