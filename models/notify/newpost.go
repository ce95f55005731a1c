package notify

import (
	"context"
	"database/sql"

	"github.com/crowdcare/crowdcare/models/accounts"
	"github.com/crowdcare/crowdcare/models/forum"
)

// NewPost tells, in the transaction that published a post, who should
// know of it: for an answer, the asker and the thread's watchers; for an
// answer or a question, anyone it @mentions. Each is told once, never the
// author, and only if they may read the thread's category
// (Domains.MayRead).
func (n *Notifier) NewPost(ctx context.Context, tx *sql.Tx, author accounts.UserRef, t *forum.Thread, postID int64, body string, question bool) error {
	told := map[int64]bool{author.ID: true}
	askerMay := false
	if !question {
		var err error
		if askerMay, err = n.domains.MayRead(ctx, tx, t.Author.ID, t.Category.ID); err != nil {
			return err
		}
	}
	if askerMay {
		if err := n.Record(ctx, tx, t.Author.ID, author.ID, KindAnswer, t.ID, postID,
			author.Username+" answered your question “"+t.Title+"”"); err != nil {
			return err
		}
	}
	told[t.Author.ID] = true
	if !question {
		ids, err := watchers(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		for _, w := range ids {
			if told[w] {
				continue
			}
			may, err := n.domains.MayRead(ctx, tx, w, t.Category.ID)
			if err != nil {
				return err
			}
			if may {
				told[w] = true
				if err := n.Record(ctx, tx, w, author.ID, KindReply, t.ID, postID,
					author.Username+" replied in “"+t.Title+"”"); err != nil {
					return err
				}
			}
		}
	}
	for _, name := range Mentions(body) {
		id, err := n.domains.Member(ctx, tx, name)
		if err != nil {
			return err
		}
		if id == 0 || told[id] {
			continue
		}
		if may, err := n.domains.MayRead(ctx, tx, id, t.Category.ID); err != nil {
			return err
		} else if !may {
			continue
		}
		told[id] = true
		if err := n.Record(ctx, tx, id, author.ID, KindMention, t.ID, postID,
			author.Username+" mentioned you in “"+t.Title+"”"); err != nil {
			return err
		}
	}
	return nil
}
