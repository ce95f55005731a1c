package models

import (
	"context"
	"database/sql"

	"github.com/crowdcare/crowdcare/models/kb"
)

// The knowledge base lives in models/kb; Store embeds a *kb.KB (newKB), so
// handlers call store.Article, store.ArticleForThread,
// store.ArticleRevisions, store.SetArticlePublished, store.VoteArticle and
// the others as before. The list of articles (kbread.go), editing an
// article's text and promoting another answer (kbcurate.go) are still
// here: they use the forum's paging, visibility and text rules. These
// aliases keep the names handlers use.

// Article is a knowledge-base entry made from a solved thread (kb.Article).
type Article = kb.Article // alias: moved to models/kb

// ArticleRevision is an article's text before one change (kb.ArticleRevision).
type ArticleRevision = kb.ArticleRevision // alias: moved to models/kb

// ArticleEdit is what the curation form sends (kb.ArticleEdit).
type ArticleEdit = kb.ArticleEdit // alias: moved to models/kb

// ArticleURL is the canonical address of article id, whose slug is slug
// (kb.ArticleURL).
func ArticleURL(id int64, slug string) string { return kb.ArticleURL(id, slug) }

// The changes in a thread that its article follows (kb.Event).
const (
	kbAccepted    = kb.Accepted
	kbUnaccepted  = kb.Unaccepted
	kbPostEdited  = kb.PostEdited
	kbPostRemoved = kb.PostRemoved
)

// syncArticle keeps a thread's article in step with the thread, in the
// transaction of the change (kb.KB.SyncArticle); the caller indexes the
// thread after it (indexThread or refreshThread), which writes the article's
// state into the thread's search row.
func (s *Store) syncArticle(ctx context.Context, tx *sql.Tx, ev kb.Event, threadID, postID int64) error {
	return s.KB.SyncArticle(ctx, tx, ev, threadID, postID)
}

// createArticle makes a solved thread's article in the transaction that
// writes it (kb.KB.CreateArticle); the caller indexes the thread after.
func (s *Store) createArticle(ctx context.Context, tx *sql.Tx, threadID, postID int64) error {
	return s.KB.CreateArticle(ctx, tx, threadID, postID)
}

// newKB is the knowledge base over the store's database layer, with its
// clock, errors and Markdown renderer, the forum's tags and the search
// index's update of an article.
func (s *Store) newKB() *kb.KB {
	return kb.New(s.db, kb.Needs{Now: s.now, NotFound: ErrNotFound, Forbidden: ErrForbidden,
		Markdown: s.md, StillMay: s.stillMayWrite, NoteRequest: s.Accounts.NoteRequest,
		ThreadTags: func(ctx context.Context, threadID int64) ([]string, error) {
			t := &Thread{ID: threadID}
			err := s.fillTags(ctx, []*Thread{t})
			return t.Tags, err
		},
		Index: func(ctx context.Context, tx *sql.Tx, articleID int64) error {
			return s.indexArticle(ctx, tx, articleID)
		}})
}
