package handlers

import (
	"errors"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/policy"
)

// refusalText is what a member reads when policy refuses an action on a
// post: the words are chosen here, at the edge, from the refusal's reason.
// Refusals that are "not found" or "forbidden" (policy.Gone,
// policy.NotPermitted) reach the error page as models.ErrNotFound and
// models.ErrForbidden instead.
func refusalText(r *policy.Refusal) string {
	switch r.Reason {
	case policy.NotSignedIn:
		return "Log in first."
	case policy.OwnPost:
		if r.Action == policy.Flag {
			return "You cannot flag your own post; edit or delete it instead."
		}
		return "You cannot vote for your own post."
	case policy.NotAnAnswer:
		return "Only an answer can be accepted."
	case policy.NotVisible:
		return "Only a visible answer can be recommended."
	case policy.Locked:
		return "This thread is locked: it takes no new answers."
	case policy.Gone:
		return "There is nothing here. It may have been moved or removed."
	}
	return "You are not allowed to do that."
}

// policyRefusal is the policy refusal in err that a member should read (not
// one the store turned into not found or forbidden).
func policyRefusal(err error) (*policy.Refusal, bool) {
	var r *policy.Refusal
	if !errors.As(err, &r) || errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrForbidden) {
		return nil, false
	}
	return r, true
}
