package media

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"

	"github.com/disintegration/imaging"
	"golang.org/x/image/webp"
)

// Image limits unless Limits says otherwise.
const (
	// DefaultMaxPixels is the largest image accepted, width × height: a
	// 48-megapixel phone photo fits, a "decompression bomb" (a small file
	// that claims 100,000 × 100,000 pixels) is refused before decoding.
	DefaultMaxPixels = 50_000_000
	// DefaultMaxFrames bounds an animated GIF's frames.
	DefaultMaxFrames = 300
	// DefaultThumbSide is the longest side of a thumbnail; an image larger
	// than that gets one, shown in the post and linked to the whole image.
	DefaultThumbSide = 1280
	// jpegQuality is what re-encoded photos and thumbnails are written at.
	jpegQuality = 85
)

// Processed is an upload made safe to serve.
type Processed struct {
	Kind        Kind
	ContentType string
	// Name is the name to show and to download under, with the extension
	// of what the file is.
	Name          string
	Data          []byte
	Width, Height int
	// Thumb is a smaller copy of a large image, nil if it needs none.
	Thumb     []byte
	ThumbType string
}

// imageHeader is what an image says of itself before it is decoded.
type imageHeader struct {
	format        format
	width, height int
	frames        int // GIF frames; 1 otherwise
}

// readImageHeader reads an image's size (and a GIF's frame count) without
// decoding its pixels, and refuses what is too large to decode.
func (p *Processor) readImageHeader(data []byte, f format, name string) (imageHeader, error) {
	var cfg image.Config
	var err error
	switch f {
	case fmtPNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case fmtJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case fmtGIF:
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
	case fmtWebP:
		cfg, err = webp.DecodeConfig(bytes.NewReader(data))
	default:
		return imageHeader{}, acceptedRefusal(name)
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return imageHeader{}, unreadable(name)
	}
	h := imageHeader{format: f, width: cfg.Width, height: cfg.Height, frames: 1}
	if px := int64(h.width) * int64(h.height); px > p.limits.MaxPixels {
		return h, &Refusal{Reason: fmt.Sprintf("%s: the image is too large (%d × %d pixels); at most %d megapixels are accepted. "+
			"Make it smaller and attach it again.", name, h.width, h.height, p.limits.MaxPixels/1_000_000)}
	}
	if f == fmtGIF {
		h.frames = gifFrames(data)
		if h.frames > p.limits.MaxFrames || int64(h.frames)*int64(h.width)*int64(h.height) > 2*p.limits.MaxPixels {
			return h, &Refusal{Reason: fmt.Sprintf("%s: the animation is too long (%d frames of %d × %d pixels). "+
				"Attach a shorter one or a still image.", name, h.frames, h.width, h.height)}
		}
	}
	return h, nil
}

func unreadable(name string) *Refusal {
	return &Refusal{Reason: name + ": the image could not be read. It may be damaged, or not the kind of image its name says."}
}

// memoryFor estimates the bytes processing an image takes at its peak: the
// decoded pixels (up to 4 bytes each, 8 for a 16-bit PNG), a turned copy,
// the thumbnail and the encoded output.
func memoryFor(h imageHeader, size int) int64 {
	px := int64(h.width) * int64(h.height)
	if h.format == fmtGIF {
		return px*int64(h.frames+4) + 2*int64(size)
	}
	return px*9 + 2*int64(size)
}

// processImage decodes an image and encodes it again: what comes out holds
// the pixels only, turned as EXIF said, with no metadata, comments or
// anything appended. A large image also gets a thumbnail.
func (p *Processor) processImage(data []byte, h imageHeader, name, shown string) (*Processed, error) {
	out := &Processed{Kind: KindImage}
	var img image.Image
	var err error
	if h.format == fmtGIF {
		return p.processGIF(data, name, shown)
	}
	if img, err = decodeStill(data, h.format); err != nil {
		return nil, unreadable(shown)
	}
	// A photo is written as JPEG, anything with transparency or drawn
	// (PNG: screenshots, diagrams) as PNG, whose edges stay sharp.
	asJPEG := h.format == fmtJPEG || (h.format == fmtWebP && opaque(img))
	// The thumbnail is made while the whole image is encoded: a photo's
	// upload takes the time of the slower of the two, not of both.
	type thumbResult struct {
		data  []byte
		ctype string
		err   error
	}
	thumbDone := make(chan thumbResult, 1)
	go func() {
		data, ctype, err := p.thumbnail(img, asJPEG)
		thumbDone <- thumbResult{data, ctype, err}
	}()
	if asJPEG {
		out.Data, err = encodeJPEG(forJPEG(img), jpegQuality, runtime.NumCPU())
		out.ContentType, out.Name = "image/jpeg", cleanName(name, ".jpg", "image")
	} else {
		var buf bytes.Buffer
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, img)
		out.Data, out.ContentType, out.Name = buf.Bytes(), "image/png", cleanName(name, ".png", "image")
	}
	th := <-thumbDone
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	if th.err != nil {
		return nil, fmt.Errorf("thumbnail of %s: %w", name, th.err)
	}
	out.Thumb, out.ThumbType = th.data, th.ctype
	b := img.Bounds()
	out.Width, out.Height = b.Dx(), b.Dy()
	return out, nil
}

// processGIF decodes every frame and writes them again (a still GIF too),
// keeping the timing and the loop count and dropping every comment and
// application block.
func (p *Processor) processGIF(data []byte, name, shown string) (*Processed, error) {
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil || len(g.Image) == 0 {
		return nil, unreadable(shown)
	}
	clean := &gif.GIF{Image: g.Image, Delay: g.Delay, Disposal: g.Disposal, LoopCount: g.LoopCount,
		Config: g.Config, BackgroundIndex: g.BackgroundIndex}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, clean); err != nil {
		return nil, unreadable(shown)
	}
	out := &Processed{Kind: KindImage, ContentType: "image/gif", Name: cleanName(name, ".gif", "image"), Data: buf.Bytes(),
		Width: g.Config.Width, Height: g.Config.Height}
	first := image.NewNRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	f := g.Image[0]
	draw.Draw(first, f.Rect, f, f.Rect.Min, draw.Src)
	if out.Thumb, out.ThumbType, err = p.thumbnail(first, false); err != nil {
		return nil, fmt.Errorf("thumbnail of %s: %w", name, err)
	}
	return out, nil
}

// thumbnail makes a copy of img at most ThumbSide on its longest side, or
// nothing when img is no larger.
func (p *Processor) thumbnail(img image.Image, asJPEG bool) ([]byte, string, error) {
	b := img.Bounds()
	side := p.limits.ThumbSide
	if b.Dx() <= side && b.Dy() <= side {
		return nil, "", nil
	}
	// A photo's planes are first averaged down to no less than the
	// thumbnail's size, cheaply; imaging makes the rest of the way with a
	// filter that keeps edges sharp.
	if y, ok := img.(*image.YCbCr); ok {
		if k := max(b.Dx(), b.Dy()) / side; k >= 2 {
			img = shrinkYCbCr(y, k)
		}
	}
	small := imaging.Fit(img, side, side, imaging.CatmullRom)
	var buf bytes.Buffer
	if asJPEG {
		if err := jpeg.Encode(&buf, forJPEG(small), &jpeg.Options{Quality: jpegQuality}); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), "image/jpeg", nil
	}
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, small); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "image/png", nil
}

// orientJPEG turns a decoded JPEG as its EXIF orientation says, on its
// planes when it can.
func orientJPEG(img image.Image, o int) image.Image {
	if y, ok := img.(*image.YCbCr); ok {
		if turned, ok := orientYCbCr(y, o); ok {
			return turned
		}
	}
	return orient(img, o)
}

// forJPEG hands the JPEG encoder an image it has a fast path for: a turned
// or resized photo is an opaque NRGBA, whose bytes are those of an RGBA.
func forJPEG(img image.Image) image.Image {
	if n, ok := img.(*image.NRGBA); ok && n.Opaque() {
		return &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
	}
	return img
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// gifFrames counts a GIF's frames by walking its blocks, without decoding
// any: how long an animation is must be known before decoding it, since a
// small file can hold many frames. A broken structure ends the count (the
// decoder then refuses the file).
func gifFrames(data []byte) int {
	if len(data) < 13 {
		return 0
	}
	i := 13
	if data[10]&0x80 != 0 {
		i += 3 << (int(data[10]&7) + 1)
	}
	skipSubBlocks := func(i int) int {
		for i < len(data) {
			n := int(data[i])
			i++
			if n == 0 {
				return i
			}
			i += n
		}
		return len(data)
	}
	frames := 0
	for i < len(data) {
		switch data[i] {
		case 0x2c: // image descriptor
			if i+10 > len(data) {
				return frames
			}
			frames++
			flags := data[i+9]
			i += 10
			if flags&0x80 != 0 {
				i += 3 << (int(flags&7) + 1)
			}
			i++ // LZW minimum code size
			i = skipSubBlocks(i)
		case 0x21: // extension
			i = skipSubBlocks(i + 2)
		default: // 0x3b trailer, or garbage
			return frames
		}
	}
	return frames
}

// decodeStill decodes a PNG, JPEG (turned upright by its EXIF orientation)
// or WebP: the still images attachments and avatars take.
func decodeStill(data []byte, f format) (image.Image, error) {
	switch f {
	case fmtPNG:
		return png.Decode(bytes.NewReader(data))
	case fmtJPEG:
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		return orientJPEG(img, jpegOrientation(data)), nil
	case fmtWebP:
		return webp.Decode(bytes.NewReader(data))
	}
	return nil, fmt.Errorf("not a still image format: %v", f)
}
