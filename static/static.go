// Package static embeds the CSS, scripts and images and names each file by
// its content hash, so browsers may cache them for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed css img js
var files embed.FS

// Assets maps asset paths to their hashed URLs.
type Assets struct {
	hashes map[string]string // "css/site.css" -> "1a2b3c4d5e"
}

// Load hashes every embedded file.
func Load() (*Assets, error) {
	a := &Assets{hashes: map[string]string{}}
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[path] = hex.EncodeToString(sum[:5])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static files: %w", err)
	}
	return a, nil
}

// URL is the cache-busting address of an asset: /static/<hash>/<path>.
// An unknown path is a programming error caught when templates first render.
func (a *Assets) URL(path string) (string, error) {
	h, ok := a.hashes[path]
	if !ok {
		return "", fmt.Errorf("no static file %q", path)
	}
	return "/static/" + h + "/" + path, nil
}

// Lookup splits "<hash>/<path>" and reports whether the hash is current.
func (a *Assets) Lookup(hashAndPath string) (path string, current, ok bool) {
	hash, path, found := strings.Cut(hashAndPath, "/")
	if !found {
		return "", false, false
	}
	h, ok := a.hashes[path]
	return path, ok && h == hash, ok
}

// FS is the embedded file tree.
func (a *Assets) FS() fs.FS { return files }
