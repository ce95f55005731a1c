package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/models"
)

// ssoFlags adds company sign-in's flags to serve. Each has an environment
// variable; the client secret has only that: a flag would show it in the
// process list.
func ssoFlags(fs *flag.FlagSet) func() handlers.SSOConfig {
	issuer := fs.String("oidc-issuer", os.Getenv("CROWDCARE_OIDC_ISSUER"), "company sign-in: the OpenID provider's issuer URL; empty turns it off ($CROWDCARE_OIDC_ISSUER)")
	clientID := fs.String("oidc-client-id", os.Getenv("CROWDCARE_OIDC_CLIENT_ID"), "the client id registered at the provider ($CROWDCARE_OIDC_CLIENT_ID; the secret only in $CROWDCARE_OIDC_CLIENT_SECRET)")
	scopes := fs.String("oidc-scopes", env("CROWDCARE_OIDC_SCOPES", strings.Join(handlers.DefaultSSOScopes, " ")), "scopes to ask for, space-separated ($CROWDCARE_OIDC_SCOPES)")
	button := fs.String("oidc-button", env("CROWDCARE_OIDC_BUTTON", handlers.DefaultSSOButton), "the login page's button ($CROWDCARE_OIDC_BUTTON)")
	verified := fs.String("oidc-email-verified-claim", env("CROWDCARE_OIDC_EMAIL_VERIFIED_CLAIM", "email_verified"), "the claim that says the provider verified the email (Entra ID: xms_edov) ($CROWDCARE_OIDC_EMAIL_VERIFIED_CLAIM)")
	require := fs.String("oidc-require", os.Getenv("CROWDCARE_OIDC_REQUIRE"), `who may sign in: claim=value conditions separated by ";", any one enough, e.g. "hd=example.com" ($CROWDCARE_OIDC_REQUIRE)`)
	ambassador := fs.String("oidc-ambassador", os.Getenv("CROWDCARE_OIDC_AMBASSADOR"), `conditions that make an ambassador at each sign-in, e.g. "groups=community-ambassadors; email_domain=example.com" ($CROWDCARE_OIDC_AMBASSADOR)`)
	moderator := fs.String("oidc-moderator", os.Getenv("CROWDCARE_OIDC_MODERATOR"), `conditions that make a moderator at each sign-in, e.g. "groups=community-moderators" ($CROWDCARE_OIDC_MODERATOR)`)
	staffSession := fs.Duration("oidc-staff-session", envDuration("CROWDCARE_OIDC_STAFF_SESSION", handlers.DefaultStaffSession), "how long a staff member's company sign-in lasts while staff must use it ($CROWDCARE_OIDC_STAFF_SESSION)")
	return func() handlers.SSOConfig {
		return handlers.SSOConfig{Issuer: *issuer, ClientID: *clientID, ClientSecret: os.Getenv("CROWDCARE_OIDC_CLIENT_SECRET"),
			Scopes: strings.Fields(*scopes), ButtonLabel: *button, EmailVerifiedClaim: *verified,
			Require: *require, Ambassador: *ambassador, Moderator: *moderator, StaffSession: *staffSession}
	}
}

// userReset2FA removes a user's second factors, for someone who lost their
// authenticator app, passkeys and recovery codes alike.
func userReset2FA(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := newFlags("user reset-2fa")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("user reset-2fa takes one USERNAME")
	}
	return useUser(ctx, *db, pos[0], func(store *models.Store, u *models.User) error {
		if err := store.ResetSecondFactors(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Removed the second factors of %s (authenticator app, passkeys, recovery codes) and logged them out "+
			"everywhere. They log in with their password alone, and set up a new factor in Settings › Security.\n", u.Username)
		return nil
	})
}
