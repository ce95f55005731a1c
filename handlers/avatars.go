package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crowdcare/crowdcare/models"
)

// People have faces: every name in lists, posts, profiles and notifications
// has an avatar beside it. Until a member uploads a picture (the accounts
// work fills models.UserRef.AvatarURL) it is their initials on a colour
// chosen from their account id by a keyed hash, drawn inline as a <span>
// with a class: no request to anyone, no image to fetch, and nothing that
// tells an outsider more than the name beside it does (the key is the
// site's own, so the colour does not give away the id). The colours are
// site.css's .av-0 … .av-11, each tested for AA contrast with its text.
//
// Inline, it costs about 70 bytes a name; an <img> of a generated SVG costs
// as many in the page plus a request per distinct person (docs/branding.md).

// avatarColors is how many .av-N classes site.css has.
const avatarColors = 12

// avatarSizes are the sizes site.css has a class for (.av-20, …).
var avatarSizes = map[int]bool{20: true, 32: true, 64: true}

// avatarView is what the avatar partial draws.
type avatarView struct {
	// URL is an uploaded picture; "" for the generated one.
	URL string
	// Initials and Color (the class av-<Color>) draw the generated one.
	Initials string
	Color    int
	// Size is the width and height in CSS pixels.
	Size int
}

// avatars makes avatarViews; key is the site's secret for the colours.
type avatars struct{ key []byte }

// of is the template function "avatar": the avatar of a models.UserRef,
// *models.UserRef or *models.User at size pixels.
func (a avatars) of(who any, size int) (avatarView, error) {
	var id int64
	var name, url string
	switch u := who.(type) {
	case models.UserRef:
		id, name, url = u.ID, u.Username, u.AvatarURL
	case *models.UserRef:
		if u == nil {
			return avatarView{}, fmt.Errorf("avatar of a nil user")
		}
		id, name, url = u.ID, u.Username, u.AvatarURL
	case *models.User:
		if u == nil {
			return avatarView{}, fmt.Errorf("avatar of a nil user")
		}
		id, name, url = u.ID, u.Username, u.AvatarURL
	default:
		return avatarView{}, fmt.Errorf("avatar of a %T", who)
	}
	if !avatarSizes[size] {
		return avatarView{}, fmt.Errorf("avatar size %d: site.css draws 20, 32 and 64", size)
	}
	return avatarView{URL: url, Initials: initials(name), Color: a.color(id), Size: size}, nil
}

// color picks one of the avatarColors from a keyed hash of the id.
func (a avatars) color(id int64) int {
	m := hmac.New(sha256.New, a.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	m.Write(b[:])
	return int(binary.BigEndian.Uint32(m.Sum(nil)[:4]) % avatarColors)
}

// initials are one or two letters of a username: the first, and the first
// of its second word ("john_smith", "mary.jane", "MaryJane" give "JS", "MJ").
func initials(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '.' || r == '-' || unicode.IsSpace(r) })
	if len(words) == 0 {
		return "?"
	}
	first, _ := utf8.DecodeRuneInString(words[0])
	out := string(unicode.ToUpper(first))
	if len(words) > 1 {
		second, _ := utf8.DecodeRuneInString(words[1])
		if unicode.IsLetter(second) {
			return out + string(unicode.ToUpper(second))
		}
		return out
	}
	// One word: a capital inside it starts a second one.
	for i, r := range words[0] {
		if i > 0 && unicode.IsUpper(r) {
			return out + string(r)
		}
	}
	return out
}
