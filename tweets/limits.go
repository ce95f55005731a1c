package tweets

import (
	"fmt"
	"io"
)

// Limits bound what reading a compressed input may cost. Plain files need
// none: they stream, whatever their size. A ZIP or gzip file can claim
// anything in its headers and expand a thousandfold, so the bytes actually
// decompressed are counted as they come, never taken from a header.
type Limits struct {
	// MaxEntries is how many entries a ZIP may list. X archives hold a
	// few hundred data files plus one file per picture or video posted;
	// 100,000 covers all but accounts with tens of thousands of media
	// posts, whose data/tweets.js can be imported on its own.
	MaxEntries int
	// MaxTotal is how many bytes one input may decompress to, all files
	// together. The sample archives take 1.7 KB a tweet, so 4 GiB is some
	// 2.5 million tweets, more than all but a handful of accounts posted,
	// and six times what a 64 MB upload of tweet JSON (which compresses
	// about ten times) holds.
	MaxTotal int64
	// MaxRatio is how many times a ZIP entry or a gzip stream may expand
	// its compressed bytes, once past RatioFrom decompressed bytes. Tweet
	// JSON and CSV compress 5 to 15 times; a zip bomb, about 1,000 times.
	MaxRatio int64
	// RatioFrom is where MaxRatio starts to apply, so that small files
	// (an empty note-tweet.js compresses to almost nothing) pass.
	RatioFrom int64
}

// DefaultLimits are the limits ReadFile applies; zero fields in an
// Options.Limits take these values.
func DefaultLimits() Limits {
	return Limits{MaxEntries: 100_000, MaxTotal: 4 << 30, MaxRatio: 100, RatioFrom: 8 << 20}
}

func (l Limits) orDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = d.MaxTotal
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.RatioFrom <= 0 {
		l.RatioFrom = d.RatioFrom
	}
	return l
}

// meter counts what one input decompresses, across all its ZIP entries.
type meter struct {
	lim   Limits
	total int64
}

// expanding is one decompressed stream being read: out counts what it
// gave, in reports what its compressed source has given so far.
type expanding struct {
	r    io.Reader
	m    *meter
	name string       // for messages: "data/tweets.js", "the gzip stream"
	in   func() int64 // compressed bytes read so far
	out  int64
}

func (m *meter) wrap(r io.Reader, name string, in func() int64) io.Reader {
	return &expanding{r: r, m: m, name: name, in: in}
}

func (e *expanding) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.out += int64(n)
	e.m.total += int64(n)
	if e.m.total > e.m.lim.MaxTotal {
		return n, fmt.Errorf("%w: the input decompresses to more than %s, the most one import reads", ErrTooLarge, byteSize(e.m.lim.MaxTotal))
	}
	if e.out > e.m.lim.RatioFrom {
		if in := e.in(); e.out/e.m.lim.MaxRatio > in {
			return n, fmt.Errorf("%w: %s expands more than %d times (%s from %s): a zip bomb or a damaged file",
				ErrTooLarge, e.name, e.m.lim.MaxRatio, byteSize(e.out), byteSize(max(in, 1)))
		}
	}
	return n, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// byteSize says n bytes in GiB, MiB, KiB or bytes, whichever reads best.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
