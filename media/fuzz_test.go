package media

import (
	"bytes"
	"context"
	"errors"
	"image/color"
	"image/gif"
	"testing"

	"github.com/crowdcare/crowdcare/media/mediatest"
)

// FuzzProcess feeds the processor arbitrary bytes under arbitrary names: it
// must answer with a result or a refusal, never panic, and never store
// anything it calls an image that does not decode as one. Seeds cover the
// hand-written parsers (EXIF orientation, GIF frame counting).
func FuzzProcess(f *testing.F) {
	var g bytes.Buffer
	if err := gif.Encode(&g, mediatest.Solid(4, 4, color.White), nil); err != nil {
		f.Fatal(err)
	}
	small := mediatest.JPEG(mediatest.Photo(24, 16, 1), 80)
	for _, seed := range []struct {
		data []byte
		name string
	}{
		{mediatest.WithEXIF(small, 6), "photo.jpg"},
		{small, "x.png"},
		{mediatest.PNG(mediatest.Solid(3, 3, color.Black)), "a.png"},
		{g.Bytes(), "a.gif"},
		{mediatest.BombPNG(70000, 70000), "bomb.png"},
		{mediatest.PolyglotPNG(), "poly.png"},
		{[]byte(mediatest.SVGWithScript), "a.svg"},
		{[]byte("plain log line\n"), "a.log"},
		{[]byte("%PDF-1.4\n"), "a.pdf"},
		{[]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08"), "exif.jpg"},
	} {
		f.Add(seed.data, seed.name)
	}
	p := NewProcessor(Limits{MaxPixels: 4_000_000, Workers: 1, Memory: 64 << 20})
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		jpegOrientation(data)
		gifFrames(data)
		out, err := p.Process(context.Background(), data, name)
		var r *Refusal
		switch {
		case errors.As(err, &r):
			if r.Reason == "" {
				t.Fatal("a refusal without a reason")
			}
		case err != nil:
			t.Fatalf("%q: %v", name, err)
		case out.Name == "" || out.ContentType == "" || len(out.Data) == 0:
			t.Fatalf("%q: incomplete result %+v", name, out)
		case out.Kind == KindImage && sniff(out.Data) == fmtUnknown:
			t.Fatalf("%q: an image that is none", name)
		}
	})
}
