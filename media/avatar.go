package media

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"image/png"

	"github.com/disintegration/imaging"
)

// AvatarSide is the width and height of a stored profile picture: enough
// for the largest place it is shown (64 CSS pixels) on a 4× screen.
const AvatarSide = 256

// ProcessAvatar makes a profile picture of an uploaded PNG, JPEG or WebP:
// decoded (turned as its EXIF says), cut to the largest centred square,
// scaled down to AvatarSide and encoded again, which leaves no metadata.
// Anything else, or a broken or oversized image, is a *Refusal.
func (p *Processor) ProcessAvatar(ctx context.Context, data []byte, name string) (*Processed, error) {
	shown := displayName(name)
	f := sniff(data)
	if f != fmtPNG && f != fmtJPEG && f != fmtWebP {
		return nil, &Refusal{Reason: shown + ": a profile picture must be a PNG, JPEG or WebP image."}
	}
	h, err := p.readImageHeader(data, f, shown)
	if err != nil {
		return nil, err
	}
	need := memoryFor(h, len(data))
	if need > p.limits.Memory {
		return nil, &Refusal{Reason: fmt.Sprintf("%s: the image is too large to process (%d × %d pixels).", shown, h.width, h.height)}
	}
	if err := p.acquire(ctx, need); err != nil {
		return nil, err
	}
	defer p.release(need)
	img, err := decodeStill(data, f)
	if err != nil {
		return nil, unreadable(shown)
	}
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	square := imaging.CropCenter(img, side, side)
	if side > AvatarSide {
		square = imaging.Resize(square, AvatarSide, AvatarSide, imaging.CatmullRom)
		side = AvatarSide
	}
	out := &Processed{Kind: KindImage, Width: side, Height: side}
	var buf bytes.Buffer
	if square.Opaque() {
		err = jpeg.Encode(&buf, forJPEG(square), &jpeg.Options{Quality: jpegQuality})
		out.ContentType, out.Name = "image/jpeg", "avatar.jpg"
	} else {
		err = png.Encode(&buf, square)
		out.ContentType, out.Name = "image/png", "avatar.png"
	}
	if err != nil {
		return nil, fmt.Errorf("encode avatar: %w", err)
	}
	out.Data = buf.Bytes()
	return out, nil
}
