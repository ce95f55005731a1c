package moderation

import (
	"context"
	"fmt"
	"sort"

	"github.com/crowdcare/crowdcare/models/db"
	"github.com/crowdcare/crowdcare/models/forum"
)

// Forum is what the queues read of the forum's posts and threads, as the
// forum reads them: the select lists (columns and joins, a post aliased p,
// a thread t) that ScanPost and ScanThread read, and the threads' tags,
// filled in after. models hands them down (its postColumns, threadColumns,
// scanPost, scanThread, fillTags), so a change to what a post or thread
// carries is made once, in the forum.
type Forum struct {
	PostSelect   string
	ScanPost     func(row interface{ Scan(...any) error }) (*forum.Post, error)
	ThreadSelect string
	ScanThread   func(row interface{ Scan(...any) error }) (*forum.Thread, error)
	FillTags     func(ctx context.Context, threads []*forum.Thread) error
}

// FlaggedPost is a post in the flag queue with its thread and its open
// flags (Reasons, Notes, FlagIDs, LastFlag).
type FlaggedPost struct {
	Post   *forum.Post
	Thread forum.Thread
	Flags
}

// FlagQueuePosts lists the posts with open flags (OpenFlags, with its
// filter and args), each with its thread, most flagged first, then by post.
// The posts and their threads are read in one statement each, not two per
// post; a flagged post or thread that is not there is the store's
// not-found error. What the triager may read of a hidden post is the
// caller's to decide.
func (m *Moderator) FlagQueuePosts(ctx context.Context, filter string, args []any) ([]FlaggedPost, error) {
	flags, err := m.OpenFlags(ctx, filter, args)
	if err != nil || len(flags) == 0 {
		return nil, err
	}
	f := m.db.Forum
	ids := make([]int64, len(flags))
	for i, fl := range flags {
		ids[i] = fl.PostID
	}
	rows, err := m.db.Reader(ctx).QueryContext(ctx, `SELECT `+f.PostSelect+` WHERE p.id IN (`+db.Placeholders(len(ids))+`)`, db.IDArgs(ids)...)
	posts, err := db.KeyedByID(rows, err, f.ScanPost, func(p *forum.Post) int64 { return p.ID })
	if err != nil {
		return nil, fmt.Errorf("load flagged posts: %w", err)
	}
	if len(posts) == 0 {
		// Every flagged post went between the two reads (and "IN ()" is
		// no statement on PostgreSQL).
		return nil, fmt.Errorf("load flagged post %d: %w", flags[0].PostID, m.db.NotFound)
	}
	var threadIDs []int64
	seen := map[int64]bool{}
	for _, p := range posts {
		if !seen[p.ThreadID] {
			seen[p.ThreadID] = true
			threadIDs = append(threadIDs, p.ThreadID)
		}
	}
	rows, err = m.db.Reader(ctx).QueryContext(ctx, `SELECT `+f.ThreadSelect+` WHERE t.id IN (`+db.Placeholders(len(threadIDs))+`)
		AND t.question_id IS NOT NULL`, db.IDArgs(threadIDs)...)
	threads, err := db.KeyedByID(rows, err, f.ScanThread, func(t *forum.Thread) int64 { return t.ID })
	if err != nil {
		return nil, fmt.Errorf("load threads of flagged posts: %w", err)
	}
	list := make([]*forum.Thread, 0, len(threads))
	for _, t := range threads {
		list = append(list, t)
	}
	if err := f.FillTags(ctx, list); err != nil {
		return nil, err
	}
	out := make([]FlaggedPost, 0, len(flags))
	for _, fl := range flags {
		fp := FlaggedPost{Post: posts[fl.PostID], Flags: *fl}
		if fp.Post == nil || threads[fp.Post.ThreadID] == nil {
			return nil, fmt.Errorf("load flagged post %d: %w", fl.PostID, m.db.NotFound)
		}
		fp.Thread = *threads[fp.Post.ThreadID]
		out = append(out, fp)
	}
	// Most flags first; among equals, the order of OpenFlags (by post).
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].FlagIDs) > len(out[j].FlagIDs) })
	return out, nil
}

// PendingPosts lists the posts waiting in the approval queue (neither
// deleted nor hidden), oldest first, at most 200.
func (m *Moderator) PendingPosts(ctx context.Context) ([]*forum.Post, error) {
	rows, err := m.db.Reader(ctx).QueryContext(ctx, `SELECT `+m.db.Forum.PostSelect+` WHERE p.pending = 1 AND p.deleted_at IS NULL
		AND p.hidden_at IS NULL ORDER BY p.id LIMIT 200`)
	if err != nil {
		return nil, fmt.Errorf("list approval queue: %w", err)
	}
	defer rows.Close()
	var out []*forum.Post
	for rows.Next() {
		p, err := m.db.Forum.ScanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("list approval queue: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
