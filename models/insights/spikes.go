package insights

import (
	"math"
	"time"
)

// The early-warning statistic: the count of the last SpikeWindow is compared
// with the counts of the same hours of the week in each of the previous
// SpikeWeeks weeks, so daily and weekly rhythms (quiet nights, busy Monday
// mornings) are part of "usual".
const (
	SpikeWindow = 3 * time.Hour
	SpikeWeeks  = 4
	// SpikeZ is how many spreads above the usual level a count must be.
	SpikeZ = 3.0
	// SpikeMin keeps a handful of questions on a quiet forum from being a spike.
	SpikeMin = 5
	// TermMin is the same for a term: it must appear in this many questions or mentions.
	TermMin = 3
	// ChartHours is how many hours of volume the charts show.
	ChartHours = 48
)

// Week is how far back the same hours of the previous week are.
const Week = 7 * 24 * time.Hour

// Spike compares a recent count with the same hours of previous weeks.
type Spike struct {
	Recent   int
	Baseline []int // one count per previous week, the latest first
	Mean, SD float64
	Z        float64
	Spiking  bool
}

// SpikeScore is the z-score of recent against baseline. The spread used is
// the baseline's standard deviation, but never less than the square root of
// its mean (the spread of counts that arrive at random) nor less than 1, so
// that a few quiet weeks that happened to agree do not make every extra
// question a spike. A spike needs z ≥ SpikeZ and at least min events.
func SpikeScore(recent int, baseline []int, min int) Spike {
	sp := Spike{Recent: recent, Baseline: baseline}
	if len(baseline) > 0 {
		for _, b := range baseline {
			sp.Mean += float64(b)
		}
		sp.Mean /= float64(len(baseline))
		for _, b := range baseline {
			d := float64(b) - sp.Mean
			sp.SD += d * d
		}
		sp.SD = math.Sqrt(sp.SD / float64(len(baseline)))
	}
	spread := math.Max(math.Max(sp.SD, math.Sqrt(sp.Mean)), 1)
	sp.Z = (float64(recent) - sp.Mean) / spread
	sp.Spiking = recent >= min && sp.Z >= SpikeZ
	return sp
}

// Series is one volume watched for spikes: all questions, mentions, one
// category or one watch-rule keyword.
type Series struct {
	Kind       string // "questions", "mentions", "category" or "keyword"
	Label, Key string
	Hourly     []int     // the last ChartHours clock hours, oldest first; nil when not charted
	Usual      []float64 // the same hours' mean over the previous weeks
	Spike
}

// ChartSlot places a time in the charted hours: which week back and which hour.
func ChartSlot(at int64, start time.Time) (int, int) {
	for k := 0; k <= SpikeWeeks; k++ {
		off := at - start.Add(-time.Duration(k)*Week).Unix()
		if off >= 0 && off < ChartHours*3600 {
			return k, int(off / 3600)
		}
	}
	return -1, 0
}
