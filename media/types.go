// Package media turns what members upload into files safe to serve, and
// keeps them: the type of an upload is decided from its bytes (never its
// name or what the browser claimed), images are decoded and encoded again
// (which drops EXIF, GPS and anything hidden in the file) with a thumbnail
// for large ones, on a bounded pool of workers with a memory budget; files
// are stored behind one interface, a local directory or an S3-compatible
// bucket (gocloud.dev/blob). What a post may show, and to whom, is the
// models package's business: nothing here knows about posts or users.
package media

import (
	"bytes"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is what an upload is to a post: an image shown in it, or a file
// linked from it.
type Kind string

const (
	KindImage Kind = "image"
	KindFile  Kind = "file"
)

// Refusal is an upload that is not accepted, with the reason a member reads.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

// Accepted says what may be uploaded, for messages and the file input.
const Accepted = "images (PNG, JPEG, GIF, WebP) and files (.txt, .log, .pdf, .csv, .zip)"

// acceptedRefusal is the message for anything outside Accepted.
func acceptedRefusal(name string) *Refusal {
	return &Refusal{Reason: name + ": this kind of file is not accepted. Attach " + Accepted + "."}
}

// format is what the bytes of an upload are.
type format string

const (
	fmtPNG     format = "png"
	fmtJPEG    format = "jpeg"
	fmtGIF     format = "gif"
	fmtWebP    format = "webp"
	fmtPDF     format = "pdf"
	fmtZIP     format = "zip"
	fmtText    format = "text"
	fmtMarkup  format = "markup" // HTML, SVG, XML: never accepted
	fmtUnknown format = ""
)

// sniff decides what data is from its first bytes alone.
func sniff(data []byte) format {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return fmtPNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return fmtJPEG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return fmtGIF
	case len(data) >= 12 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return fmtWebP
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return fmtPDF
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return fmtZIP
	}
	if looksLikeMarkup(data) {
		return fmtMarkup
	}
	// The standard sniffer calls text what has no binary bytes in its first
	// 512 bytes; a NUL further on still makes it binary.
	head := data[:min(len(data), 512)]
	if strings.HasPrefix(http.DetectContentType(head), "text/plain") && bytes.IndexByte(data, 0) < 0 && len(data) > 0 {
		return fmtText
	}
	return fmtUnknown
}

// looksLikeMarkup reports text a browser could take for HTML, SVG or XML:
// its first non-blank characters open a tag, a comment or a declaration.
func looksLikeMarkup(data []byte) bool {
	head := data[:min(len(data), 1024)]
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	head = bytes.TrimLeft(head, " \t\r\n\f")
	if len(head) < 2 || head[0] != '<' {
		return false
	}
	c := head[1]
	return c == '!' || c == '?' || c == '/' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// textExts are the names a text upload may keep; any other becomes .txt.
var textExts = map[string]string{".txt": "text/plain; charset=utf-8", ".log": "text/plain; charset=utf-8", ".csv": "text/csv; charset=utf-8"}

// imageExts are names that claim an image: a file so named must be one.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true,
	".svg": true, ".svgz": true, ".bmp": true, ".tif": true, ".tiff": true, ".heic": true, ".heif": true, ".avif": true, ".ico": true}

// cleanName turns what the browser called an upload into a name to show
// and to offer for download: the last part of any path, letters, digits,
// dots, dashes and underscores only (anything else a dash), at most 80
// characters, with ext (".png") as its extension. It is never used as a
// path: files are stored under random keys.
func cleanName(name, ext, fallback string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	base := strings.TrimSuffix(name, path.Ext(name))
	var b strings.Builder
	dash := false
	for _, r := range base {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.'
		if !ok {
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		dash = false
		b.WriteRune(r)
	}
	out := strings.Trim(b.String(), "-.")
	for utf8.RuneCountInString(out) > 80 {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	out = strings.Trim(out, "-.")
	if out == "" {
		out = fallback
	}
	return out + ext
}
