package policy

// What staff may do to one account besides what their role grants: the
// moderation page offers a form only where these allow it, and the store
// refuses the rest (models' CanSuspendUser and the others call these).

// Account is what these decisions read of the account acted on.
type Account struct {
	ID      int64
	Role    Role
	Deleted bool
}

// MaySuspend: whoever may suspend suspends an account or lifts its
// suspension: nobody their own, and only an admin a staff member's.
func MaySuspend(who Actor, target Account) bool {
	return who.Can(PermSuspend) && who.ID != target.ID && (!target.Role.IsStaff() || who.Role == RoleAdmin)
}

// MayRemoveSpammer: whoever may suspend and hide removes an account as a
// spammer: never a staff account, nor their own.
func MayRemoveSpammer(who Actor, target Account) bool {
	return who.Can(PermSuspend) && who.Can(PermHide) && who.ID != target.ID && !target.Role.IsStaff()
}

// MaySetRole: whoever manages roles changes an account's role, never their
// own.
func MaySetRole(who Actor, target Account) bool {
	return who.Can(PermManageRoles) && who.ID != target.ID
}

// MayDeleteAccount: an admin deletes another member's account from the
// moderation page, never their own (they delete it from their settings,
// like anyone), nor one deleted already.
func MayDeleteAccount(who Actor, target Account) bool {
	return who.Can(PermDeleteUsers) && who.ID != target.ID && !target.Deleted
}
