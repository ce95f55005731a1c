package policy

import (
	"errors"
	"testing"
)

func TestThreadDecisions(t *testing.T) {
	const asker, other = 1, 3
	live := Thread{AuthorID: asker}
	locked := Thread{AuthorID: asker, Locked: true}
	gone := Thread{AuthorID: asker, Gone: true}
	member := func(id int64) Actor { return Actor{ID: id, Role: RoleMember} }
	mod, amb, super := Actor{ID: 9, Role: RoleModerator}, Actor{ID: 9, Role: RoleAmbassador}, Actor{ID: 9, Role: RoleSuperuser}
	for _, c := range []struct {
		name   string
		who    Actor
		t      Thread
		answer Reason // "" allowed
		accept bool
	}{
		{"a visitor sees the form, accepts nothing", Actor{}, live, "", false},
		{"the asker answers and accepts", member(asker), live, "", true},
		{"another member answers, does not accept", member(other), live, "", false},
		{"a superuser does not accept others' questions", super, live, "", false},
		{"an ambassador accepts", amb, live, "", true},
		{"a locked thread takes no member's answer", member(asker), locked, Locked, true},
		{"nor a visitor's", Actor{}, locked, Locked, false},
		{"but a moderator's", mod, locked, "", true},
		{"a gone thread takes nothing", mod, gone, Gone, false},
	} {
		err := MayAnswer(c.who, c.t)
		var r *Refusal
		switch {
		case c.answer == "" && err != nil:
			t.Errorf("%s: answering refused: %v", c.name, err)
		case c.answer != "" && (!errors.As(err, &r) || r.Reason != c.answer || r.Action != Answer):
			t.Errorf("%s: answering: %v, want %s", c.name, err, c.answer)
		}
		if got := MayAcceptIn(c.who, c.t); got != c.accept {
			t.Errorf("%s: MayAcceptIn = %v, want %v", c.name, got, c.accept)
		}
		// The page's accept column agrees with the decision on each answer.
		answer := Post{AuthorID: other + 1, ThreadAuthorID: c.t.AuthorID, ThreadGone: c.t.Gone}
		if got := MayAccept(c.who, answer) == nil; got != c.accept {
			t.Errorf("%s: MayAccept on an answer = %v, the page's column %v", c.name, got, c.accept)
		}
	}
}
