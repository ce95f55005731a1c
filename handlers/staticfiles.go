package handlers

import (
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdcare/crowdcare/static"
)

// staticFiles are the embedded files ready to send: each compressed once,
// at the strongest levels (Brotli 11, gzip 9), with its ETag. Compressing
// them all takes a few tens of milliseconds, so it is done in the background
// at start-up (prepare), and a request for a file not done yet does it then.
type staticFiles struct {
	files    map[string]*staticFile
	encoders *encoders
}

type staticFile struct {
	ctype string
	etag  string
	raw   []byte
	once  sync.Once
	enc   encodings // set by once
}

func loadStaticFiles(assets *static.Assets, es *encoders) (*staticFiles, error) {
	sf := &staticFiles{files: map[string]*staticFile{}, encoders: es}
	err := fs.WalkDir(assets.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(assets.FS(), p)
		if err != nil {
			return err
		}
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = http.DetectContentType(b)
		}
		sf.files[p] = &staticFile{ctype: ctype, etag: contentETag(b), raw: b}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read static files: %w", err)
	}
	return sf, nil
}

// prepare compresses every file.
func (sf *staticFiles) prepare() error {
	for p, f := range sf.files {
		if _, err := sf.encoded(f); err != nil {
			return fmt.Errorf("compress %s: %w", p, err)
		}
	}
	return nil
}

// encoded is f in every encoding, compressed on first use.
func (sf *staticFiles) encoded(f *staticFile) (encodings, error) {
	var err error
	f.once.Do(func() {
		f.enc, err = sf.encoders.encodeAll(f.raw, f.ctype, brotliBuild, gzipOnce)
		if err != nil {
			f.enc = encodings{raw: f.raw}
		}
	})
	return f.enc, err
}

// serveStatic serves embedded assets; a current hash is cached for a year.
// The body is sent in the best encoding the client accepts, or a 304 for
// a matching If-None-Match.
func (h *Handler) serveStatic(c echo.Context) error {
	p, current, ok := h.assets.Lookup(c.Param("*"))
	if !ok {
		return echo.ErrNotFound
	}
	f, ok := h.static.files[p]
	if !ok {
		return echo.ErrNotFound
	}
	hdr := c.Response().Header()
	if current {
		hdr.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		// An old hash after a deploy: serve today's file, but do not pin it.
		hdr.Set(echo.HeaderCacheControl, "public, max-age=300")
	}
	enc, err := h.static.encoded(f)
	if err != nil {
		h.log.Error("compress static file", "path", p, "err", err)
	}
	req := c.Request()
	body, e := enc.pick(req.Header.Get(echo.HeaderAcceptEncoding))
	etag := encodedETag(f.etag, e)
	hdr.Set("ETag", etag)
	// The same for everybody: not Vary: Cookie (the CSRF middleware's), or a
	// browser would fetch the file again whenever its cookies change.
	hdr.Del(echo.HeaderVary)
	if enc.compressed() {
		addVary(hdr, echo.HeaderAcceptEncoding)
	}
	keepEncoding(c)
	if notModified(req, etag, time.Time{}) {
		return c.NoContent(http.StatusNotModified)
	}
	if e != identity {
		hdr.Set(echo.HeaderContentEncoding, e.token())
	}
	hdr.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, f.ctype, body)
}
