package handlers

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// testOP is a real OpenID provider (zitadel/oidc's op package) served in
// the test process, over an in-memory storage written here. Its login page
// signs in whichever of its users the test chose (as the person at the
// company's provider would), then hands the browser back through the
// provider's own authorization callback.
type testOP struct {
	t        testing.TB
	srv      *httptest.Server
	provider *op.Provider
	client   *http.Client // a browser at the provider: no cookies needed, redirects not followed

	mu       sync.Mutex
	key      *rsa.PrivateKey
	keyID    string
	requests map[string]*testAuthRequest // by id
	codes    map[string]string           // code -> request id
	tokens   map[string]*testToken       // access token id -> token
	users    map[string]*testOPUser      // by subject
	current  string                      // the subject the login page signs in
	// issueTo, when set, is the application the provider issues tokens to
	// for the forum's client id (as a provider would whose registration of
	// the forum is another application's): the ID token's authorized party
	// and audience. audience adds to that audience.
	issueTo  string
	audience []string
	// idTokenLifetime is how long ID tokens are valid (0: an hour).
	idTokenLifetime time.Duration
	// lastPrompt is the prompt parameter of the latest authorization request.
	lastPrompt []string
}

// testOPUser is a person at the provider.
type testOPUser struct {
	Subject           string
	Email             string
	EmailVerified     bool
	Name              string
	PreferredUsername string
	Groups            []string
}

const (
	testClientID     = "crowdcare-forum"
	testClientSecret = "client-secret-from-the-environment"
	testRedirectURI  = "http://forum.test/sso/callback"
)

// newTestOP starts the provider.
func newTestOP(t testing.TB) *testOP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	o := &testOP{t: t, key: key, keyID: "key-1", requests: map[string]*testAuthRequest{}, codes: map[string]string{},
		tokens: map[string]*testToken{}, users: map[string]*testOPUser{}}
	mux := http.NewServeMux()
	o.srv = httptest.NewServer(mux)
	t.Cleanup(o.srv.Close)
	o.provider, err = op.NewProvider(&op.Config{CryptoKey: sha256.Sum256([]byte("test op")), CodeMethodS256: true, AuthMethodPost: true},
		o, op.StaticIssuer(o.srv.URL), op.WithAllowInsecure(), op.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("/login", o.login)
	mux.Handle("/", o.provider)
	o.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return o
}

// addUser adds a person at the provider.
func (o *testOP) addUser(u testOPUser) *testOPUser {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.users[u.Subject] = &u
	return &u
}

// update changes a person at the provider (their groups, their address).
func (o *testOP) update(subject string, fn func(*testOPUser)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fn(o.users[subject])
}

// login is the provider's login page: it signs in the chosen person.
func (o *testOP) login(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	o.mu.Lock()
	req, ok := o.requests[id]
	if ok {
		req.subject, req.done, req.authTime = o.current, true, time.Now()
	}
	o.mu.Unlock()
	if !ok {
		http.Error(w, "unknown request", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, o.srv.URL+"/authorize/callback?id="+url.QueryEscape(id), http.StatusFound)
}

// callbackPath drives browser c from the forum's login button to the
// provider and back, signing in as subject, and returns the forum's
// callback address (path and query) without following it.
func (o *testOP) callbackPath(c *client, subject, next string) string {
	o.t.Helper()
	return o.callbackPathWith(c, subject, url.Values{"next": {next}})
}

// callbackPathWith is callbackPath with the start form's fields.
func (o *testOP) callbackPathWith(c *client, subject string, form url.Values) string {
	o.t.Helper()
	o.mu.Lock()
	o.current = subject
	o.mu.Unlock()
	res := c.post("/sso/start", form)
	if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location, o.srv.URL) {
		o.t.Fatalf("sso start: %d %q %s", res.Code, res.Location, res.Body)
	}
	loc := res.Location
	for range 10 {
		if strings.HasPrefix(loc, "http://forum.test/") {
			return strings.TrimPrefix(loc, "http://forum.test")
		}
		if strings.HasPrefix(loc, "/") {
			loc = o.srv.URL + loc
		}
		resp, err := o.client.Get(loc)
		if err != nil {
			o.t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			o.t.Fatalf("provider answered %d at %s: %s", resp.StatusCode, loc, body)
		}
		loc = resp.Header.Get("Location")
	}
	o.t.Fatal("too many redirects at the provider")
	return ""
}

// signIn is a whole company sign-in: the forum's answer to the callback.
func (o *testOP) signIn(c *client, subject, next string) *response {
	o.t.Helper()
	return c.get(o.callbackPath(c, subject, next))
}

// The op.Storage the provider runs on.

type testAuthRequest struct {
	id, clientID, redirectURI, state, nonce string
	scopes                                  []string
	responseType                            oidc.ResponseType
	responseMode                            oidc.ResponseMode
	challenge                               *oidc.CodeChallenge
	audience                                []string
	subject                                 string
	done                                    bool
	authTime                                time.Time
}

func (r *testAuthRequest) GetID() string                         { return r.id }
func (r *testAuthRequest) GetACR() string                        { return "" }
func (r *testAuthRequest) GetAMR() []string                      { return []string{"pwd"} }
func (r *testAuthRequest) GetAudience() []string                 { return r.audience }
func (r *testAuthRequest) GetAuthTime() time.Time                { return r.authTime }
func (r *testAuthRequest) GetClientID() string                   { return r.clientID }
func (r *testAuthRequest) GetCodeChallenge() *oidc.CodeChallenge { return r.challenge }
func (r *testAuthRequest) GetNonce() string                      { return r.nonce }
func (r *testAuthRequest) GetRedirectURI() string                { return r.redirectURI }
func (r *testAuthRequest) GetResponseType() oidc.ResponseType    { return r.responseType }
func (r *testAuthRequest) GetResponseMode() oidc.ResponseMode    { return r.responseMode }
func (r *testAuthRequest) GetScopes() []string                   { return r.scopes }
func (r *testAuthRequest) GetState() string                      { return r.state }
func (r *testAuthRequest) GetSubject() string                    { return r.subject }
func (r *testAuthRequest) Done() bool                            { return r.done }

type testToken struct {
	id, subject, clientID string
	scopes                []string
	expires               time.Time
}

var errNotSupported = errors.New("not supported by the test provider")

func (o *testOP) CreateAuthRequest(_ context.Context, ar *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lastPrompt = ar.Prompt
	r := &testAuthRequest{id: rand.Text(), clientID: ar.ClientID, redirectURI: ar.RedirectURI, state: ar.State, nonce: ar.Nonce,
		scopes: ar.Scopes, responseType: ar.ResponseType, responseMode: ar.ResponseMode}
	if o.issueTo != "" {
		r.clientID = o.issueTo
	}
	r.audience = append([]string{r.clientID}, o.audience...)
	if ar.CodeChallenge != "" {
		r.challenge = &oidc.CodeChallenge{Challenge: ar.CodeChallenge, Method: ar.CodeChallengeMethod}
	}
	o.requests[r.id] = r
	return r, nil
}

func (o *testOP) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if r, ok := o.requests[id]; ok {
		return r, nil
	}
	return nil, errors.New("request not found")
}

func (o *testOP) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	o.mu.Lock()
	id, ok := o.codes[code]
	o.mu.Unlock()
	if !ok {
		return nil, errors.New("code invalid or used")
	}
	return o.AuthRequestByID(ctx, id)
}

func (o *testOP) SaveAuthCode(_ context.Context, id, code string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes[code] = id
	return nil
}

// DeleteAuthRequest runs once the code was traded for tokens: the code
// works once.
func (o *testOP) DeleteAuthRequest(_ context.Context, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.requests, id)
	for code, rid := range o.codes {
		if rid == id {
			delete(o.codes, code)
		}
	}
	return nil
}

func (o *testOP) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := &testToken{id: rand.Text(), subject: req.GetSubject(), scopes: req.GetScopes(), expires: time.Now().Add(5 * time.Minute)}
	if ar, ok := req.(*testAuthRequest); ok {
		t.clientID = ar.clientID
	}
	o.tokens[t.id] = t
	return t.id, t.expires, nil
}

func (o *testOP) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNotSupported
}
func (o *testOP) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errNotSupported
}
func (o *testOP) TerminateSession(context.Context, string, string) error { return nil }
func (o *testOP) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return nil
}
func (o *testOP) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

type testSigningKey struct{ o *testOP }

func (k testSigningKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k testSigningKey) Key() any                                    { return k.o.key }
func (k testSigningKey) ID() string                                  { return k.o.keyID }

type testPublicKey struct{ o *testOP }

func (k testPublicKey) ID() string                         { return k.o.keyID }
func (k testPublicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k testPublicKey) Use() string                        { return "sig" }
func (k testPublicKey) Key() any                           { return &k.o.key.PublicKey }

func (o *testOP) SigningKey(context.Context) (op.SigningKey, error) { return testSigningKey{o}, nil }
func (o *testOP) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}
func (o *testOP) KeySet(context.Context) ([]op.Key, error) { return []op.Key{testPublicKey{o}}, nil }

func (o *testOP) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if id != testClientID && (o.issueTo == "" || id != o.issueTo) {
		return nil, fmt.Errorf("client %q not found", id)
	}
	life := o.idTokenLifetime
	if life == 0 {
		life = time.Hour
	}
	c := &testClient{id: testClientID, idTokenLifetime: life}
	if o.issueTo != "" {
		c.id = o.issueTo
	}
	return c, nil
}

func (o *testOP) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != testClientID || secret != testClientSecret {
		return errors.New("wrong client id or secret")
	}
	return nil
}

func (o *testOP) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims.
func (o *testOP) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return o.userinfo(info, req.GetSubject(), scopes)
}

// SetUserinfoFromToken answers the userinfo endpoint.
func (o *testOP) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	o.mu.Lock()
	t, ok := o.tokens[tokenID]
	o.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return errors.New("token invalid or expired")
	}
	return o.userinfo(info, t.subject, t.scopes)
}

func (o *testOP) userinfo(info *oidc.UserInfo, subject string, scopes []string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, ok := o.users[subject]
	if !ok {
		return errors.New("no such user")
	}
	info.Subject = u.Subject
	for _, s := range scopes {
		switch s {
		case oidc.ScopeEmail:
			info.Email, info.EmailVerified = u.Email, oidc.Bool(u.EmailVerified)
		case oidc.ScopeProfile:
			info.Name, info.PreferredUsername = u.Name, u.PreferredUsername
		}
	}
	if len(u.Groups) > 0 {
		info.AppendClaims("groups", u.Groups)
	}
	return nil
}

func (o *testOP) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotSupported
}
func (o *testOP) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}
func (o *testOP) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotSupported
}
func (o *testOP) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotSupported
}
func (o *testOP) Health(context.Context) error { return nil }

// testClient is the forum as registered at the provider: a confidential
// web client with its redirect URI, the code flow only.
type testClient struct {
	id              string
	idTokenLifetime time.Duration
}

func (c *testClient) GetID() string                       { return c.id }
func (c *testClient) RedirectURIs() []string              { return []string{testRedirectURI} }
func (c *testClient) PostLogoutRedirectURIs() []string    { return nil }
func (c *testClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *testClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *testClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *testClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode}
}
func (c *testClient) LoginURL(id string) string            { return "/login?id=" + url.QueryEscape(id) }
func (c *testClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *testClient) IDTokenLifetime() time.Duration       { return c.idTokenLifetime }
func (c *testClient) DevMode() bool                        { return true } // an http:// redirect URI
func (c *testClient) IsScopeAllowed(string) bool           { return true }
func (c *testClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *testClient) ClockSkew() time.Duration             { return 0 }
func (c *testClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *testClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
