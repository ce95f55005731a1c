package insights

import (
	"testing"
	"time"
)

func TestMedianAndPercentileByHand(t *testing.T) {
	m := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Minute
		}
		return out
	}
	cases := []struct {
		in          []time.Duration
		median, p90 time.Duration
	}{
		{nil, 0, 0},
		{m(7), 7 * time.Minute, 7 * time.Minute},
		// Even size: the mean of 2 and 3. Nearest rank for p90 of 4 is rank ceil(3.6) = 4.
		{m(4, 1, 3, 2), 150 * time.Second, 4 * time.Minute},
		// Ten values: p90 is the 9th smallest, not the largest.
		{m(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 330 * time.Second, 9 * time.Minute},
	}
	for _, c := range cases {
		if got := Median(append([]time.Duration(nil), c.in...)); got != c.median {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.median)
		}
		if got := Percentile(append([]time.Duration(nil), c.in...), 90); got != c.p90 {
			t.Errorf("Percentile(%v, 90) = %v, want %v", c.in, got, c.p90)
		}
	}
}
