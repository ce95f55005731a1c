package media

import (
	"context"
	"testing"

	"github.com/crowdcare/crowdcare/media/mediatest"
)

// BenchmarkProcessPhoto10MB is a phone photo of about 10 MB (24
// megapixels, EXIF with GPS and an orientation to apply): decoded, turned,
// encoded again and thumbnailed, as an upload is. The target is under a
// second on the development machine (docs/benchmarks.md).
func BenchmarkProcessPhoto10MB(b *testing.B) {
	data := mediatest.WithEXIF(mediatest.JPEG(mediatest.Photo(6000, 4000, 1), 95), 6)
	b.Logf("photo: %.1f MB", float64(len(data))/(1<<20))
	p := NewProcessor(Limits{})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := p.Process(context.Background(), data, "IMG_0001.JPG"); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time on both cores together: the wall time is between half of
	// it (two idle cores) and all of it (one).
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}
