package site_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/models/invalid"
	"github.com/crowdcare/crowdcare/models/site"
)

const testLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 180 40"><rect width="180" height="40" fill="#1a5e3a"/></svg>`

func tinyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// SaveAsset (for seeding) checks like the form does and shows in the
// settings at once; the type must be the content's.
func TestSaveSiteAsset(t *testing.T) {
	s := openSite(t, time.Now())
	ctx := context.Background()
	if err := s.SaveAsset(ctx, site.AssetLogo, "image/svg+xml", []byte(testLogo)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAsset(ctx, site.AssetFavicon, "image/png", tinyPNG(t, 32, 32)); err != nil {
		t.Fatal(err)
	}
	set, err := s.SiteSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if set.Logo.ContentType != "image/svg+xml" || set.Logo.Width != 180 || set.Logo.Height != 40 || set.Logo.Ext() != "svg" ||
		set.Favicon.ContentType != "image/png" || set.Favicon.Width != 32 || len(set.Logo.Hash) != 16 {
		t.Errorf("refs: %+v %+v", set.Logo, set.Favicon)
	}
	a, err := s.SiteAsset(ctx, site.AssetLogo)
	if err != nil || !strings.HasPrefix(string(a.Data), `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 180 40">`) || a.Hash != set.Logo.Hash {
		t.Errorf("stored logo: %v %+v", err, a)
	}
	for _, bad := range []struct{ name, ctype, data string }{
		{site.AssetLogo, "image/svg+xml", string(tinyPNG(t, 2, 2))},
		{site.AssetLogo, "image/png", testLogo},
		{site.AssetLogo, "image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`},
		{"banner", "image/png", string(tinyPNG(t, 2, 2))},
	} {
		var fe *invalid.Error
		if err := s.SaveAsset(ctx, bad.name, bad.ctype, []byte(bad.data)); !errors.As(err, &fe) {
			t.Errorf("%s %s: %v", bad.name, bad.ctype, err)
		}
	}
	if _, err := s.SiteAsset(ctx, "banner"); !errors.Is(err, errNotFound) {
		t.Errorf("unknown asset: %v", err)
	}
}
