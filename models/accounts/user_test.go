package accounts

import (
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/policy"
)

func TestUserSaysWhatItIs(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var visitor *User
	if visitor.Can(policy.PermHide) || visitor.Suspended(now) || visitor.Deleted() || visitor.EmailVerified() {
		t.Error("a visitor (nil user) can, is suspended, deleted or verified")
	}
	if visitor.Actor() != (policy.Actor{}) {
		t.Errorf("a visitor's actor = %+v, want the zero actor", visitor.Actor())
	}
	u := &User{ID: 7, Username: "ada", Role: policy.RoleModerator, AvatarURL: "/uploads/a.webp",
		SuspendedUntil: now.Add(time.Hour)}
	if !u.Suspended(now) || u.Suspended(now.Add(2*time.Hour)) {
		t.Error("suspended until an hour from now: wrong at now or after")
	}
	if !u.Can(policy.PermHide) || u.Can(policy.PermManageSite) {
		t.Error("a moderator's permissions are not the policy table's")
	}
	if got, want := u.Ref(), (UserRef{ID: 7, Username: "ada", Role: policy.RoleModerator, AvatarURL: "/uploads/a.webp"}); got != want {
		t.Errorf("Ref = %+v, want %+v", got, want)
	}
	if u.URL() != "/u/ada" || u.Ref().URL() != "/u/ada" {
		t.Errorf("profile addresses %q, %q", u.URL(), u.Ref().URL())
	}
	if got := u.Account(); got != (policy.Account{ID: 7, Role: policy.RoleModerator}) {
		t.Errorf("Account = %+v", got)
	}
	if (UserRef{Username: DeletedUsernamePrefix + "12"}).Deleted() != true || u.Ref().Deleted() {
		t.Error("a deleted member's ref is told by its username's prefix, and only that")
	}
}

func TestImportedProfileNames(t *testing.T) {
	for _, c := range []struct {
		u          User
		name, link string
	}{
		{User{XHandle: "jo_b", XUserID: "42"}, "@jo_b", "https://x.com/jo_b"},
		{User{XUserID: "42"}, "X user 42", "https://x.com/i/user/42"},
		{User{XUserID: UnknownXAuthor}, "Unknown author", ""},
		{User{}, "Unknown author", ""},
		{User{XHandle: "a/b"}, "@a/b", "https://x.com/a%2Fb"},
	} {
		if got := c.u.XName(); got != c.name {
			t.Errorf("%+v: XName = %q, want %q", c.u, got, c.name)
		}
		if got := c.u.XProfileURL(); got != c.link {
			t.Errorf("%+v: XProfileURL = %q, want %q", c.u, got, c.link)
		}
	}
}
