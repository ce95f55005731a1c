package site

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for image.DecodeConfig and image.Decode
	_ "image/png"
	"math"
	"mime"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	_ "golang.org/x/image/webp"

	"github.com/crowdcare/crowdcare/models/invalid"
	"github.com/crowdcare/crowdcare/svgsafe"
)

// FooterLink is one of the links an admin puts in every page's footer.
type FooterLink struct {
	// Kind is the footer slot: "terms", "privacy", "contact" or "status".
	Kind  string
	Label string
	URL   string // http or https only
}

// FooterKinds are the footer's slots in the order shown, with the label a
// link gets when the admin gives only its address.
var FooterKinds = []struct{ Kind, Label string }{
	{"terms", "Terms of service"}, {"privacy", "Privacy"}, {"contact", "Contact"}, {"status", "Status"},
}

// Site assets: the images an admin uploads.
const (
	AssetLogo    = "logo"
	AssetFavicon = "favicon"
	// MaxAssetBytes is the largest file taken for a logo or favicon.
	MaxAssetBytes = 512 << 10
	// MaxAssetPixels is the largest width or height of a bitmap taken: a
	// logo is shown at most a few hundred pixels wide, and decoding costs
	// memory by the pixel.
	MaxAssetPixels = 2048
)

// SiteAssetRef says which logo or favicon is current: what the pages link to.
type SiteAssetRef struct {
	ContentType string // "" when none was uploaded
	Hash        string
	// Width and Height are the size the image declares, 0 when unknown
	// (an SVG without one): for its aspect ratio.
	Width, Height int
}

// Set reports whether an image was uploaded.
func (r SiteAssetRef) Set() bool { return r.Hash != "" }

// Ext is the file extension the image's address ends with.
func (r SiteAssetRef) Ext() string { return assetExt[r.ContentType] }

// SiteAsset is a stored logo or favicon.
type SiteAsset struct {
	Name string
	SiteAssetRef
	Data []byte
}

// AssetUpload is a file as an admin sent it.
type AssetUpload struct {
	Filename    string
	ContentType string // what the browser said
	Data        []byte
}

var assetExt = map[string]string{"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/svg+xml": "svg"}

// formatName names a format for messages.
var formatName = map[string]string{"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP", "image/svg+xml": "SVG"}

// declaredType is the type a file claims by its name or the type its
// browser sent, "" when it claims none the site knows.
func declaredType(filename, contentType string) string {
	switch strings.ToLower(path.Ext(filename)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	case ".svg":
		return "image/svg+xml"
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		if _, ok := assetExt[mt]; ok {
			return mt
		}
	}
	return ""
}

// CheckSiteAsset reads an uploaded logo or favicon and returns what is
// stored: a PNG, JPEG or WebP image that decodes and is at most
// MaxAssetPixels each way, kept as sent; or an SVG image cleaned by
// svgsafe. The type is the content's, never only the name's: a file whose
// name or declared type says one format and whose bytes are another is
// refused. A refusal is a *invalid.Error on the field named name.
func CheckSiteAsset(name string, up AssetUpload) (SiteAsset, error) {
	fail := func(format string, args ...any) (SiteAsset, error) {
		return SiteAsset{}, &invalid.Error{Fields: map[string]string{name: fmt.Sprintf(format, args...)}}
	}
	if name != AssetLogo && name != AssetFavicon {
		return fail("There is no site image called %q.", name)
	}
	if len(up.Data) == 0 {
		return fail("The file is empty.")
	}
	if len(up.Data) > MaxAssetBytes {
		return fail("The file is %d KB; the most a %s may be is %d KB.", (len(up.Data)+1023)/1024, name, MaxAssetBytes/1024)
	}
	claimed := declaredType(up.Filename, up.ContentType)
	file := "The file"
	if up.Filename != "" {
		file = fmt.Sprintf("%q", up.Filename)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(up.Data))
	if err == nil {
		found := "image/" + format
		if claimed != "" && claimed != found {
			return fail("%s is a %s image, not %s: give it the name it should have (.%s) and upload it again.",
				file, formatName[found], formatName[claimed], assetExt[found])
		}
		if cfg.Width > MaxAssetPixels || cfg.Height > MaxAssetPixels || cfg.Width < 1 || cfg.Height < 1 {
			return fail("%s is %d×%d pixels; a %s may be at most %d on each side.", file, cfg.Width, cfg.Height, name, MaxAssetPixels)
		}
		if _, _, err := image.Decode(bytes.NewReader(up.Data)); err != nil {
			return fail("%s looks like a %s image but cannot be read (%s). Export it again.", file, formatName[found], strings.TrimPrefix(err.Error(), format+": "))
		}
		a := newAsset(name, found, up.Data)
		a.Width, a.Height = cfg.Width, cfg.Height
		return a, nil
	}
	if claimed != "image/svg+xml" && !looksLikeXML(up.Data) {
		return fail("%s is not an image the site takes: upload a PNG, JPEG, WebP or SVG.", file)
	}
	if claimed != "" && claimed != "image/svg+xml" {
		return fail("%s is named as a %s image but is not one: upload a PNG, JPEG, WebP or SVG.", file, formatName[claimed])
	}
	if !utf8.Valid(up.Data) {
		return fail("%s is not an image the site takes: upload a PNG, JPEG, WebP or SVG.", file)
	}
	clean, err := svgsafe.Clean(up.Data)
	if err != nil {
		var se *svgsafe.Error
		if errors.As(err, &se) {
			return fail("%s", se.Reason)
		}
		return SiteAsset{}, err
	}
	a := newAsset(name, "image/svg+xml", clean)
	if w, h := svgsafe.Size(clean); w >= 1 && h >= 1 && w <= svgsafe.MaxViewBox && h <= svgsafe.MaxViewBox {
		a.Width, a.Height = int(math.Round(w)), int(math.Round(h))
	}
	return a, nil
}

// looksLikeXML reports whether data starts, past a byte-order mark and
// blanks, with "<".
func looksLikeXML(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '<'
}

func newAsset(name, contentType string, data []byte) SiteAsset {
	sum := sha256.Sum256(data)
	return SiteAsset{Name: name, SiteAssetRef: SiteAssetRef{ContentType: contentType, Hash: hex.EncodeToString(sum[:8])}, Data: data}
}

// SiteAsset returns the stored logo or favicon; the store's not-found
// error when none is.
func (s *Site) SiteAsset(ctx context.Context, name string) (SiteAsset, error) {
	a := SiteAsset{Name: name}
	err := s.db.Reader(ctx).QueryRowContext(ctx, `SELECT content_type, hash, width, height, data FROM site_assets WHERE name = ?`, name).
		Scan(&a.ContentType, &a.Hash, &a.Width, &a.Height, &a.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return a, s.notFound
	}
	if err != nil {
		return a, fmt.Errorf("load site asset %s: %w", name, err)
	}
	return a, nil
}

// SaveAsset checks (CheckSiteAsset, with contentType as the declared
// type) and stores a logo or favicon, replacing the one before. It writes
// no audit line: it is for seeding (the demo) and tools run by the
// operator (models.Store.SaveSiteAsset); an admin's upload goes through
// the settings form, which is audited.
func (s *Site) SaveAsset(ctx context.Context, name, contentType string, data []byte) error {
	a, err := CheckSiteAsset(name, AssetUpload{ContentType: contentType, Data: data})
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error { return s.putAsset(ctx, tx, a) })
}

func (s *Site) putAsset(ctx context.Context, tx *sql.Tx, a SiteAsset) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO site_assets (name, content_type, data, hash, width, height, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, hash = excluded.hash,
		width = excluded.width, height = excluded.height, updated_at = excluded.updated_at`,
		a.Name, a.ContentType, a.Data, a.Hash, a.Width, a.Height, s.now().Unix())
	if err != nil {
		return fmt.Errorf("save site asset %s: %w", a.Name, err)
	}
	return nil
}

// siteAssetRefs reads which logo and favicon are current.
func siteAssetRefs(ctx context.Context, q Queryer, out *SiteSettings) error {
	rows, err := q.QueryContext(ctx, `SELECT name, content_type, hash, width, height FROM site_assets`)
	if err != nil {
		return fmt.Errorf("load site assets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var ref SiteAssetRef
		if err := rows.Scan(&name, &ref.ContentType, &ref.Hash, &ref.Width, &ref.Height); err != nil {
			return err
		}
		switch name {
		case AssetLogo:
			out.Logo = ref
		case AssetFavicon:
			out.Favicon = ref
		}
	}
	return rows.Err()
}

// checkFooterLink validates one footer slot as typed; the label defaults
// to the slot's.
func checkFooterLink(v validator, kind, defaultLabel, label, address string) (FooterLink, bool) {
	label, address = strings.TrimSpace(label), strings.TrimSpace(address)
	field := "footer_" + kind
	if address == "" {
		v.Check(label == "", field+"_url", "Give this link's address (https://…), or clear its label.")
		return FooterLink{}, false
	}
	if label == "" {
		label = defaultLabel
	}
	v.Check(utf8.RuneCountInString(label) <= 40, field+"_label", "Keep the label to 40 characters.")
	u, err := url.Parse(address)
	ok := err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil && len(address) <= 500
	v.Check(ok, field+"_url", "Give a web address starting with https:// (or http://), up to 500 characters.")
	return FooterLink{Kind: kind, Label: label, URL: address}, ok
}
