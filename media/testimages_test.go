package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// photo draws a w × h picture with a photo's texture (gradients and grain),
// which compresses about as badly as a real one.
func photo(w, h int, seed uint64) *image.RGBA {
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

// jpegBytes encodes img at quality q.
func jpegBytes(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withExif puts an APP1 EXIF segment into a JPEG right after its start:
// orientation o, GPS coordinates (a GPS IFD with latitude and longitude)
// and a camera comment naming the owner, as a phone writes them.
func withExif(jpg []byte, o int) []byte {
	bo := binary.LittleEndian
	var t bytes.Buffer
	t.WriteString("II*\x00")
	binary.Write(&t, bo, uint32(8))
	// IFD0: orientation, GPS IFD pointer, artist.
	binary.Write(&t, bo, uint16(3))
	entry := func(tag, typ uint16, count, value uint32) {
		binary.Write(&t, bo, tag)
		binary.Write(&t, bo, typ)
		binary.Write(&t, bo, count)
		binary.Write(&t, bo, value)
	}
	artist := "Jane Secret-Owner\x00"
	ifd0End := uint32(8 + 2 + 3*12 + 4)
	gpsAt := ifd0End + uint32(len(artist))
	entry(0x0112, 3, 1, uint32(o))
	entry(0x8825, 4, 1, gpsAt)
	entry(0x013b, 2, uint32(len(artist)), ifd0End)
	binary.Write(&t, bo, uint32(0))
	t.WriteString(artist)
	// GPS IFD: latitude ref N and latitude 51/1 30/1 2667/100 (rational ×3).
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

// solid is a w × h image of one colour, for small fixtures.
func solid(w, h int, c color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	return img
}
