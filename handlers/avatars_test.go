package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/crowdcare/crowdcare/internal/demo"
	"github.com/crowdcare/crowdcare/models"
)

// avatarOf finds the generated avatar drawn for a user at size.
func avatarOf(t *testing.T, a *testApp, name string, size int) *regexp.Regexp {
	t.Helper()
	u, err := a.store.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	key, err := a.store.Setting(context.Background(), "avatar_key")
	if err != nil {
		t.Fatal(err)
	}
	v, err := avatars{key: key}.of(u, size)
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`<span class="avatar av-` + strconv.Itoa(v.Color) + ` av-` + strconv.Itoa(size) +
		`" aria-hidden="true">` + v.Initials + `</span>`)
}

// People have faces: beside names in thread lists, thread posts, profiles,
// notifications and the people lists, each the same person's colour, hidden
// from screen readers since the name is beside it.
func TestAvatarsBesideNames(t *testing.T) {
	a := newApp(t)
	// Standing off, so the acceptance puts peer on the leaderboard.
	a.adminClient("boss").post("/admin/settings", adminSettings(url.Values{"standing_days": {"0"}, "standing_reputation": {"0"}}))
	asker, peer := a.client(), a.client()
	asker.register("mary_jane")
	peer.register("peer")
	thread, _ := solve(t, a, asker, peer, "Router reboots itself every night", "Disable the nightly maintenance window in Settings.")
	visitor := a.client()
	mary20, mary32, mary64 := avatarOf(t, a, "mary_jane", 20), avatarOf(t, a, "mary_jane", 32), avatarOf(t, a, "mary_jane", 64)
	peer32 := avatarOf(t, a, "peer", 32)
	for place, c := range map[string]struct {
		body string
		re   *regexp.Regexp
		then string // the name beside it
	}{
		"thread list":   {visitor.get("/").Body, mary20, `<a class="user" href="/u/mary_jane">mary_jane</a>`},
		"question":      {visitor.get(thread).Body, mary32, `<a class="user" href="/u/mary_jane">mary_jane</a>`},
		"answer":        {visitor.get(thread).Body, peer32, `<a class="user" href="/u/peer">peer</a>`},
		"profile":       {visitor.get("/u/mary_jane").Body, mary64, `mary_jane`},
		"notifications": {asker.get("/notifications").Body, peer32, `<a href="/p/`},
		"leaderboard":   {visitor.get("/leaderboard?period=all").Body, avatarOf(t, a, "peer", 20), `<a class="user" href="/u/peer">peer</a>`},
	} {
		if !regexp.MustCompile(c.re.String() + regexp.QuoteMeta(c.then)).MatchString(c.body) {
			t.Errorf("%s: no avatar %s beside %s", place, c.re, c.then)
		}
	}
	if !mary32.MatchString(visitor.get(thread).Body) || !regexp.MustCompile(`aria-hidden="true">MJ</span>`).MatchString(visitor.get(thread).Body) {
		t.Error("mary_jane's initials are not MJ")
	}
}

func TestInitials(t *testing.T) {
	for name, want := range map[string]string{"mary_jane": "MJ", "peer": "P", "MaryJane": "MJ", "bob42": "B", "ann.lee-smith": "AL",
		"jo_2": "J", "élodie": "É", "": "?", "__": "?"} {
		if got := initials(name); got != want {
			t.Errorf("initials(%q) = %q, want %q", name, got, want)
		}
	}
}

// The colour comes from a keyed hash: another site's key gives other colours.
func TestAvatarColoursAreKeyed(t *testing.T) {
	a, b := avatars{key: []byte("one site's key")}, avatars{key: []byte("another site's key")}
	same, seen := 0, map[int]bool{}
	for id := int64(1); id <= 200; id++ {
		if a.color(id) == b.color(id) {
			same++
		}
		if a.color(id) != a.color(id) {
			t.Fatal("colour changes between calls")
		}
		seen[a.color(id)] = true
	}
	if same > 60 || len(seen) != avatarColors {
		t.Errorf("%d of 200 alike across keys, %d colours used", same, len(seen))
	}
	if _, err := a.of(models.UserRef{ID: 1, Username: "x"}, 48); err == nil {
		t.Error("a size site.css does not draw was accepted")
	}
	if v, _ := a.of(&models.User{ID: 1, Username: "x", AvatarURL: "/uploads/x.png"}, 32); v.URL != "/uploads/x.png" {
		t.Error("an uploaded avatar is not used")
	}
}

// Every avatar colour in site.css reads with its white initials at AA.
func TestAvatarColoursMeetAA(t *testing.T) {
	css, err := os.ReadFile("../static/css/site.css")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\.avatar \{[^}]*color: #fff;`).Match(css) {
		t.Fatal("site.css: .avatar's text is not white")
	}
	white, _ := models.ParseColor("#ffffff")
	for i := 0; i < avatarColors; i++ {
		m := regexp.MustCompile(`\.av-` + strconv.Itoa(i) + ` \{ background: (#[0-9a-f]{6}); \}`).FindSubmatch(css)
		if m == nil {
			t.Errorf("site.css has no .av-%d colour", i)
			continue
		}
		bg, _ := models.ParseColor(string(m[1]))
		if r := models.Contrast(white, bg); r < models.MinContrast {
			t.Errorf(".av-%d %s: %.2f:1 with white", i, m[1], r)
		}
	}
	for size := range avatarSizes {
		if !regexp.MustCompile(`\.av-` + strconv.Itoa(size) + ` \{ width: ` + strconv.Itoa(size) + `px; height: ` + strconv.Itoa(size) + `px;`).Match(css) {
			t.Errorf("site.css has no .av-%d size", size)
		}
	}
}

// TestAvatarPageWeight measures what the inline avatars add to the demo's
// pages, against an <img> of a generated SVG per name (docs/branding.md):
// go test -tags sqlite_fts5 ./handlers -run TestAvatarPageWeight -v
func TestAvatarPageWeight(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, a.store); err != nil {
		t.Fatal(err)
	}
	list, err := a.store.Threads(ctx, models.ThreadQuery{Show: models.ShowSolved})
	if err != nil || len(list.Threads) == 0 {
		t.Fatalf("demo threads: %v", err)
	}
	span := regexp.MustCompile(`<span class="avatar av-\d+ av-(\d+)" aria-hidden="true">[^<]*</span>`)
	people := regexp.MustCompile(`<a class="user" href="(/u/[^"]+)"`)
	gz := func(s string) int {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Len()
	}
	for _, path := range []string{"/", list.Threads[0].URL(), "/leaderboard?period=all"} {
		body := a.client().get(path).Body
		n := len(span.FindAllString(body, -1))
		if n == 0 {
			t.Fatalf("%s: no avatars", path)
		}
		without := span.ReplaceAllString(body, "")
		img := span.ReplaceAllStringFunc(body, func(s string) string {
			size := span.FindStringSubmatch(s)[1]
			return `<img class="avatar av-` + size + `" src="/avatar/1234.svg" alt="" width="` + size + `" height="` + size + `" loading="lazy">`
		})
		distinct := map[string]bool{}
		for _, m := range people.FindAllStringSubmatch(body, -1) {
			distinct[m[1]] = true
		}
		added := len(body) - len(without)
		t.Logf("%s: %d avatars of %d people: inline +%d bytes (+%d gzipped); <img> +%d bytes (+%d gzipped) and %d requests",
			path, n, len(distinct), added, gz(body)-gz(without), len(img)-len(without), gz(img)-gz(without), len(distinct))
		if added > 70*n {
			t.Errorf("%s: %d bytes for %d avatars", path, added, n)
		}
	}
}
