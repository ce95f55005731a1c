package forum

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"time"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/policy"
)

// ThreadColumns and ThreadJoins select a thread (aliased t) with its
// category and author for ScanThread: SELECT ThreadColumns ThreadJoins WHERE ….
const ThreadColumns = `t.id, t.title, t.slug, COALESCE(t.question_id, 0), COALESCE(t.accepted_id, 0), t.answer_count,
	t.created_at, t.last_activity_at, t.deleted_at IS NOT NULL, t.hidden_at IS NOT NULL, t.pending = 1,
	t.locked_at IS NOT NULL, t.pinned_at IS NOT NULL, COALESCE(t.duplicate_of, 0),
	EXISTS (SELECT 1 FROM posts op JOIN users ou ON ou.id = op.author_id WHERE op.thread_id = t.id AND op.is_question = 0
		AND op.deleted_at IS NULL AND op.hidden_at IS NULL AND op.pending = 0 AND ou.role = 'ambassador'),
	t.source_url, c.id, c.slug, c.name, c.group_name, u.id, u.username, u.role, u.avatar_url`

// ThreadJoins is the FROM of ThreadColumns.
const ThreadJoins = ` FROM threads t JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = t.author_id`

// ScanThread reads one row of ThreadColumns; its tags are FillTags'.
func (f *Forum) ScanThread(row interface{ Scan(...any) error }) (*Thread, error) {
	var t Thread
	var created, active int64
	var role string
	err := row.Scan(&t.ID, &t.Title, &t.Slug, &t.QuestionID, &t.AcceptedID, &t.AnswerCount, &created, &active, &t.Deleted,
		&t.Hidden, &t.Pending, &t.Locked, &t.Pinned, &t.DuplicateOf, &t.OfficialAnswer, &t.SourceURL,
		&t.Category.ID, &t.Category.Slug, &t.Category.Name, &t.Category.Group, &t.Author.ID, &t.Author.Username, &role, &t.Author.AvatarURL)
	if err != nil {
		return nil, err
	}
	t.Author.Role = policy.Role(role)
	t.CreatedAt, t.LastActivityAt = time.Unix(created, 0), time.Unix(active, 0)
	t.SourceURL, t.SourceID, t.FromX = f.deps.ThreadSource(t.SourceURL)
	return &t, nil
}

// Thread loads one thread, deleted or not; the caller decides what to show.
func (f *Forum) Thread(ctx context.Context, id int64) (*Thread, error) {
	t, err := f.ScanThread(f.reader(ctx).QueryRowContext(ctx, `SELECT `+ThreadColumns+ThreadJoins+` WHERE t.id = ? AND t.question_id IS NOT NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, f.deps.NotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load thread %d: %w", id, err)
	}
	if err := f.FillTags(ctx, []*Thread{t}); err != nil {
		return nil, err
	}
	return t, nil
}

// FillTags loads the tags of a page of threads in one query.
func (f *Forum) FillTags(ctx context.Context, threads []*Thread) error {
	if len(threads) == 0 {
		return nil
	}
	byID := make(map[int64]*Thread, len(threads))
	args := make([]any, len(threads))
	for i, t := range threads {
		byID[t.ID] = t
		args[i] = t.ID
	}
	rows, err := f.reader(ctx).QueryContext(ctx, `SELECT tt.thread_id, g.name FROM thread_tags tt JOIN tags g ON g.id = tt.tag_id
		WHERE tt.thread_id IN (`+db.Placeholders(len(args))+`) ORDER BY g.name`, args...)
	if err != nil {
		return fmt.Errorf("load tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("scan tag: %w", err)
		}
		byID[id].Tags = append(byID[id].Tags, name)
	}
	return rows.Err()
}

// PostColumns and PostJoins select a post (aliased p) with its author and
// the ambassador who recommended it, for ScanPost.
const PostColumns = `p.id, p.thread_id, p.is_question, p.body_md, p.body_html, p.helpful_count,
	p.created_at, COALESCE(p.edited_at, 0), p.deleted_at IS NOT NULL, p.hidden_at IS NOT NULL, p.hidden_reason, p.pending = 1,
	u.id, u.username, u.role, COALESCE(ru.id, 0), COALESCE(ru.username, ''), COALESCE(ru.role, ''), u.avatar_url`

// PostJoins is the FROM of PostColumns.
const PostJoins = ` FROM posts p JOIN users u ON u.id = p.author_id LEFT JOIN users ru ON ru.id = p.recommended_by`

// ScanPost reads one row of PostColumns. A removed post's text is left
// out, so no page can show it.
func ScanPost(row interface{ Scan(...any) error }) (*Post, error) {
	var p Post
	var html, role string
	var created, edited int64
	var rec accounts.UserRef
	var recRole string
	err := row.Scan(&p.ID, &p.ThreadID, &p.IsQuestion, &p.BodyMD, &html, &p.HelpfulCount,
		&created, &edited, &p.Deleted, &p.Hidden, &p.HiddenReason, &p.Pending, &p.Author.ID, &p.Author.Username, &role,
		&rec.ID, &rec.Username, &recRole, &p.Author.AvatarURL)
	if err != nil {
		return nil, err
	}
	if rec.ID != 0 {
		rec.Role = policy.Role(recRole)
		p.Recommended = &rec
	}
	p.BodyHTML = template.HTML(html)
	p.Author.Role = policy.Role(role)
	p.CreatedAt = time.Unix(created, 0)
	if edited != 0 {
		p.EditedAt = time.Unix(edited, 0)
	}
	if p.Deleted {
		// Removed text is never handed to a page, so no template can leak it.
		p.BodyMD, p.BodyHTML = "", ""
	}
	return &p, nil
}

// Post loads one post.
func (f *Forum) Post(ctx context.Context, id int64) (*Post, error) {
	p, err := ScanPost(f.reader(ctx).QueryRowContext(ctx, `SELECT `+PostColumns+PostJoins+` WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, f.deps.NotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load post %d: %w", id, err)
	}
	return p, nil
}

// PostWithThread loads a post and its thread, for the steps that decide on
// both (policy's decisions, a category's visibility).
func (f *Forum) PostWithThread(ctx context.Context, postID int64) (*Post, *Thread, error) {
	p, err := f.Post(ctx, postID)
	if err != nil {
		return nil, nil, err
	}
	t, err := f.Thread(ctx, p.ThreadID)
	if err != nil {
		return nil, nil, err
	}
	return p, t, nil
}
