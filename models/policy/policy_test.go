package policy

import (
	"errors"
	"testing"
)

// TestDecisions: the cases where the rules differ from "staff may, others
// may not", one per line, and that every refusal says its action and why.
func TestDecisions(t *testing.T) {
	const asker, answerer, other = 1, 2, 3
	answer := Post{AuthorID: answerer, ThreadAuthorID: asker}
	question := Post{AuthorID: asker, ThreadAuthorID: asker, IsQuestion: true}
	hidden, gone := answer, answer
	hidden.Hidden = true
	gone.ThreadGone = true
	deletedThread := answer
	deletedThread.ThreadDeleted, deletedThread.ThreadGone = true, true
	member := func(id int64) Actor { return Actor{ID: id, Role: RoleMember} }
	super, amb, mod := Actor{ID: 9, Role: RoleSuperuser}, Actor{ID: 9, Role: RoleAmbassador}, Actor{ID: 9, Role: RoleModerator}
	for _, c := range []struct {
		name string
		a    Action
		who  Actor
		p    Post
		want Reason // "" allowed
	}{
		{"visitors do nothing", Vote, Actor{}, answer, NotSignedIn},
		{"a member votes", Vote, member(other), answer, ""},
		{"not for oneself", Vote, member(answerer), answer, OwnPost},
		{"not a hidden post", Vote, member(other), hidden, Gone},
		{"not in a hidden thread", Flag, member(other), gone, Gone},
		{"the asker accepts", Accept, member(asker), answer, ""},
		{"another member does not", Accept, member(other), answer, NotPermitted},
		{"a moderator does", Accept, mod, answer, ""},
		{"not a question", Accept, member(asker), question, NotAnAnswer},
		{"not a hidden answer", Accept, member(asker), hidden, Gone},
		{"the author edits", Edit, member(answerer), answer, ""},
		{"a superuser retitles a question", Edit, super, question, ""},
		{"but not an answer", Edit, super, answer, NotPermitted},
		{"nor deletes", Delete, super, question, NotPermitted},
		{"nothing in a removed thread", Delete, member(answerer), deletedThread, Gone},
		{"the author reads the history", SeeHistory, member(answerer), hidden, ""},
		{"a superuser a live post's", SeeHistory, super, answer, ""},
		{"not a hidden one's", SeeHistory, super, hidden, NotPermitted},
		{"a moderator hides", Hide, mod, answer, ""},
		{"a superuser does not", Hide, super, answer, NotPermitted},
		{"an ambassador recommends", Recommend, amb, answer, ""},
		{"not a question", Recommend, amb, question, NotVisible},
		{"a moderator does not", Recommend, mod, answer, NotPermitted},
	} {
		err := Decide(c.a, c.who, c.p)
		var r *Refusal
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s (%s): refused: %v", c.name, c.a, err)
		case c.want != "" && (!errors.As(err, &r) || r.Reason != c.want || r.Action != c.a):
			t.Errorf("%s (%s): %v, want %s", c.name, c.a, err, c.want)
		}
	}
	if MayEditTitleOnly(member(asker), question) || !MayEditTitleOnly(super, question) || MayEditTitleOnly(super, answer) {
		t.Error("title-only editing is for superusers on others' questions")
	}
}

// TestAccountDecisions: nobody acts on their own account here, only an
// admin on a staff member's, and no staff account is removed as a spammer.
func TestAccountDecisions(t *testing.T) {
	admin, mod, amb := Actor{ID: 1, Role: RoleAdmin}, Actor{ID: 2, Role: RoleModerator}, Actor{ID: 3, Role: RoleAmbassador}
	member := Account{ID: 10, Role: RoleMember}
	staff := Account{ID: 11, Role: RoleModerator}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"a moderator suspends a member", MaySuspend(mod, member), true},
		{"not a staff member", MaySuspend(mod, staff), false},
		{"an admin does", MaySuspend(admin, staff), true},
		{"nobody themselves", MaySuspend(admin, Account{ID: 1, Role: RoleAdmin}), false},
		{"a visitor nobody", MaySuspend(Actor{}, member), false},
		{"an ambassador removes a spammer", MayRemoveSpammer(amb, member), true},
		{"never a staff account", MayRemoveSpammer(admin, staff), false},
		{"an admin sets roles", MaySetRole(admin, staff), true},
		{"a moderator does not", MaySetRole(mod, member), false},
		{"an admin deletes an account", MayDeleteAccount(admin, member), true},
		{"not one deleted already", MayDeleteAccount(admin, Account{ID: 10, Deleted: true}), false},
		{"not their own", MayDeleteAccount(admin, Account{ID: 1, Role: RoleAdmin}), false},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v", c.name, c.got)
		}
	}
}
