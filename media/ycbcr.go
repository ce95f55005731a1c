package media

import (
	"image"
	"sync"
)

// A JPEG decodes to Y, Cb and Cr planes, and the JPEG encoder reads those
// fastest. Turning a photo and shrinking it for its thumbnail work on the
// planes directly: converting 24 megapixels to RGBA first and back took
// longer than decoding them.

// orientYCbCr is orient for a YCbCr image, plane by plane; ok is false for
// a layout it does not handle (then orient does it the slow way).
func orientYCbCr(m *image.YCbCr, o int) (*image.YCbCr, bool) {
	if o == 1 {
		return m, true
	}
	ratio := m.SubsampleRatio
	switch ratio {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420:
	case image.YCbCrSubsampleRatio422:
		if swapsSides(o) {
			ratio = image.YCbCrSubsampleRatio440
		}
	case image.YCbCrSubsampleRatio440:
		if swapsSides(o) {
			ratio = image.YCbCrSubsampleRatio422
		}
	default:
		return nil, false
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	if swapsSides(o) {
		w, h = h, w
	}
	out := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	yw, yh := b.Dx(), b.Dy()
	cw, ch := chromaSize(yw, yh, m.SubsampleRatio)
	off := m.COffset(b.Min.X, b.Min.Y)
	// The luma plane on one core, both chroma planes (half as much) on another.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		turnPlane(out.Cb, out.CStride, m.Cb[off:], m.CStride, cw, ch, o)
		turnPlane(out.Cr, out.CStride, m.Cr[off:], m.CStride, cw, ch, o)
	}()
	turnPlane(out.Y, out.YStride, m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, yw, yh, o)
	wg.Wait()
	return out, true
}

// chromaSize is the size of a chroma plane of a w × h image.
func chromaSize(w, h int, r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	}
	return w, h
}

// turnPlane writes the w × h plane src (stride ss) into dst (stride ds)
// turned as EXIF orientation o says: each source row is walked once, and
// its samples land step apart in dst.
func turnPlane(dst []byte, ds int, src []byte, ss, w, h, o int) {
	// Where sample (0, 0) lands, and how far apart land the next sample of
	// a row (stepX) and the first of the next row (stepY).
	var start, stepX, stepY int
	switch o {
	case 2: // mirrored
		start, stepX, stepY = w-1, -1, ds
	case 3: // upside down
		start, stepX, stepY = (h-1)*ds+w-1, -1, -ds
	case 4: // mirrored upside down
		start, stepX, stepY = (h-1)*ds, 1, -ds
	case 5: // transposed
		start, stepX, stepY = 0, ds, 1
	case 6: // turned a quarter clockwise
		start, stepX, stepY = h-1, ds, -1
	case 7: // transversed
		start, stepX, stepY = (w-1)*ds+h-1, -ds, -1
	case 8: // turned a quarter counter-clockwise
		start, stepX, stepY = (w-1)*ds, -ds, 1
	default:
		start, stepX, stepY = 0, 1, ds
	}
	for y := 0; y < h; y++ {
		i := start + y*stepY
		for _, v := range src[y*ss : y*ss+w] {
			dst[i] = v
			i += stepX
		}
	}
}

// shrinkYCbCr averages each k × k block of m's planes into one sample: a
// quick first step of a large reduction, which imaging finishes from an
// image k² times smaller.
func shrinkYCbCr(m *image.YCbCr, k int) *image.YCbCr {
	b := m.Bounds()
	w, h := b.Dx()/k, b.Dy()/k
	out := image.NewYCbCr(image.Rect(0, 0, w, h), m.SubsampleRatio)
	boxPlane(out.Y, out.YStride, w, h, m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, b.Dx(), b.Dy(), k)
	cw, ch := chromaSize(w, h, m.SubsampleRatio)
	scw, sch := chromaSize(b.Dx(), b.Dy(), m.SubsampleRatio)
	off := m.COffset(b.Min.X, b.Min.Y)
	boxPlane(out.Cb, out.CStride, cw, ch, m.Cb[off:], m.CStride, scw, sch, k)
	boxPlane(out.Cr, out.CStride, cw, ch, m.Cr[off:], m.CStride, scw, sch, k)
	return out
}

// boxPlane fills the w × h plane dst with the means of k × k blocks of the
// sw × sh plane src (blocks cut short at its edges).
func boxPlane(dst []byte, ds, w, h int, src []byte, ss, sw, sh, k int) {
	sums := make([]int, w)
	for y := 0; y < h; y++ {
		clear(sums)
		y0, y1 := y*k, min(y*k+k, sh)
		for sy := y0; sy < y1; sy++ {
			row := src[sy*ss : sy*ss+sw]
			for x := 0; x < w; x++ {
				x0, x1 := x*k, min(x*k+k, sw)
				s := 0
				for _, v := range row[x0:x1] {
					s += int(v)
				}
				sums[x] += s
			}
		}
		for x := 0; x < w; x++ {
			n := (min(x*k+k, sw) - x*k) * (y1 - y0)
			if n > 0 {
				dst[y*ds+x] = byte(sums[x] / n)
			}
		}
	}
}
