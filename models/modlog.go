package models

import (
	"context"
	"database/sql"
	"time"

	"github.com/crowdcare/crowdcare/models/moderation"
)

// The audit log lives in models/moderation (its SQL); these keep the
// names the rest of models calls, and the entries' actors as UserRef.

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

// LogEntry is one audit-log line (moderation.Entry: the action, its
// target, TargetURL, the reason, when) with its actor.
type LogEntry struct {
	Actor UserRef // zero for an action no account did (a command-line import): ActorLabel says who then
	moderation.Entry
}

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
	lines, err := s.LogLines(ctx, (list.Page-1)*50, 50)
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		list.Entries = append(list.Entries, LogEntry{Actor: UserRef{ID: l.ActorID, Username: l.ActorName, Role: Role(l.ActorRole)}, Entry: l.Entry})
	}
	return list, nil
}

// newModerator is the flags and audit log over the store's reads, writer,
// transactions and clock.
func (s *Store) newModerator() *moderation.Moderator {
	return moderation.New(moderation.DB{Reader: s.reader, Exec: s.exec, InTx: s.inTx, Now: s.now, NotFound: ErrNotFound,
		Refusal: func(until time.Time, why string) error {
			return suspendedErr(&User{SuspendedUntil: until, SuspendReason: why}, s.now())
		}})
}
