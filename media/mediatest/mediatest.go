// Package mediatest makes the files tests upload (photos with GPS in their
// EXIF, hostile images) and an S3 server in the test process. Only tests
// import it.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// FakeS3 starts an S3 protocol server in the test process (gofakes3) with
// an empty bucket, and returns the s3:// address that opens it. Credentials
// are any: the fake checks none, the SDK wants some.
func FakeS3(t testing.TB, bucket string) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test-key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	return "s3://" + bucket + "?endpoint=" + srv.URL + "&use_path_style=true&disable_https=true&region=us-east-1"
}

// Photo draws a w × h picture with a photo's texture (gradients and grain),
// which compresses about as badly as a real one.
func Photo(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 7))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := uint8(r.IntN(48))
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8(x*200/w) + n
			img.Pix[i+1] = uint8(y*200/h) + n/2
			img.Pix[i+2] = uint8((x+y)*100/(w+h)) + n
			img.Pix[i+3] = 255
		}
	}
	return img
}

// Solid is a w × h image of one colour.
func Solid(w, h int, c color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	return img
}

// JPEG encodes img at quality q.
func JPEG(img image.Image, q int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// PNG encodes img.
func PNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Owner is the name WithEXIF writes as the photo's artist.
const Owner = "Jane Secret-Owner"

// WithEXIF puts an APP1 EXIF segment into a JPEG right after its start, as
// a phone writes it: orientation o, GPS coordinates (latitude 51° 30'
// 26.67" N) and the owner's name.
func WithEXIF(jpg []byte, o int) []byte {
	bo := binary.LittleEndian
	var t bytes.Buffer
	t.WriteString("II*\x00")
	binary.Write(&t, bo, uint32(8))
	binary.Write(&t, bo, uint16(3))
	entry := func(tag, typ uint16, count, value uint32) {
		binary.Write(&t, bo, tag)
		binary.Write(&t, bo, typ)
		binary.Write(&t, bo, count)
		binary.Write(&t, bo, value)
	}
	artist := Owner + "\x00"
	ifd0End := uint32(8 + 2 + 3*12 + 4)
	gpsAt := ifd0End + uint32(len(artist))
	entry(0x0112, 3, 1, uint32(o))
	entry(0x8825, 4, 1, gpsAt)
	entry(0x013b, 2, uint32(len(artist)), ifd0End)
	binary.Write(&t, bo, uint32(0))
	t.WriteString(artist)
	binary.Write(&t, bo, uint16(2))
	ratAt := gpsAt + 2 + 2*12 + 4
	entry(0x0001, 2, 2, uint32('N'))
	entry(0x0002, 5, 3, ratAt)
	binary.Write(&t, bo, uint32(0))
	for _, v := range []uint32{51, 1, 30, 1, 2667, 100} {
		binary.Write(&t, bo, v)
	}
	seg := append([]byte("Exif\x00\x00"), t.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xff, 0xe1})
	binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

// HasEXIF reports whether a JPEG still carries an EXIF block or the owner's name.
func HasEXIF(data []byte) bool {
	return bytes.Contains(data, []byte("Exif\x00")) || bytes.Contains(data, []byte(Owner))
}

func pngChunk(kind string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(kind)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	return b.Bytes()
}

// BombPNG is a PNG of a few dozen bytes whose header claims w × h pixels:
// decoding it would allocate gigabytes.
func BombPNG(w, h int) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	b.Write(pngChunk("IHDR", ihdr))
	b.Write(pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}))
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// PolyglotPNG is a real 8 × 8 red PNG that is also an HTML page: a script
// in a text chunk and a page appended after its end, for a browser that
// sniffs.
func PolyglotPNG() []byte {
	img := PNG(Solid(8, 8, color.NRGBA{200, 10, 10, 255}))
	end := bytes.Index(img, []byte("IEND")) - 4
	var b bytes.Buffer
	b.Write(img[:end])
	b.Write(pngChunk("tEXt", []byte("Comment\x00<script>window.__xss=1;alert('png')</script>")))
	b.Write(img[end:])
	b.WriteString("<html><body><script>window.__xss=1;alert('appended')</script></body></html>")
	return b.Bytes()
}

// SVGWithScript is an SVG image that runs a script when opened.
const SVGWithScript = `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1;alert('svg')"><script>window.__xss=1;alert('svg2')</script></svg>`

// HTMLPage is an HTML page, to upload renamed as an image.
const HTMLPage = `<!doctype html><html><body><script>window.__xss=1;alert('html')</script></body></html>`
