package handlers

import (
	"errors"
	"fmt"

	"github.com/crowdcare/crowdcare/models"
	"github.com/crowdcare/crowdcare/models/notallowed"
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

// NotAllowedText is what a member (or an operator, in the command line)
// reads when the store refused an action for a reason they can act on: the
// words are chosen here, at the edge, from the refusal's kind and values. A
// refusal without a kind carries its sentence in Reason (company sign-in's,
// worded in this package, is the only one).
func NotAllowedText(na *models.ErrNotAllowed) string {
	switch na.Kind {
	case notallowed.Suspended:
		return "Your account is suspended until " + na.Until.UTC().Format("2 Jan 2006") + " (" + na.Why + "). You can still read."
	case notallowed.PostsPerHour:
		return fmt.Sprintf("You have posted %d times in the last hour, the most this community allows. Please wait a little.", na.N)
	case notallowed.SuspendStaff:
		return "Only an admin can suspend staff, and nobody can suspend themselves."
	case notallowed.UnsuspendStaff:
		return "Only an admin can lift a staff member's suspension, and nobody can lift their own."
	case notallowed.RemoveStaffAsSpammer:
		return "Staff accounts cannot be removed as spammers."
	case notallowed.NotPending:
		return "That post is not waiting for approval."
	case notallowed.CannotSignIn:
		return "This account cannot sign in."
	case notallowed.AddressCannotSignIn:
		return "That address belongs to an account that cannot sign in."
	case notallowed.IdentityTaken:
		return "That sign-in already belongs to another account."
	case notallowed.DeleteSuspended:
		return "Your account is suspended: it can be deleted, but its posts stay while moderators may need them."
	case notallowed.LastAdmin:
		return "This is the only admin account. Make another member an admin first."
	case notallowed.KBVotesPerDay:
		return fmt.Sprintf("This article has been rated %d times from your network today, the most we count. Thank you all the same.", na.N)
	case notallowed.ExportsPerDay:
		return fmt.Sprintf("You asked for a copy of your data %d times in the last 24 hours. Download the latest one, or try again tomorrow.", na.N)
	case notallowed.UploadsPerDay:
		return fmt.Sprintf("You have uploaded %s in the last 24 hours, the most this community allows. "+
			"Your text is kept; attach the file later, or link to it.", models.HumanSize(na.Bytes))
	case notallowed.NoPassword:
		return na.Username + " cannot log in: no password to reset."
	case notallowed.AlreadyStaff:
		return "You already have a staff role."
	case notallowed.LinksPerHour:
		return "Three links were sent in the last hour. Check your inbox (and spam folder), or try again later."
	case notallowed.OwnRole:
		return "You cannot change your own role."
	case notallowed.PasskeyLimit:
		return fmt.Sprintf("An account can have %d passkeys. Remove one first.", na.N)
	case notallowed.PasskeyTaken:
		return "That passkey is registered already."
	case notallowed.Unconfirmed:
		return "Confirm your email address before you post: open the link we sent to " + na.Email +
			", or ask for a new one in your settings (/settings)."
	case notallowed.AlreadyConfirmed:
		return "Your email address is already confirmed."
	case notallowed.AddressTaken:
		if na.Email == "" {
			return "Another account has had the new address since the link was sent, so your address is unchanged."
		}
		return "Another account has had " + na.Email + " since the link was sent, so your address is unchanged."
	case notallowed.AddressChangesPerHour:
		return "You asked to change your address three times in the last hour. Check the inbox of the new address, or try again later."
	case notallowed.EditSuspended:
		return "Your account is suspended: you can read but not edit."
	case notallowed.EditsPerHour:
		return fmt.Sprintf("You have edited posts %d times in the last hour, the most this community allows. "+
			"Please wait a little before saving again.", na.N)
	case notallowed.NotASolution:
		return "Only a visible answer in the same thread can become the solution."
	case notallowed.NotImportedFromX:
		return "Only a profile imported from X can be linked."
	}
	if na.Reason != "" {
		return na.Reason
	}
	return "You are not allowed to do that."
}
