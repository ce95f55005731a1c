package handlers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// softPasskey is an authenticator in software: an ES256 key pair that
// answers WebAuthn ceremonies as a browser's platform authenticator would
// (attestation "none"), for the origin the forum is served at.
type softPasskey struct {
	t      testing.TB
	key    *ecdsa.PrivateKey
	id     []byte
	user   []byte // the user handle it was created for
	count  uint32
	origin string
	rpID   string
}

func newSoftPasskey(t testing.TB) *softPasskey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &softPasskey{t: t, key: key, id: id, origin: "http://forum.test", rpID: "forum.test"}
}

var b64 = base64.RawURLEncoding

func (k *softPasskey) clientData(typ, challenge string) []byte {
	b, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": k.origin, "crossOrigin": false})
	if err != nil {
		k.t.Fatal(err)
	}
	return b
}

func (k *softPasskey) authData(flags byte, attested []byte) []byte {
	rp := sha256.Sum256([]byte(k.rpID))
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	return append(out, attested...)
}

// create answers the options of POST /settings/passkeys/options.
func (k *softPasskey) create(options string) string {
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal([]byte(options), &o); err != nil || o.PublicKey.Challenge == "" {
		k.t.Fatalf("creation options %q: %v", options, err)
	}
	k.user, _ = b64.DecodeString(o.PublicKey.User.ID)
	enc, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		k.t.Fatal(err)
	}
	pub := k.key.PublicKey
	cose, err := enc.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub.X.FillBytes(make([]byte, 32)), -3: pub.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		k.t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(k.id)))
	attested = append(append(attested, k.id...), cose...)
	obj, err := enc.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(0x45, attested)}) // UP, UV, AT
	if err != nil {
		k.t.Fatal(err)
	}
	return k.answer(map[string]any{"clientDataJSON": b64.EncodeToString(k.clientData("webauthn.create", o.PublicKey.Challenge)),
		"attestationObject": b64.EncodeToString(obj), "transports": []string{"internal"}})
}

// get answers the options of POST /login/2fa/passkey/options.
func (k *softPasskey) get(options string) string {
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal([]byte(options), &o); err != nil || o.PublicKey.Challenge == "" {
		k.t.Fatalf("request options %q: %v", options, err)
	}
	k.count++
	data := k.authData(0x05, nil) // UP, UV
	cd := k.clientData("webauthn.get", o.PublicKey.Challenge)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, data...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	return k.answer(map[string]any{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(data),
		"signature": b64.EncodeToString(sig), "userHandle": b64.EncodeToString(k.user)})
}

func (k *softPasskey) answer(response map[string]any) string {
	b, err := json.Marshal(map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{}, "response": response})
	if err != nil {
		k.t.Fatal(err)
	}
	return string(b)
}

// addPasskey registers k for the browser's member through the settings page.
func (c *client) addPasskey(k *softPasskey, name, password string) *response {
	c.app.t.Helper()
	opts := c.post("/settings/passkeys/options", nil)
	if opts.Code != http.StatusOK {
		c.app.t.Fatalf("passkey options: %d %s", opts.Code, opts.Body)
	}
	f := url.Values{"credential": {k.create(opts.Body)}, "name": {name}}
	if password != "" {
		f.Set("password", password)
	}
	return c.post("/settings/passkeys", f)
}

// usePasskey passes a pending login's second factor with k.
func (c *client) usePasskey(k *softPasskey) *response {
	c.app.t.Helper()
	opts := c.post("/login/2fa/passkey/options", nil)
	if opts.Code != http.StatusOK {
		c.app.t.Fatalf("passkey login options: %d %s", opts.Code, opts.Body)
	}
	return c.post("/login/2fa/passkey", url.Values{"credential": {k.get(opts.Body)}})
}

func TestPasskeyAsSecondFactor(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.register("pat")
	k := newSoftPasskey(t)
	res := c.addPasskey(k, "Work laptop", "")
	if res.Code != http.StatusOK || len(recoveryCodeRe.FindAllStringSubmatch(res.Body, -1)) != 10 {
		t.Fatalf("add a passkey: %d %s", res.Code, res.Body)
	}
	mustContain(t, c.get("/settings/security").Body, "Work laptop", "10 unused codes")
	// The login page offers the passkey (with JavaScript) and no code field
	// for an account with only a passkey... but the recovery codes stand in.
	d := a.client()
	d.passwordStep("pat")
	page := d.get("/login/2fa")
	mustContain(t, page.Body, `data-passkey="login"`, `js/passkey.`, `name="code"`)
	res = d.usePasskey(k)
	if res.Code != http.StatusSeeOther || res.Location != "/" {
		t.Fatalf("passkey login: %d %q %s", res.Code, res.Location, res.Body)
	}
	if who := d.signedIn(); who != "pat" {
		t.Fatalf("logged in as %q", who)
	}
	// An answer made for one challenge does not pass another.
	e := a.client()
	e.passwordStep("pat")
	opts := e.post("/login/2fa/passkey/options", nil)
	stale := k.get(opts.Body)
	e2 := a.client()
	e2.passwordStep("pat")
	e2.post("/login/2fa/passkey/options", nil)
	if res := e2.post("/login/2fa/passkey", url.Values{"credential": {stale}}); res.Code != http.StatusUnprocessableEntity || !a.logged("Error validating challenge") {
		t.Fatalf("an assertion for another challenge: %d", res.Code)
	}
	// Nor twice: the challenge is taken by the first use.
	if res := e.post("/login/2fa/passkey", url.Values{"credential": {stale}}); res.Code != http.StatusSeeOther {
		t.Fatalf("first use: %d %s", res.Code, res.Body)
	}
	e3 := a.client()
	e3.passwordStep("pat")
	if res := e3.post("/login/2fa/passkey", url.Values{"credential": {stale}}); res.Code != http.StatusUnprocessableEntity || !a.logged("sign-in step is not valid") {
		t.Fatalf("replayed assertion: %d", res.Code)
	}
	// A cloned key (its counter goes back) is refused.
	k.count = 0
	f := a.client()
	f.passwordStep("pat")
	if res := f.usePasskey(k); res.Code != http.StatusUnprocessableEntity || !a.logged("may have been cloned") {
		t.Fatalf("cloned passkey: %d", res.Code)
	}
	// Another key, not registered, is refused.
	g := a.client()
	g.passwordStep("pat")
	if res := g.usePasskey(newSoftPasskey(t)); res.Code != http.StatusUnprocessableEntity || !a.logged("not owned by the user") {
		t.Fatalf("an unknown passkey: %d", res.Code)
	}
	// A second passkey asks for the password now; removing one too, and
	// nobody removes another member's.
	k2 := newSoftPasskey(t)
	if res := d.addPasskey(k2, "Phone", ""); res.Code != http.StatusUnprocessableEntity {
		t.Fatalf("second passkey without the password: %d", res.Code)
	}
	if res := d.addPasskey(k2, "Phone", "correct horse"); res.Code != http.StatusSeeOther {
		t.Fatalf("second passkey: %d %s", res.Code, res.Body)
	}
	other := a.client()
	other.register("other")
	if res := other.post("/settings/passkeys/1/delete", nil); res.Code != http.StatusNotFound {
		t.Fatalf("removing another member's passkey: %d", res.Code)
	}
	if res := d.post("/settings/passkeys/1/delete", url.Values{"password": {"correct horse"}}); res.Code != http.StatusSeeOther {
		t.Fatalf("remove a passkey: %d", res.Code)
	}
	h := a.client()
	h.passwordStep("pat")
	if res := h.usePasskey(k2); res.Code != http.StatusSeeOther {
		t.Fatalf("the remaining passkey: %d", res.Code)
	}
	if !strings.Contains(d.get("/settings/security").Body, "Phone") {
		t.Fatal("the remaining passkey is not listed")
	}
}
