package media

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crowdcare/crowdcare/media/mediatest"
)

func process(t *testing.T, data []byte, name string) (*Processed, error) {
	t.Helper()
	return NewProcessor(Limits{}).Process(context.Background(), data, name)
}

func mustProcess(t *testing.T, data []byte, name string) *Processed {
	t.Helper()
	out, err := process(t, data, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

func refusedBecause(t *testing.T, data []byte, name, want string) {
	t.Helper()
	out, err := process(t, data, name)
	var r *Refusal
	if !errors.As(err, &r) {
		t.Fatalf("%s: got %+v, %v; want a refusal", name, out, err)
	}
	if !strings.Contains(r.Reason, want) {
		t.Errorf("%s: reason %q lacks %q", name, r.Reason, want)
	}
}

func TestTypesAreDecidedFromTheContent(t *testing.T) {
	jpg := mediatest.JPEG(mediatest.Photo(64, 48, 2), 90)
	pngData := mediatest.PNG(mediatest.Solid(30, 20, color.NRGBA{0, 0, 255, 128}))
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, mediatest.Solid(10, 10, color.NRGBA{0, 255, 0, 255}), nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		data               []byte
		name, wantName     string
		wantType           string
		wantKind           Kind
		wantWidth, wantHgt int
	}{
		{jpg, "holiday photo.JPG", "holiday-photo.jpg", "image/jpeg", KindImage, 64, 48},
		// A JPEG named .png is a JPEG: the name follows the content.
		{jpg, "screenshot.png", "screenshot.jpg", "image/jpeg", KindImage, 64, 48},
		{pngData, "C:\\Users\\me\\Desktop\\router settings.png", "router-settings.png", "image/png", KindImage, 30, 20},
		{gifBuf.Bytes(), "blink.gif", "blink.gif", "image/gif", KindImage, 10, 10},
		{[]byte("2026-12-01 10:00:01 link down\n2026-12-01 10:00:09 link up\n"), "../../etc/router.log", "router.log", "text/plain; charset=utf-8", KindFile, 0, 0},
		{[]byte("time,speed\n10:00,93.1\n"), "speeds.csv", "speeds.csv", "text/csv; charset=utf-8", KindFile, 0, 0},
		{[]byte("plain notes"), "notes.md", "notes.txt", "text/plain; charset=utf-8", KindFile, 0, 0},
		{[]byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"), "bill.pdf", "bill.pdf", "application/pdf", KindFile, 0, 0},
		{[]byte("PK\x05\x06" + strings.Repeat("\x00", 18)), "logs.zip", "logs.zip", "application/zip", KindFile, 0, 0},
		{[]byte("just text"), "", "file.txt", "text/plain; charset=utf-8", KindFile, 0, 0},
		{[]byte("just text"), "диагностика.txt", "диагностика.txt", "text/plain; charset=utf-8", KindFile, 0, 0},
	} {
		out := mustProcess(t, tc.data, tc.name)
		if out.Name != tc.wantName || out.ContentType != tc.wantType || out.Kind != tc.wantKind ||
			out.Width != tc.wantWidth || out.Height != tc.wantHgt {
			t.Errorf("%q: got %q %q %s %d×%d, want %q %q %s %d×%d", tc.name, out.Name, out.ContentType, out.Kind, out.Width, out.Height,
				tc.wantName, tc.wantType, tc.wantKind, tc.wantWidth, tc.wantHgt)
		}
		if out.Kind == KindFile && !bytes.Equal(out.Data, tc.data) {
			t.Errorf("%q: a file is stored as it came", tc.name)
		}
	}
}

func TestRefusals(t *testing.T) {
	refusedBecause(t, nil, "empty.txt", "empty")
	refusedBecause(t, []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>`), "logo.svg", "SVG images are not accepted")
	refusedBecause(t, []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "drawing.xml", "HTML, SVG and XML")
	refusedBecause(t, []byte("<!doctype html><html><script>alert(1)</script></html>"), "page.html", "HTML, SVG and XML")
	// An HTML page renamed .png is neither an image nor accepted as text.
	refusedBecause(t, []byte("<html><body><script>alert(1)</script></body></html>"), "cute-cat.png", "HTML, SVG and XML")
	refusedBecause(t, []byte("this is text, not a picture"), "photo.jpg", "not a PNG, JPEG, GIF or WebP image")
	refusedBecause(t, []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00"), "tool.exe", "not accepted")
	refusedBecause(t, []byte("MZ\x90\x00\x03\x00\x00\x00"), "setup.txt", "not accepted")
	refusedBecause(t, mediatest.BombPNG(100000, 100000), "bomb.png", "too large (100000 × 100000 pixels)")
	refusedBecause(t, []byte("\x89PNG\r\n\x1a\nbroken"), "broken.png", "could not be read")
	refusedBecause(t, mediatest.JPEG(mediatest.Photo(32, 32, 3), 90)[:200], "cut.jpg", "could not be read")
	refusedBecause(t, []byte("II*\x00\x08\x00\x00\x00"), "scan.tiff", "not a PNG, JPEG, GIF or WebP image")
}

func TestAnimationTooLong(t *testing.T) {
	g := &gif.GIF{}
	pal := color.Palette{color.Black, color.White}
	for i := 0; i < 400; i++ {
		g.Image = append(g.Image, image.NewPaletted(image.Rect(0, 0, 4, 4), pal))
		g.Delay = append(g.Delay, 1)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	if n := gifFrames(buf.Bytes()); n != 400 {
		t.Fatalf("counted %d frames, want 400", n)
	}
	refusedBecause(t, buf.Bytes(), "long.gif", "too long (400 frames")
}

// TestMetadataStripped: a phone photo with GPS coordinates, an owner's name
// in EXIF and a turn to apply comes back upright without any of it.
func TestMetadataStripped(t *testing.T) {
	// Left half red, right half blue, stored lying on its side: EXIF 6
	// says to turn it a quarter clockwise, so red ends up on top.
	src := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 64; x++ {
			c := color.RGBA{220, 20, 20, 255}
			if x >= 32 {
				c = color.RGBA{20, 20, 220, 255}
			}
			src.Set(x, y, c)
		}
	}
	data := mediatest.WithEXIF(mediatest.JPEG(src, 95), 6)
	if jpegOrientation(data) != 6 || !bytes.Contains(data, []byte("Jane Secret-Owner")) {
		t.Fatal("fixture: the EXIF block was not written")
	}
	out := mustProcess(t, data, "IMG_2041.JPG")
	for _, leak := range []string{"Exif", "Jane Secret-Owner", "II*\x00"} {
		if bytes.Contains(out.Data, []byte(leak)) {
			t.Errorf("the processed photo still holds %q", leak)
		}
	}
	if jpegOrientation(out.Data) != 1 {
		t.Error("the processed photo still asks to be turned")
	}
	img, err := jpeg.Decode(bytes.NewReader(out.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 64 || out.Width != 32 || out.Height != 64 {
		t.Fatalf("turned photo is %v (recorded %d×%d), want 32×64", b, out.Width, out.Height)
	}
	top, bottom := img.At(16, 8), img.At(16, 56)
	if r, _, b, _ := top.RGBA(); r < b {
		t.Errorf("top is %v, want red", top)
	}
	if r, _, b, _ := bottom.RGBA(); b < r {
		t.Errorf("bottom is %v, want blue", bottom)
	}
}

// TestEveryOrientation checks all eight EXIF orientations against
// imaging's reference transforms, on the planes of a 4:2:0 JPEG.
func TestEveryOrientation(t *testing.T) {
	src := mediatest.Photo(48, 32, 9)
	raw, err := jpeg.Decode(bytes.NewReader(mediatest.JPEG(src, 100)))
	if err != nil {
		t.Fatal(err)
	}
	for o := 1; o <= 8; o++ {
		fast := orientJPEG(raw, o)
		slow := orient(raw, o)
		if fast.Bounds().Size() != slow.Bounds().Size() {
			t.Fatalf("orientation %d: %v, want %v", o, fast.Bounds(), slow.Bounds())
		}
		// Luma matches exactly; chroma is shared by 2 × 2 pixels, so
		// compare at the centres of those blocks.
		for y := 1; y < fast.Bounds().Dy()-1; y += 2 {
			for x := 1; x < fast.Bounds().Dx()-1; x += 2 {
				fr, fg, fb, _ := fast.At(x, y).RGBA()
				sr, sg, sb, _ := slow.At(x, y).RGBA()
				if d := absDiff(fr, sr) + absDiff(fg, sg) + absDiff(fb, sb); d > 3*0x1800 {
					t.Fatalf("orientation %d: pixel (%d,%d) %v, want %v", o, x, y, fast.At(x, y), slow.At(x, y))
				}
			}
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestPolyglotLosesItsPayload: a PNG that is also an HTML page comes out as
// a PNG of the same pixels and nothing else.
func TestPolyglotLosesItsPayload(t *testing.T) {
	out := mustProcess(t, mediatest.PolyglotPNG(), "innocent.png")
	if bytes.Contains(out.Data, []byte("script")) || bytes.Contains(out.Data, []byte("html")) {
		t.Error("the re-encoded PNG still holds the page")
	}
	img, err := png.Decode(bytes.NewReader(out.Data))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, _, _ := img.At(4, 4).RGBA(); r>>8 != 200 || g>>8 != 10 {
		t.Errorf("pixels changed: %v", img.At(4, 4))
	}
	// A GIF with a comment and an application block carrying a script.
	var buf bytes.Buffer
	if err := gif.Encode(&buf, mediatest.Solid(6, 6, color.NRGBA{1, 2, 3, 255}), nil); err != nil {
		t.Fatal(err)
	}
	g := buf.Bytes()
	comment := append([]byte{0x21, 0xfe, 20}, []byte("<script>alert(1)</sc")...)
	comment = append(comment, 0)
	hostile := append(append(append([]byte{}, g[:len(g)-1]...), comment...), 0x3b)
	hostile = append(hostile, []byte("<script>alert(2)</script>")...)
	out = mustProcess(t, hostile, "anim.gif")
	if bytes.Contains(out.Data, []byte("script")) {
		t.Error("the re-encoded GIF still holds the comment or the appended page")
	}
}

func TestThumbnails(t *testing.T) {
	small := mustProcess(t, mediatest.JPEG(mediatest.Photo(800, 600, 4), 90), "small.jpg")
	if small.Thumb != nil {
		t.Error("an image no larger than a thumbnail got one")
	}
	big := mustProcess(t, mediatest.JPEG(mediatest.Photo(2560, 1920, 5), 90), "big.jpg")
	if big.Thumb == nil || big.ThumbType != "image/jpeg" {
		t.Fatalf("a 2560×1920 photo got no JPEG thumbnail (%q)", big.ThumbType)
	}
	th, err := jpeg.Decode(bytes.NewReader(big.Thumb))
	if err != nil {
		t.Fatal(err)
	}
	if b := th.Bounds(); b.Dx() != DefaultThumbSide || b.Dy() != 960 {
		t.Errorf("thumbnail %v, want 1280×960", b)
	}
	shot := mustProcess(t, mediatest.PNG(mediatest.Solid(2000, 1000, color.NRGBA{9, 9, 9, 255})), "screen.png")
	if shot.ThumbType != "image/png" {
		t.Errorf("a screenshot's thumbnail is %q, want PNG", shot.ThumbType)
	}
}

// TestStripsDecodeAsOne: a JPEG encoded in strips joined by restart
// markers decodes to exactly the pixels of the same image encoded in one go.
func TestStripsDecodeAsOne(t *testing.T) {
	for _, size := range []image.Point{{640, 480}, {333, 517}, {1000, 33}, {17, 400}} {
		src := mediatest.Photo(size.X, size.Y, 6)
		var one bytes.Buffer
		if err := jpeg.Encode(&one, src, &jpeg.Options{Quality: 85}); err != nil {
			t.Fatal(err)
		}
		split, err := encodeJPEG(src, 85, 3)
		if err != nil {
			t.Fatal(err)
		}
		a, err := jpeg.Decode(bytes.NewReader(one.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		b, err := jpeg.Decode(bytes.NewReader(split))
		if err != nil {
			t.Fatalf("%v: the joined JPEG does not decode: %v", size, err)
		}
		ya, yb := a.(*image.YCbCr), b.(*image.YCbCr)
		if ya.Bounds() != yb.Bounds() || !bytes.Equal(ya.Y, yb.Y) || !bytes.Equal(ya.Cb, yb.Cb) || !bytes.Equal(ya.Cr, yb.Cr) {
			t.Errorf("%v: the strips decode to other pixels than the whole", size)
		}
	}
}

// TestPoolBoundsWork: no more images are processed at once than there are
// workers, and a wait ends with the request.
func TestPoolBoundsWork(t *testing.T) {
	p := NewProcessor(Limits{Workers: 1})
	if err := p.acquire(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Process(ctx, mediatest.JPEG(mediatest.Photo(20, 20, 1), 90), "waits.jpg")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("with the only worker busy: %v, want the deadline", err)
	}
	p.release(10)
	if _, err := p.Process(context.Background(), mediatest.JPEG(mediatest.Photo(20, 20, 1), 90), "runs.jpg"); err != nil {
		t.Error(err)
	}
	// An image that alone needs more than the whole budget is refused.
	tight := NewProcessor(Limits{Memory: 1 << 20})
	_, err = tight.Process(context.Background(), mediatest.JPEG(mediatest.Photo(1000, 1000, 1), 80), "big.jpg")
	var r *Refusal
	if !errors.As(err, &r) || !strings.Contains(r.Reason, "too large to process") {
		t.Errorf("over the memory budget: %v", err)
	}
	if NewProcessor(Limits{}).Limits().Workers != runtime.NumCPU() {
		t.Error("default workers are not the CPUs")
	}
}

// TestAvatar: a photo becomes a small square, upright, without its EXIF;
// other kinds are refused.
func TestAvatar(t *testing.T) {
	p := NewProcessor(Limits{})
	data := mediatest.WithEXIF(mediatest.JPEG(mediatest.Photo(900, 600, 8), 92), 6)
	out, err := p.ProcessAvatar(context.Background(), data, "me.jpg")
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != AvatarSide || b.Dy() != AvatarSide || out.Width != AvatarSide {
		t.Errorf("avatar %v, want %d square", b, AvatarSide)
	}
	if bytes.Contains(out.Data, []byte("Jane Secret-Owner")) || bytes.Contains(out.Data, []byte("Exif")) {
		t.Error("the avatar keeps the photo's EXIF")
	}
	small, err := p.ProcessAvatar(context.Background(), mediatest.PNG(mediatest.Solid(40, 30, color.NRGBA{1, 2, 3, 100})), "small.png")
	if err != nil || small.Width != 30 || small.ContentType != "image/png" {
		t.Errorf("small transparent avatar: %+v %v", small, err)
	}
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, mediatest.Solid(10, 10, color.Black), nil); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{"anim.gif": gifBuf.Bytes(), "me.svg": []byte(`<svg onload="alert(1)"/>`), "bomb.png": mediatest.BombPNG(60000, 60000)} {
		if _, err := p.ProcessAvatar(context.Background(), bad, name); err == nil {
			t.Errorf("%s accepted as an avatar", name)
		}
	}
}
