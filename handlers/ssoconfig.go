package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/crowdcare/crowdcare/models"
)

// SSOConfig configures company sign-in: OpenID Connect's authorization code
// flow with PKCE against the company's identity provider (Keycloak,
// Microsoft Entra ID, Okta, Google Workspace ...), found by discovery from
// Issuer. An empty Issuer turns it off.
type SSOConfig struct {
	Issuer   string
	ClientID string
	// ClientSecret comes from the environment only, never a flag.
	ClientSecret string
	// Scopes asked for; "openid" is always among them. Default: openid email profile.
	Scopes []string
	// ButtonLabel is the login page's button. Default: "Sign in with your company account".
	ButtonLabel string
	// EmailVerifiedClaim names the claim that says the provider verified
	// the email address (default email_verified; Entra ID: xms_edov).
	EmailVerifiedClaim string
	// Require, Ambassador and Moderator are claim conditions (see
	// parseClaimRules): a sign-in must meet one of Require (when set), and
	// meeting one of Ambassador or Moderator grants that role.
	Require, Ambassador, Moderator string
	// StaffSession is how long a staff member's company sign-in lasts while
	// staff must use it (the StaffSSO setting). Default: 12 hours.
	StaffSession time.Duration
}

// DefaultSSOButton and DefaultSSOScopes apply unless configured.
const DefaultSSOButton = "Sign in with your company account"

// DefaultSSOScopes are asked for unless configured.
var DefaultSSOScopes = []string{oidc.ScopeOpenID, "email", "profile"}

// DefaultStaffSession bounds a staff member's company sign-in.
const DefaultStaffSession = 12 * time.Hour

// sso is company sign-in as configured: the provider is discovered on
// first use (and again while that fails), so a provider that is down when
// the server starts delays sign-ins, not the start.
type sso struct {
	cfg        SSOConfig
	require    []claimRule
	ambassador []claimRule
	moderator  []claimRule
	// base lives as long as the server: the provider's key set fetches
	// keys with it later, after the request that discovered it has ended.
	base context.Context

	mu       sync.Mutex
	provider *oidc.Provider
}

// newSSO checks the configuration; nil when company sign-in is off.
func newSSO(ctx context.Context, cfg SSOConfig) (*sso, error) {
	if strings.TrimSpace(cfg.Issuer) == "" {
		return nil, nil
	}
	cfg.Issuer = strings.TrimSpace(cfg.Issuer)
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("--oidc-issuer %q: not a URL like https://login.example.com/realms/staff", cfg.Issuer)
	}
	if cfg.ClientID == "" {
		return nil, fmt.Errorf("--oidc-client-id is required with --oidc-issuer")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultSSOScopes
	}
	if !contains(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.ButtonLabel == "" {
		cfg.ButtonLabel = DefaultSSOButton
	}
	if cfg.EmailVerifiedClaim == "" {
		cfg.EmailVerifiedClaim = "email_verified"
	}
	if cfg.StaffSession <= 0 {
		cfg.StaffSession = DefaultStaffSession
	}
	s := &sso{cfg: cfg, base: context.WithoutCancel(ctx)}
	for _, r := range []struct {
		flag string
		text string
		into *[]claimRule
	}{{"--oidc-require", cfg.Require, &s.require}, {"--oidc-ambassador", cfg.Ambassador, &s.ambassador}, {"--oidc-moderator", cfg.Moderator, &s.moderator}} {
		if *r.into, err = parseClaimRules(r.text); err != nil {
			return nil, fmt.Errorf("%s: %w", r.flag, err)
		}
	}
	return s, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// discover finds the provider's endpoints and keys from its issuer URL
// (/.well-known/openid-configuration), once it succeeds.
func (s *sso) discover() (*oidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider != nil {
		return s.provider, nil
	}
	ctx, cancel := context.WithTimeout(s.base, 10*time.Second)
	defer cancel()
	// The key set keeps the context it is made with for later fetches: the
	// server's, not this timeout's.
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.httpClient()), s.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", s.cfg.Issuer, err)
	}
	s.provider = p
	return p, nil
}

// httpClient talks to the provider: never for long.
func (s *sso) httpClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }

// oauth2 is the client's OAuth 2.0 configuration at the provider.
func (s *sso) oauth2(p *oidc.Provider, baseURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: baseURL + "/sso/callback", Scopes: s.cfg.Scopes}
}

// claimRule is one condition on a token's claims: the claim named Claim
// (a top-level name, or a dotted path into nested objects such as
// realm_access.roles) has Value, or, for a list, contains it. The claim
// email_domain is the domain of a verified email address.
type claimRule struct {
	Claim, Value string
}

func (r claimRule) String() string { return r.Claim + "=" + r.Value }

// parseClaimRules reads conditions written "claim=value", separated by
// semicolons or new lines: "groups=community-ambassadors; email_domain=example-isp.com".
func parseClaimRules(text string) ([]claimRule, error) {
	var out []claimRule
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		claim, value, ok := strings.Cut(part, "=")
		claim, value = strings.TrimSpace(claim), strings.TrimSpace(value)
		if !ok || claim == "" || value == "" {
			return nil, fmt.Errorf("%q is not a condition like groups=community-ambassadors", part)
		}
		out = append(out, claimRule{Claim: claim, Value: value})
	}
	return out, nil
}

// claimSet is a token's claims, merged from the ID token and the userinfo answer.
type claimSet map[string]any

// lookup finds a claim by its name, or failing that by a dotted path.
func (cs claimSet) lookup(name string) (any, bool) {
	if v, ok := cs[name]; ok {
		return v, true
	}
	var cur any = map[string]any(cs)
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// str is a claim as a string ("" when absent or not a string).
func (cs claimSet) str(name string) string {
	v, _ := cs.lookup(name)
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// truthy reports whether a claim is true: JSON true, or the string "true"
// (some providers send booleans as strings).
func (cs claimSet) truthy(name string) bool {
	switch v, _ := cs.lookup(name); v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// emailVerified reports whether the provider verified the email claim.
func (s *sso) emailVerified(cs claimSet) bool { return cs.truthy(s.cfg.EmailVerifiedClaim) }

// matches reports which rule the claims meet, if any.
func (s *sso) matches(cs claimSet, rules []claimRule) (claimRule, bool) {
	for _, r := range rules {
		if r.Claim == "email_domain" {
			_, domain, ok := strings.Cut(cs.str("email"), "@")
			if ok && s.emailVerified(cs) && strings.EqualFold(domain, r.Value) {
				return r, true
			}
			continue
		}
		v, ok := cs.lookup(r.Claim)
		if ok && claimHas(v, r.Value) {
			return r, true
		}
	}
	return claimRule{}, false
}

// claimHas reports whether a claim's value is want, or, for a list (or a
// space-separated string, as scopes are), contains it.
func claimHas(v any, want string) bool {
	switch v := v.(type) {
	case string:
		return v == want || contains(strings.Fields(v), want)
	case bool:
		return strconv.FormatBool(v) == want
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64) == want
	case []any:
		for _, x := range v {
			if claimHas(x, want) {
				return true
			}
		}
	}
	return false
}

// role is the role the claims map to: moderator before ambassador (it is
// the more trusted of the two), or "" for none; and the rule that matched.
func (s *sso) role(cs claimSet) (models.Role, string) {
	if r, ok := s.matches(cs, s.moderator); ok {
		return models.RoleModerator, r.String()
	}
	if r, ok := s.matches(cs, s.ambassador); ok {
		return models.RoleAmbassador, r.String()
	}
	return "", ""
}

// allowed reports whether the claims meet the sign-in condition, if one is set.
func (s *sso) allowed(cs claimSet) bool {
	if len(s.require) == 0 {
		return true
	}
	_, ok := s.matches(cs, s.require)
	return ok
}
