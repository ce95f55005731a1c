package models

import (
	"context"
	"database/sql"
	"time"

	"github.com/crowdcare/crowdcare/models/moderation"
)

// The audit log lives in models/moderation (its SQL, LogEntry with its
// actor, the reading). What stays: logAction and logUnattributed, the
// adapters some twenty steps across models call in their transactions
// (and the domains moved out are handed, as accounts' Deps.Log): they turn
// a suspended actor's stored suspension into models' refusal, whose
// English is the web layer's; and the page of the log (LogList embeds
// Paging, still models').

// logAction writes one line of the audit log, in the transaction of the
// action; a suspended actor's action is refused and so undone
// (moderation.Log).
func logAction(ctx context.Context, tx *sql.Tx, now time.Time, actor *User, action, targetType string, targetID int64, reason string) error {
	return moderation.Log(ctx, tx, now, actor.ID, action, targetType, targetID, reason, func(until time.Time, why string) error {
		return suspendedErr(&User{SuspendedUntil: until, SuspendReason: why}, now)
	})
}

// logUnattributed writes an audit line of an action no account did (an
// import run from the command line): label says who ran it.
func logUnattributed(ctx context.Context, tx *sql.Tx, now time.Time, label, action, targetType string, targetID int64, reason string) error {
	return moderation.LogUnattributed(ctx, tx, now, label, action, targetType, targetID, reason)
}

// LogEntry is one audit-log line (the action, its target, TargetURL, the
// reason, when) with its actor. Alias: moved to models/moderation.
type LogEntry = moderation.LogEntry

// LogList is a page of the audit log.
type LogList struct {
	Entries []LogEntry
	Paging
}

// ModLog lists moderation actions, newest first.
func (s *Store) ModLog(ctx context.Context, page int) (*LogList, error) {
	total, err := s.LogCount(ctx)
	if err != nil {
		return nil, err
	}
	list := &LogList{Paging: paging(page, total, 50)}
	if list.Entries, err = s.LogEntries(ctx, (list.Page-1)*50, 50); err != nil {
		return nil, err
	}
	return list, nil
}

// newModerator is the flags, the queues and the audit log over the store's
// reads, writer, transactions and clock, reading the queues' posts and
// threads with the forum's columns, scanning and tags.
func (s *Store) newModerator() *moderation.Moderator {
	return moderation.New(moderation.DB{Reader: s.reader, Exec: s.exec, InTx: s.inTx, Now: s.now, NotFound: ErrNotFound,
		Refusal: func(until time.Time, why string) error {
			return suspendedErr(&User{SuspendedUntil: until, SuspendReason: why}, s.now())
		},
		Forum: moderation.Forum{PostSelect: postColumns + postJoins, ScanPost: scanPost,
			ThreadSelect: threadColumns + threadJoins, ScanThread: s.scanThread, FillTags: s.fillTags}})
}
