package media

import (
	"context"
	"fmt"
	"path"
	"runtime"
	"strings"

	"golang.org/x/sync/semaphore"
)

// Limits bound what processing an upload may cost.
type Limits struct {
	// MaxPixels is the largest image accepted (width × height).
	MaxPixels int64
	// MaxFrames is the most frames an animated GIF may have.
	MaxFrames int
	// ThumbSide is the longest side of a thumbnail.
	ThumbSide int
	// Workers is how many images are processed at once (default: the
	// number of CPUs): uploads never take every core from page rendering
	// for long, and one more waits its turn.
	Workers int
	// Memory is the bytes images being processed may hold together
	// (default DefaultMemory); an image that needs more waits until others
	// finish, and one that alone needs more than all of it is refused.
	Memory int64
}

// DefaultMemory is Limits.Memory unless set.
const DefaultMemory = 512 << 20

func (l *Limits) defaults() {
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxFrames <= 0 {
		l.MaxFrames = DefaultMaxFrames
	}
	if l.ThumbSide <= 0 {
		l.ThumbSide = DefaultThumbSide
	}
	if l.Workers <= 0 {
		l.Workers = runtime.NumCPU()
	}
	if l.Memory <= 0 {
		l.Memory = DefaultMemory
	}
}

// Processor checks uploads and makes images safe, a bounded number at a
// time. It is safe for concurrent use.
type Processor struct {
	limits  Limits
	workers chan struct{}
	memory  *semaphore.Weighted
}

// NewProcessor makes a Processor; zero limits take their defaults.
func NewProcessor(l Limits) *Processor {
	l.defaults()
	return &Processor{limits: l, workers: make(chan struct{}, l.Workers), memory: semaphore.NewWeighted(l.Memory)}
}

// Limits are the processor's limits, defaults filled in.
func (p *Processor) Limits() Limits { return p.limits }

// Process decides what data (uploaded as name) is and returns what to
// store: an image decoded and encoded again (with a thumbnail if large), or
// a file of an accepted kind as it came, under a clean name. What is not
// accepted is a *Refusal saying why. Images wait for a worker and for
// memory; ctx ending while they wait gives ctx's error.
func (p *Processor) Process(ctx context.Context, data []byte, name string) (*Processed, error) {
	shown := displayName(name)
	if len(data) == 0 {
		return nil, &Refusal{Reason: shown + ": the file is empty."}
	}
	f := sniff(data)
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, "\\", "/")))
	switch f {
	case fmtPNG, fmtJPEG, fmtGIF, fmtWebP:
		h, err := p.readImageHeader(data, f, shown)
		if err != nil {
			return nil, err
		}
		need := memoryFor(h, len(data))
		if need > p.limits.Memory {
			return nil, &Refusal{Reason: fmt.Sprintf("%s: the image is too large to process (%d × %d pixels). Make it smaller and attach it again.",
				shown, h.width, h.height)}
		}
		if err := p.acquire(ctx, need); err != nil {
			return nil, err
		}
		defer p.release(need)
		return p.processImage(data, h, name, shown)
	case fmtMarkup:
		if ext == ".svg" || ext == ".svgz" {
			return nil, &Refusal{Reason: shown + ": SVG images are not accepted, since they can carry scripts. Attach a PNG or JPEG instead."}
		}
		return nil, &Refusal{Reason: shown + ": HTML, SVG and XML files are not accepted. Attach " + Accepted + "."}
	}
	if imageExts[ext] {
		// The name promises an image the bytes are not: refused rather
		// than stored as whatever they are.
		if ext == ".svg" || ext == ".svgz" {
			return nil, &Refusal{Reason: shown + ": SVG images are not accepted, since they can carry scripts. Attach a PNG or JPEG instead."}
		}
		return nil, &Refusal{Reason: shown + ": this is not a PNG, JPEG, GIF or WebP image, whatever its name says."}
	}
	out := &Processed{Kind: KindFile, Data: data}
	switch f {
	case fmtPDF:
		out.ContentType, out.Name = "application/pdf", cleanName(name, ".pdf", "document")
	case fmtZIP:
		out.ContentType, out.Name = "application/zip", cleanName(name, ".zip", "archive")
	case fmtText:
		textExt := ext
		if _, ok := textExts[textExt]; !ok {
			textExt = ".txt"
		}
		out.ContentType, out.Name = textExts[textExt], cleanName(name, textExt, "file")
	default:
		return nil, acceptedRefusal(shown)
	}
	return out, nil
}

// acquire waits for a worker and for need bytes of the memory budget.
func (p *Processor) acquire(ctx context.Context, need int64) error {
	select {
	case p.workers <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := p.memory.Acquire(ctx, need); err != nil {
		<-p.workers
		return err
	}
	return nil
}

func (p *Processor) release(need int64) {
	p.memory.Release(need)
	<-p.workers
}

// displayName is an upload's name as messages quote it: its last part,
// without control characters, at most 80 characters.
func displayName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 80 {
		name = string(r[:79]) + "…"
	}
	if name == "" || name == "." || name == "/" {
		return "The file"
	}
	return "“" + name + "”"
}
