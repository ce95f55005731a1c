package policy

// The decisions on a thread as a whole: the thread page asks them once for
// the page (the answer form, the accept column), and the store asks the
// same before it takes an answer.

// Thread is what the decisions on a thread read of it.
type Thread struct {
	AuthorID int64
	// Gone: the thread is removed, hidden or queued.
	Gone   bool
	Locked bool
}

// Answer is posting an answer to a thread (the thread page's form).
const Answer Action = "answer"

// Locked refuses an answer to a locked thread.
const Locked Reason = "locked"

// MayAnswer: a live thread takes answers; a locked one only from whoever
// may lock threads. A visitor is shown the form and asked to log in when
// they send it (the route wants a member), so this does not refuse them.
func MayAnswer(who Actor, t Thread) error {
	switch {
	case t.Gone:
		return refuse(Answer, Gone)
	case t.Locked && !who.Can(PermLock):
		return refuse(Answer, Locked)
	}
	return nil
}

// MayAcceptIn reports whether who may accept answers in t: whether
// MayAccept allows them any live answer there (the page shows the accept
// buttons only then).
func MayAcceptIn(who Actor, t Thread) bool {
	return MayAccept(who, Post{ThreadAuthorID: t.AuthorID, ThreadGone: t.Gone}) == nil
}
