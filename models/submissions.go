package models

import (
	"context"
	"database/sql"

	"github.com/crowdcare/crowdcare/models/forum"
)

// Submission keys are the forum's (models/forum/submissions.go); these are
// the names handlers and this package's files use.

// SubmissionKeyTTL is how long what a submission made is remembered under
// its key (forum.SubmissionKeyTTL). Alias: moved to models/forum.
const SubmissionKeyTTL = forum.SubmissionKeyTTL

// ValidSubmissionKey reports whether a form's key has the shape the forms
// make (forum.ValidSubmissionKey).
func ValidSubmissionKey(k string) bool { return forum.ValidSubmissionKey(k) }

// submissionKey is the stored key of a form's key for one kind of submission.
func submissionKey(kind, key string) string { return forum.SubmissionKey(kind, key) }

// claimSubmission records in tx that the user's submission under key made id.
func (s *Store) claimSubmission(ctx context.Context, tx *sql.Tx, userID int64, key string, id int64) error {
	return s.Forum.ClaimSubmission(ctx, tx, userID, key, id)
}

// repeated runs write unless the user's submission under key was written already.
func (s *Store) repeated(ctx context.Context, userID int64, key string, write func() (int64, error)) (id int64, first bool, err error) {
	return s.Forum.Repeated(ctx, userID, key, write)
}
