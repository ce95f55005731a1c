package insights

import (
	"fmt"
	"math"
	"testing"
)

func TestSpikeScoreByHand(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-3 }
	cases := []struct {
		recent   int
		baseline []int
		min      int
		mean, sd float64
		z        float64
		spiking  bool
	}{
		// Mean 3, SD sqrt(0.5) = 0.707; the spread used is sqrt(3) = 1.732: z = 9 / 1.732.
		{12, []int{2, 4, 3, 3}, 5, 3, 0.7071, 5.1962, true},
		// The same weeks and 5 now: z = 2 / 1.732, within the usual range.
		{5, []int{2, 4, 3, 3}, 5, 3, 0.7071, 1.1547, false},
		// Wide weeks: mean 10, SD 10 > sqrt(10): z = 20 / 10.
		{30, []int{0, 20, 0, 20}, 5, 10, 10, 2, false},
		// Nothing before: the spread is 1, so 4 questions are z = 4 but under the minimum of 5.
		{4, []int{0, 0, 0, 0}, 5, 0, 0, 4, false},
		{6, []int{0, 0, 0, 0}, 5, 0, 0, 6, true},
		// A term needs 3.
		{3, []int{0, 0, 0, 0}, 3, 0, 0, 3, true},
		// Fewer than usual is a negative z.
		{1, []int{4, 4, 4, 4}, 5, 4, 0, -1.5, false},
	}
	for _, c := range cases {
		sp := SpikeScore(c.recent, c.baseline, c.min)
		if !near(sp.Mean, c.mean) || !near(sp.SD, c.sd) || !near(sp.Z, c.z) || sp.Spiking != c.spiking {
			t.Errorf("SpikeScore(%d, %v) = mean %.4f sd %.4f z %.4f spike %v; want %.4f %.4f %.4f %v",
				c.recent, c.baseline, sp.Mean, sp.SD, sp.Z, sp.Spiking, c.mean, c.sd, c.z, c.spiking)
		}
	}
}

func TestTerms(t *testing.T) {
	got := fmt.Sprint(Terms("@brand Is there an OUTAGE in Leeds?? https://t.co/x #outage 5G router-reset 2026 the the"))
	if want := "[outage leeds router reset]"; got != want {
		t.Errorf("Terms = %s, want %s", got, want)
	}
}
