package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"
)

// Compression. Text (HTML, CSS, JavaScript, JSON, XML feeds and sitemaps,
// CSV) goes out in the best encoding the client accepts: Brotli, then gzip,
// then as it is. Cached visitor pages (pagecache.go) and the embedded static
// files (static.go) are compressed once, when they are cached or at start-up,
// and sent with Content-Encoding already set; compressResponses compresses
// everything else (members' pages, forms, error pages) as it is written,
// at a cheaper level.

// encoding is a Content-Encoding this server sends.
type encoding int

const (
	identity encoding = iota
	gzipped
	brotlied
)

// token is the encoding's name in Content-Encoding.
func (e encoding) token() string {
	switch e {
	case gzipped:
		return "gzip"
	case brotlied:
		return "br"
	}
	return ""
}

// negotiate picks the encoding for an Accept-Encoding header: the one with
// the highest q, Brotli before gzip before identity on a tie; q=0 refuses
// one, "*" stands for any not named. When the client refuses all three it
// gets identity anyway (as most servers do, rather than a 406).
func negotiate(header string) encoding {
	if header == "" {
		return identity
	}
	qBr, qGz, qID, qAny := -1.0, -1.0, -1.0, -1.0
	for rest := header; rest != ""; {
		var item string
		item, rest, _ = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(item, ";")
		q, ok := qValue(params)
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			qBr = q
		case "gzip", "x-gzip":
			qGz = q
		case "identity":
			qID = q
		case "*":
			qAny = q
		}
	}
	if qBr < 0 {
		qBr = max(qAny, 0)
	}
	if qGz < 0 {
		qGz = max(qAny, 0)
	}
	if qID < 0 {
		qID = 0.001 // acceptable unless refused, but last
		if qAny == 0 {
			qID = 0
		}
	}
	switch {
	case qBr > 0 && qBr >= qGz && qBr >= qID:
		return brotlied
	case qGz > 0 && qGz >= qID:
		return gzipped
	}
	return identity
}

// qValue reads ";q=0.5" (and ignores other parameters); ok is false for a q
// that does not parse, so the item is left out.
func qValue(params string) (float64, bool) {
	q := 1.0
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(p, "=")
		if strings.TrimSpace(k) != "q" && strings.TrimSpace(k) != "Q" {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < 0 || f > 1 {
			return 0, false
		}
		q = f
	}
	return q, true
}

// compressible reports whether a response of this Content-Type is worth
// compressing: text, never images (whose formats compress themselves),
// archives or other binary types.
func compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	switch mt {
	case "application/javascript", "application/json", "application/xml", "application/atom+xml",
		"application/rss+xml", "application/manifest+json", "application/ld+json":
		return true
	}
	return false
}

// Compression levels. What is compressed once and sent many times gets
// more effort than what is compressed for one response.
// Measured on a 63 KB thread page (2 shared cores, busy): Brotli 5 makes
// 16.0% of the raw size in 4-10 ms, 0 makes 21.1% in 0.25 ms (4 makes 17.4%
// in 5-10 ms); gzip 6 makes 20.1% in 1.2-1.8 ms, 9 no smaller in 7.7 ms.
const (
	brotliOnce  = 5 // cached pages, once per render
	gzipOnce    = 6
	brotliEach  = 0 // every other response, as it is written: cheaper than gzip, and smaller
	gzipEach    = 5
	brotliBuild = brotli.BestCompression // static files, once per start (~40 ms for the stylesheet)
	// minCompress is the size below which a response whose length is known
	// is sent as it is: the encoding's framing would eat the saving.
	minCompress = 512
)

// encoders pools compressors by encoding and level: a Brotli writer holds
// hundreds of KB of tables, too much to allocate per response.
type encoders struct {
	mu    sync.Mutex
	pools map[encoderKey]*sync.Pool
}

type encoderKey struct {
	enc   encoding
	level int
}

// compressor is a pooled gzip or Brotli writer.
type compressor interface {
	io.WriteCloser
	Reset(io.Writer)
	Flush() error
}

func (es *encoders) pool(enc encoding, level int) *sync.Pool {
	es.mu.Lock()
	defer es.mu.Unlock()
	if es.pools == nil {
		es.pools = map[encoderKey]*sync.Pool{}
	}
	k := encoderKey{enc, level}
	p, ok := es.pools[k]
	if !ok {
		p = &sync.Pool{New: func() any {
			if enc == brotlied {
				return brotli.NewWriterLevel(io.Discard, level)
			}
			w, err := gzip.NewWriterLevel(io.Discard, level)
			if err != nil {
				panic(err) // the levels are the constants above
			}
			return w
		}}
		es.pools[k] = p
	}
	return p
}

// get returns a compressor writing to w; put it back with put.
func (es *encoders) get(enc encoding, level int, w io.Writer) compressor {
	c := es.pool(enc, level).Get().(compressor)
	c.Reset(w)
	return c
}

func (es *encoders) put(enc encoding, level int, c compressor) {
	c.Reset(io.Discard) // drop the reference to the last output
	es.pool(enc, level).Put(c)
}

// compress returns b encoded with enc at level.
func (es *encoders) compress(enc encoding, level int, b []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b)/3 + 64)
	var c compressor
	if enc == brotlied && level >= brotliBuild {
		// Brotli's strongest level is used once per file and start; its
		// memory grows with the window (36 MB for the stylesheet at the
		// default 4 MB window, 4 MB at 64 KB), and a window that holds the
		// whole body compresses it as well as any larger one.
		c = brotli.NewWriterOptions(&out, brotli.WriterOptions{Quality: level, LGWin: brotliWindow(len(b))})
	} else {
		c = es.get(enc, level, &out)
		defer es.put(enc, level, c)
	}
	if _, err := c.Write(b); err != nil {
		return nil, err
	}
	if err := c.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// brotliWindow is the smallest Brotli window (its log2, 10 to 24) that
// holds n bytes: a window of 1<<w bytes holds (1<<w)-16.
func brotliWindow(n int) int {
	w := 10
	for w < 24 && 1<<w-16 < n {
		w++
	}
	return w
}

// encodings are one body in each encoding: raw always, gz and br when
// compressing paid (they are nil otherwise, and raw is sent).
type encodings struct {
	raw, gz, br []byte
}

// encodeAll compresses raw once in each encoding, if its type is worth it.
// A compressed form no smaller than raw is not kept.
func (es *encoders) encodeAll(raw []byte, contentType string, brLevel, gzLevel int) (encodings, error) {
	e := encodings{raw: raw}
	if len(raw) < minCompress || !compressible(contentType) {
		return e, nil
	}
	var err error
	if e.br, err = es.compress(brotlied, brLevel, raw); err != nil {
		return e, err
	}
	if e.gz, err = es.compress(gzipped, gzLevel, raw); err != nil {
		return e, err
	}
	if len(e.br) >= len(raw) {
		e.br = nil
	}
	if len(e.gz) >= len(raw) {
		e.gz = nil
	}
	return e, nil
}

// compressed reports whether any compressed form is kept (the response
// then varies by Accept-Encoding).
func (e encodings) compressed() bool { return e.br != nil || e.gz != nil }

// pick is the body for the client's Accept-Encoding, and its encoding.
func (e encodings) pick(accept string) ([]byte, encoding) {
	switch enc := negotiate(accept); {
	case enc == brotlied && e.br != nil:
		return e.br, brotlied
	case enc == brotlied && e.gz != nil && negotiate(accept+",br;q=0") == gzipped:
		return e.gz, gzipped // Brotli preferred but not kept: gzip if accepted
	case enc == gzipped && e.gz != nil:
		return e.gz, gzipped
	}
	return e.raw, identity
}

// of is the body in enc, nil when it is not kept.
func (e encodings) of(enc encoding) []byte {
	switch enc {
	case gzipped:
		return e.gz
	case brotlied:
		return e.br
	}
	return e.raw
}

// size is the bytes all forms hold, for a cache's budget.
func (e encodings) size() int { return len(e.raw) + len(e.gz) + len(e.br) }

// addVary adds a field name to Vary unless it is listed already.
func addVary(h http.Header, name string) {
	for _, v := range h.Values(echo.HeaderVary) {
		if hasToken(v, name) {
			return
		}
	}
	h.Add(echo.HeaderVary, name)
}

// hasToken reports whether a comma-separated header value lists token
// (case-insensitive).
func hasToken(list, token string) bool {
	for list != "" {
		var item string
		item, list, _ = strings.Cut(list, ",")
		if strings.EqualFold(strings.TrimSpace(item), token) {
			return true
		}
	}
	return false
}

// compressResponses compresses, by Accept-Encoding, the text responses that
// are not sent compressed already. It is the outermost middleware after the
// HEAD handling, so error pages are compressed too.
func (h *Handler) compressResponses(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		w := &compressWriter{ResponseWriter: res.Writer, encoders: &h.encoders,
			enc: negotiate(c.Request().Header.Get(echo.HeaderAcceptEncoding))}
		res.Writer = w
		defer func() { res.Writer = w.ResponseWriter }()
		err := next(c)
		if err != nil {
			// The error page is written here, while the writer still compresses.
			c.Error(err)
		}
		return w.close()
	}
}

// keepEncoding tells compressResponses that the response is sent in the
// encoding its handler chose (a precompressed body, or one too small).
func keepEncoding(c echo.Context) {
	for w := c.Response().Writer; w != nil; {
		if cw, ok := w.(*compressWriter); ok {
			cw.keep = true
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// compressWriter decides at WriteHeader whether to compress what follows.
type compressWriter struct {
	http.ResponseWriter
	encoders *encoders
	enc      encoding // what the client accepts best
	keep     bool     // keepEncoding: never compress
	decided  bool
	out      compressor // nil: written as it is
}

func (w *compressWriter) WriteHeader(code int) {
	if w.decided {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.decided = true
	hdr := w.Header()
	if w.keep || code < 200 || code == http.StatusNoContent || code == http.StatusNotModified ||
		hdr.Get(echo.HeaderContentEncoding) != "" || !compressible(hdr.Get(echo.HeaderContentType)) {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	addVary(hdr, echo.HeaderAcceptEncoding)
	if n, err := strconv.Atoi(hdr.Get(echo.HeaderContentLength)); w.enc == identity || err == nil && n < minCompress {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	hdr.Del(echo.HeaderContentLength)
	hdr.Set(echo.HeaderContentEncoding, w.enc.token())
	if etag := hdr.Get("ETag"); etag != "" {
		hdr.Set("ETag", encodedETag(etag, w.enc)) // another body, another tag
	}
	level := gzipEach
	if w.enc == brotlied {
		level = brotliEach
	}
	w.out = w.encoders.get(w.enc, level, w.ResponseWriter)
	w.ResponseWriter.WriteHeader(code)
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if !w.decided {
		if w.Header().Get(echo.HeaderContentType) == "" {
			w.Header().Set(echo.HeaderContentType, http.DetectContentType(b))
		}
		w.WriteHeader(http.StatusOK)
	}
	if w.out == nil {
		return w.ResponseWriter.Write(b)
	}
	return w.out.Write(b)
}

// Flush sends what is compressed so far (http.ResponseController).
func (w *compressWriter) Flush() error {
	if w.out != nil {
		if err := w.out.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// close ends the compressed stream, if there is one.
func (w *compressWriter) close() error {
	if w.out == nil {
		return nil
	}
	err := w.out.Close()
	level := gzipEach
	if w.enc == brotlied {
		level = brotliEach
	}
	w.encoders.put(w.enc, level, w.out)
	w.out = nil
	return err
}
