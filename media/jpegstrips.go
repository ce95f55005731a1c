package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"sync"
)

// Encoding a 24-megapixel photo as JPEG takes one core over half a second;
// image/jpeg has no parallel encoder. But a baseline JPEG may be cut into
// restart intervals (a DRI marker), each an entropy-coded segment of whole
// MCUs that starts its DC prediction afresh and ends on a byte boundary:
// exactly what image/jpeg writes for a strip of the image encoded alone
// (same quantisation and Huffman tables, 4:2:0 MCUs of 16 × 16 pixels). So
// strips of whole MCU rows are encoded at the same time and their segments
// joined with restart markers under one header: the result decodes to the
// same pixels as encoding the image in one go (TestStripsDecodeAsOne).

// mcuSide is the height of an MCU row of image/jpeg's colour output (4:2:0).
const mcuSide = 16

// encodeJPEG encodes img at quality q, in up to parts strips at once.
func encodeJPEG(img image.Image, q, parts int) ([]byte, error) {
	b := img.Bounds()
	mcuRows := (b.Dy() + mcuSide - 1) / mcuSide
	mcuCols := (b.Dx() + mcuSide - 1) / mcuSide
	sub, canCut := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	_, gray := img.(*image.Gray) // written with 8 × 8 MCUs: not cut
	if parts < 2 || mcuRows < 2*parts || !canCut || gray || mcuCols > 0xffff {
		var buf bytes.Buffer
		err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q})
		return buf.Bytes(), err
	}
	rows := (mcuRows + parts - 1) / parts
	// A restart interval counts MCUs in 16 bits.
	rows = min(rows, 0xffff/mcuCols)
	n := (mcuRows + rows - 1) / rows
	strips := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(parts, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := image.Rect(b.Min.X, b.Min.Y+i*rows*mcuSide, b.Max.X, min(b.Min.Y+(i+1)*rows*mcuSide, b.Max.Y))
				var buf bytes.Buffer
				errs[i] = jpeg.Encode(&buf, sub.SubImage(r), &jpeg.Options{Quality: q})
				strips[i] = buf.Bytes()
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return joinStrips(strips, b.Dy(), rows*mcuCols)
}

// joinStrips makes one JPEG of height h from strips encoded alone, each
// interval MCUs but the last: the first strip's header with the whole
// height and a restart interval, then every strip's scan data, restart
// markers between them.
func joinStrips(strips [][]byte, h, interval int) ([]byte, error) {
	head, sos, _, err := splitJPEG(strips[0])
	if err != nil {
		return nil, err
	}
	out := bytes.NewBuffer(make([]byte, 0, len(strips[0])*len(strips)+64))
	out.Write(head)
	// The header is the first strip's: its frame says its own height.
	if err := setFrameHeight(out.Bytes(), h); err != nil {
		return nil, err
	}
	out.Write([]byte{0xff, 0xdd, 0, 4, byte(interval >> 8), byte(interval)}) // DRI
	out.Write(sos)
	for i, s := range strips {
		_, _, data, err := splitJPEG(s)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out.Write([]byte{0xff, 0xd0 + byte((i-1)%8)}) // RSTn
		}
		out.Write(data)
	}
	out.Write([]byte{0xff, 0xd9}) // EOI
	return out.Bytes(), nil
}

// splitJPEG cuts a JPEG image/jpeg wrote into its markers before the scan,
// the scan's header and the scan's entropy-coded data.
func splitJPEG(j []byte) (head, sos, data []byte, err error) {
	bad := errors.New("jpeg strips: unexpected encoder output")
	if len(j) < 4 || j[0] != 0xff || j[1] != 0xd8 || j[len(j)-2] != 0xff || j[len(j)-1] != 0xd9 {
		return nil, nil, nil, bad
	}
	for i := 2; i+4 <= len(j); {
		if j[i] != 0xff {
			return nil, nil, nil, bad
		}
		n := int(binary.BigEndian.Uint16(j[i+2:]))
		if i+2+n > len(j) {
			return nil, nil, nil, bad
		}
		if j[i+1] == 0xda {
			return j[:i], j[i : i+2+n], j[i+2+n : len(j)-2], nil
		}
		i += 2 + n
	}
	return nil, nil, nil, bad
}

// setFrameHeight writes h into the baseline frame header (SOF0) of head.
func setFrameHeight(head []byte, h int) error {
	for i := 2; i+4 <= len(head); {
		n := int(binary.BigEndian.Uint16(head[i+2:]))
		if head[i+1] == 0xc0 && i+7 <= len(head) {
			binary.BigEndian.PutUint16(head[i+5:], uint16(h))
			return nil
		}
		i += 2 + n
	}
	return errors.New("jpeg strips: no frame header")
}
