package models

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/crowdcare/crowdcare/models/social"
)

// The same text three times from one author is spam (spamScore; the key
// of an author's text is social.RepeatKey). An author is their X user id
// when the source gives one, else their handle; posts whose file names
// nobody are never counted together. Copies are counted
// among everything stored, whichever import stored them, and ranked by time:
// the two earliest stay, the third and later are spam, whatever order the
// files come in. A copy that an earlier import stored and that a later one
// finds to be the third or later is filtered then too, and if it was made a
// post already, the post (its thread, if it asked one) is hidden.

// repeatCopy is one post of an author's text.
type repeatCopy struct {
	id      string
	created int64
	batch   int // index in the batch, -1 when stored
	stored  storedCopy
}

// storedCopy is what a stored copy needs to be filtered later.
type storedCopy struct {
	status         string
	brand          bool
	importID       int64
	thread, post   int64
	questionOfPost bool
}

// hiddenForRepeats is the reason a hidden copy's author sees.
const hiddenForRepeats = "The same text a third time from this author: filtered as spam when imported."

// applyRepeats scores a batch's new items (duplicates dropped) for
// repeating their author's text, and filters stored copies that the batch
// makes the third or later.
func (im *Importer) applyRepeats(ctx context.Context, c dbtx, items []social.PendingItem) error {
	inBatch := map[int64][]int{}
	for i := range items {
		if k := items[i].Repeat; k != 0 {
			inBatch[k] = append(inBatch[k], i)
		}
	}
	if len(inBatch) == 0 {
		return nil
	}
	var keys strings.Builder
	keys.WriteByte('[')
	for k := range inBatch {
		if keys.Len() > 1 {
			keys.WriteByte(',')
		}
		keys.WriteString(strconv.FormatInt(k, 10))
	}
	keys.WriteByte(']')
	rows, err := c.QueryContext(ctx, `SELECT i.repeat_key, i.tweet_id, i.created_at, i.status, i.is_brand, i.import_id,
		COALESCE(i.thread_id, 0), COALESCE(i.post_id, 0), CASE WHEN t.question_id = i.post_id THEN 1 ELSE 0 END
		FROM social_items i LEFT JOIN threads t ON t.id = i.thread_id
		WHERE i.repeat_key != 0 AND i.repeat_key IN (`+im.s.jsonInts("?")+`)`, keys.String())
	if err != nil {
		return fmt.Errorf("find repeated texts: %w", err)
	}
	copies := map[int64][]repeatCopy{}
	for rows.Next() {
		var k int64
		cp := repeatCopy{batch: -1}
		if err := rows.Scan(&k, &cp.id, &cp.created, &cp.stored.status, &cp.stored.brand, &cp.stored.importID,
			&cp.stored.thread, &cp.stored.post, &cp.stored.questionOfPost); err != nil {
			rows.Close()
			return err
		}
		copies[k] = append(copies[k], cp)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for k, idx := range inBatch {
		all := copies[k]
		if len(all)+len(idx) < 3 {
			continue
		}
		storedRank := map[string]int{}
		sortCopies(all)
		for r, cp := range all {
			storedRank[cp.id] = r
		}
		for _, i := range idx {
			all = append(all, repeatCopy{id: items[i].ID, created: items[i].Created, batch: i})
		}
		sortCopies(all)
		for r, cp := range all {
			if r < 2 {
				continue
			}
			if cp.batch >= 0 {
				p := &items[cp.batch]
				p.Score += 3
				if p.Status == "new" && !p.Brand && p.Score >= 3 {
					p.Status, p.Reason, p.RuleID = "filtered", social.FilterSpam, 0
				}
				continue
			}
			if storedRank[cp.id] < 2 {
				if err := im.filterRepeat(ctx, c, cp); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func sortCopies(cs []repeatCopy) {
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].created != cs[b].created {
			return cs[a].created < cs[b].created
		}
		return cs[a].id < cs[b].id
	})
}

// filterRepeat filters a stored copy that is now a third or later one.
func (im *Importer) filterRepeat(ctx context.Context, c dbtx, cp repeatCopy) error {
	st := cp.stored
	if err := social.AddRepeatScore(ctx, c, cp.id); err != nil {
		return err
	}
	if st.brand || (st.status != "new" && st.status != "converted" && st.status != "appended") {
		return nil
	}
	if err := social.FilterAsSpam(ctx, c, cp.id); err != nil {
		return err
	}
	if st.importID == im.id {
		im.sum.Filtered[social.FilterSpam]++
	}
	if st.post == 0 || st.status == "new" || (st.status == "appended" && st.questionOfPost) {
		return nil // nothing shown, or quoted as a question's context
	}
	now := im.s.now().Unix()
	if _, err := c.ExecContext(ctx, `UPDATE posts SET hidden_at = ?, hidden_reason = ? WHERE id = ? AND hidden_at IS NULL`,
		now, hiddenForRepeats, st.post); err != nil {
		return err
	}
	if st.questionOfPost {
		if _, err := c.ExecContext(ctx, `UPDATE threads SET hidden_at = ? WHERE id = ? AND hidden_at IS NULL`, now, st.thread); err != nil {
			return err
		}
	}
	if _, err := c.ExecContext(ctx, `UPDATE threads SET answer_count = (SELECT COUNT(*) FROM posts p
		WHERE p.thread_id = ?1 AND p.is_question = 0 AND `+visiblePost+`),
		first_answer_at = (SELECT MIN(p.created_at) FROM posts p
			WHERE p.thread_id = ?1 AND p.is_question = 0 AND p.author_id != threads.author_id AND `+visiblePost+`) WHERE id = ?1`, st.thread); err != nil {
		return err
	}
	return im.s.indexThread(ctx, c, st.thread)
}
