// Package policy is who may do what, decided in one place.
//
// roles.go is the table of roles and permissions: checks name a permission,
// never a role, so Role.Can is the one place that maps one to the other.
// This file decides the actions on a post: one function per action, called
// both by the page that decides whether to show its button (handlers) and by
// the store before it does the work (models), so the two cannot disagree.
// A refusal is a *Refusal with a Reason; the words a member reads are
// chosen at the edge (handlers), not here.
//
// The package knows nothing of the database: the store describes the actor
// and the post with the small values below.
package policy

import "fmt"

// Actor is who asks. The zero Actor is a visitor.
type Actor struct {
	ID   int64 // 0: a visitor
	Role Role
}

// Can reports whether the actor's role grants the permission (never a
// visitor's).
func (a Actor) Can(p Permission) bool { return a.ID != 0 && a.Role.Can(p) }

// Post is what the decisions read of a post and its thread.
type Post struct {
	AuthorID   int64
	IsQuestion bool
	// The post removed by its author or staff, hidden by staff, or waiting
	// in the approval queue.
	Deleted, Hidden, Pending bool
	ThreadAuthorID           int64
	ThreadDeleted            bool
	// ThreadGone: the thread is removed, hidden or queued.
	ThreadGone bool
}

// live: shown to everyone, in a thread shown to everyone.
func (p Post) live() bool { return !p.ThreadGone && !p.Deleted && !p.Hidden && !p.Pending }

// Action is something done to a post.
type Action string

// The actions on a post that a thread page offers as buttons or links.
const (
	Vote       Action = "vote"      // mark helpful (or take it back)
	Accept     Action = "accept"    // accept as the answer (or take it back)
	Edit       Action = "edit"      // edit the text, or a question's title and tags
	Delete     Action = "delete"    // remove it (softly)
	SeeHistory Action = "history"   // read its revisions
	Flag       Action = "flag"      // report it to the moderators
	Hide       Action = "hide"      // hide or unhide it
	Recommend  Action = "recommend" // mark it "Recommended by <brand>" (or take it back)
)

// Actions lists the actions Decide knows, for tests and tables.
func Actions() []Action {
	return []Action{Vote, Accept, Edit, Delete, SeeHistory, Flag, Hide, Recommend}
}

// Reason is why an action is refused.
type Reason string

// The reasons, for the edge to put in words.
const (
	NotSignedIn  Reason = "not_signed_in" // a visitor: log in first
	Gone         Reason = "gone"          // the post or its thread is not there to act on: not found
	NotPermitted Reason = "not_permitted" // neither one's own nor granted by one's role: forbidden
	OwnPost      Reason = "own_post"      // not on one's own post (votes, flags)
	NotAnAnswer  Reason = "not_an_answer" // only answers (accepting)
	NotVisible   Reason = "not_visible"   // only a post everyone sees (recommending)
)

// Refusal is an action refused, and why.
type Refusal struct {
	Action Action
	Reason Reason
}

func (r *Refusal) Error() string { return fmt.Sprintf("%s refused: %s", r.Action, r.Reason) }

func refuse(a Action, r Reason) error { return &Refusal{Action: a, Reason: r} }

// Decide is the decision on an action: nil when who may do it to p, else a
// *Refusal. It is the functions below by name.
func Decide(a Action, who Actor, p Post) error {
	switch a {
	case Vote:
		return MayVote(who, p)
	case Accept:
		return MayAccept(who, p)
	case Edit:
		return MayEdit(who, p)
	case Delete:
		return MayDelete(who, p)
	case SeeHistory:
		return MaySeeHistory(who, p)
	case Flag:
		return MayFlag(who, p)
	case Hide:
		return MayHide(who, p)
	case Recommend:
		return MayRecommend(who, p)
	}
	return fmt.Errorf("policy: unknown action %q", a)
}

// MayVote: a member votes a live post helpful, never their own.
func MayVote(who Actor, p Post) error {
	switch {
	case who.ID == 0:
		return refuse(Vote, NotSignedIn)
	case !p.live():
		return refuse(Vote, Gone)
	case p.AuthorID == who.ID:
		return refuse(Vote, OwnPost)
	}
	return nil
}

// MayAccept: the asker, or whoever may accept on others' questions, accepts
// a live answer of a live thread.
func MayAccept(who Actor, p Post) error {
	switch {
	case who.ID == 0:
		return refuse(Accept, NotSignedIn)
	case !p.live():
		return refuse(Accept, Gone)
	case who.ID != p.ThreadAuthorID && !who.Can(PermAcceptAny):
		return refuse(Accept, NotPermitted)
	case p.IsQuestion:
		return refuse(Accept, NotAnAnswer)
	}
	return nil
}

// MayEditText: the author, or whoever may edit any post, edits a post's
// text (and removes it) unless it is removed already.
func MayEditText(who Actor, p Post) bool {
	return who.ID != 0 && !p.Deleted && (who.ID == p.AuthorID || who.Can(PermEditAny))
}

// MayEdit: the text as MayEditText allows, or a question's title and tags
// for whoever may edit titles; never in a removed thread.
func MayEdit(who Actor, p Post) error {
	switch {
	case who.ID == 0:
		return refuse(Edit, NotSignedIn)
	case p.ThreadDeleted:
		return refuse(Edit, Gone)
	case !MayEditText(who, p) && !MayEditTitleOnly(who, p):
		return refuse(Edit, NotPermitted)
	}
	return nil
}

// MayEditTitleOnly: who may retitle and retag this question without
// touching its text (superusers).
func MayEditTitleOnly(who Actor, p Post) bool {
	return !MayEditText(who, p) && p.IsQuestion && who.Can(PermEditTitles)
}

// MayDelete: whoever may edit the text removes the post; never in a removed
// thread.
func MayDelete(who Actor, p Post) error {
	switch {
	case who.ID == 0:
		return refuse(Delete, NotSignedIn)
	case p.ThreadDeleted:
		return refuse(Delete, Gone)
	case !MayEditText(who, p):
		return refuse(Delete, NotPermitted)
	}
	return nil
}

// MaySeeHistory: its author reads a post's revisions, and whoever may read
// others' histories, except that a post others cannot read (removed, hidden
// or queued) is only for those who may hide posts.
func MaySeeHistory(who Actor, p Post) error {
	switch {
	case who.ID == 0:
		return refuse(SeeHistory, NotSignedIn)
	case who.ID == p.AuthorID:
		return nil
	case who.Can(PermSeeRevisions) && (!p.Deleted && !p.Hidden && !p.Pending || who.Can(PermHide)):
		return nil
	}
	return refuse(SeeHistory, NotPermitted)
}

// MayFlag: a member reports a live post, never their own.
func MayFlag(who Actor, p Post) error {
	switch {
	case who.ID == 0:
		return refuse(Flag, NotSignedIn)
	case !p.live():
		return refuse(Flag, Gone)
	case p.AuthorID == who.ID:
		return refuse(Flag, OwnPost)
	}
	return nil
}

// MayHide: whoever may hide posts hides or unhides one not removed.
func MayHide(who Actor, p Post) error {
	switch {
	case who.ID == 0:
		return refuse(Hide, NotSignedIn)
	case !who.Can(PermHide):
		return refuse(Hide, NotPermitted)
	case p.Deleted:
		return refuse(Hide, Gone)
	}
	return nil
}

// MayRecommend: whoever may recommend marks a live answer.
func MayRecommend(who Actor, p Post) error {
	switch {
	case who.ID == 0:
		return refuse(Recommend, NotSignedIn)
	case !who.Can(PermRecommend):
		return refuse(Recommend, NotPermitted)
	case p.IsQuestion || !p.live():
		return refuse(Recommend, NotVisible)
	}
	return nil
}
