package e2e

import (
	"context"
	"github.com/crowdcare/crowdcare/internal/testdb"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"github.com/crowdcare/crowdcare/handlers"
	"github.com/crowdcare/crowdcare/models"
)

// newLocalhostSite is newSite served as http://localhost:PORT, its base URL
// too: WebAuthn needs a relying party that is a host name (not an IP
// address) and the exact origin the browser is at.
func newLocalhostSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	opts := models.Options{PasswordCost: bcrypt.MinCost}
	if testdb.Postgres() {
		opts.FilesDir = t.TempDir()
	}
	store, err := models.Open(ctx, testdb.Location(t, "e2e.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://localhost:" + strings.TrimPrefix(srv.Listener.Addr().String()[strings.LastIndex(srv.Listener.Addr().String(), ":"):], ":")
	e, err := handlers.New(ctx, handlers.Config{BaseURL: base}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = e
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		store.Close()
	})
	return &site{t: t, url: base, store: store}
}

// virtualAuthenticator gives the tab a platform authenticator that says
// yes at once (user present and verified), as Chromium's WebAuthn domain does
// for tests.
func virtualAuthenticator() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
				Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				IsUserVerified: true, AutomaticPresenceSimulation: true}})
		return err
	})
}

func clearCookies() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
		return err
	})
}

// TestPasskeyInTheBrowser adds a passkey in Settings › Security and logs in
// with it as the second factor, through static/js/passkey.js and Chromium's
// own WebAuthn, with a virtual authenticator standing in for the device.
func TestPasskeyInTheBrowser(t *testing.T) {
	s := newLocalhostSite(t)
	s.user("pia", models.RoleModerator)
	b := newTab(t, 1280, 900)
	b.run(virtualAuthenticator())
	b.login(s.url, "pia")
	b.run(chromedp.Navigate(s.url+"/settings/security"),
		chromedp.WaitVisible(chromedp.CSS(`form[data-passkey="register"] [data-passkey-button]`)),
		chromedp.SendKeys(chromedp.CSS("#f-passkey-name"), "Test laptop"),
		chromedp.Click(chromedp.CSS(`form[data-passkey="register"] [data-passkey-button]`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.recovery-codes`)))
	mustHave(t, b.text("h1"), "Your recovery codes")
	// Changing the factors now needs the password first.
	b.run(chromedp.Navigate(s.url+"/settings/security"), chromedp.WaitVisible(chromedp.CSS(`form[action="/settings/security/confirm"]`)))
	mustHave(t, b.text("main"), "Test laptop")
	// Log in again: the password, then the passkey.
	b.run(clearCookies(), chromedp.Navigate(s.url+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "pia"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-passkey="login"] [data-passkey-button]`)))
	mustHave(t, b.text("h1"), "Two-factor authentication")
	b.run(chromedp.Click(chromedp.CSS(`form[data-passkey="login"] [data-passkey-button]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/u/pia"]`)))
	b.run(chromedp.Navigate(s.url+"/mod/flags"), chromedp.WaitVisible(chromedp.CSS("h1")))
	mustHave(t, b.text("h1"), "Flag")
	if p := b.problems(); len(p) > 0 {
		t.Errorf("script problems: %v", p)
	}
}

// TestAuthenticatorAppInTheBrowser sets up TOTP without JavaScript's help
// and logs in with a code: the path that works in any browser.
func TestAuthenticatorAppInTheBrowser(t *testing.T) {
	s := newSite(t)
	s.user("otto", models.RoleMember)
	b := newTab(t, 390, 844)
	b.login(s.url, "otto")
	b.run(chromedp.Navigate(s.url+"/settings/security"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/2fa/totp/new"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`code.secret`)))
	secret := b.text("code.secret")
	b.run(chromedp.SendKeys(chromedp.CSS("#f-code"), totpNow(t, s, secret, 0)),
		chromedp.Click(chromedp.CSS(`form[action="/settings/2fa/totp"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.recovery-codes`)))
	b.run(clearCookies(), chromedp.Navigate(s.url+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "otto"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-code`)),
		chromedp.SendKeys(chromedp.CSS("#f-code"), totpNow(t, s, secret, 1)),
		chromedp.Click(chromedp.CSS(`form[action="/login/2fa"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/u/otto"]`)))
	if p := b.problems(); len(p) > 0 {
		t.Errorf("script problems: %v", p)
	}
}

// totpNow is the authenticator app's code, steps time steps from now.
func totpNow(t *testing.T, s *site, secret string, steps int) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, s.store.Now().Add(time.Duration(steps)*30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestAccessibilityOfTwoFactorPages runs axe on the pages of setting up an
// authenticator app, the recovery codes, and the second step of a login.
func TestAccessibilityOfTwoFactorPages(t *testing.T) {
	axe := axeSource(t)
	s := newSite(t)
	s.user("ada", models.RoleAdmin)
	b := newTab(t, 1280, 900)
	b.login(s.url, "ada")
	check := func(where string) {
		b.run(chromedp.Evaluate[chromedp.Void](axe))
		vs := get(b, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)`,
			chromedp.EvalAwaitPromise))
		for _, v := range vs {
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Errorf("%s: %s (%s) %s", where, v.ID, v.Impact, v.Help)
			}
		}
	}
	b.run(chromedp.Navigate(s.url+"/settings/security"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/2fa/totp/new"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`code.secret`)))
	check("authenticator app set-up")
	secret := b.text("code.secret")
	b.run(chromedp.SendKeys(chromedp.CSS("#f-code"), totpNow(t, s, secret, 0)),
		chromedp.Click(chromedp.CSS(`form[action="/settings/2fa/totp"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.recovery-codes`)))
	check("recovery codes")
	b.run(chromedp.Navigate(s.url+"/settings/security"), chromedp.WaitVisible(chromedp.CSS("h1")))
	check("security settings with a factor")
	b.run(clearCookies(), chromedp.Navigate(s.url+"/login"),
		chromedp.SendKeys(chromedp.CSS("#f-username"), "ada"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-code`)))
	check("second step of a login")
}
