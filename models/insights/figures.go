package insights

import (
	"math"
	"sort"
	"time"

	"github.com/crowdcare/crowdcare/models/policy"
)

// Timing sums up how fast one source's questions were answered. Durations
// are zero when nothing was measured; Answered and Accepted say so.
type Timing struct {
	Source             string
	Asked              int
	Answered           int
	Accepted           int
	FirstAnswerMedian  time.Duration
	FirstAnswerP90     time.Duration
	AcceptedMedian     time.Duration
	AcceptedP90        time.Duration
	Within1h, Within24 int // questions answered within an hour and a day of being asked
	Buckets            []Bucket
}

// Share1h is the share of asked questions answered within an hour, 0..1.
func (t Timing) Share1h() float64 { return Share(t.Within1h, t.Asked) }

// Share24h is the same within a day.
func (t Timing) Share24h() float64 { return Share(t.Within24, t.Asked) }

// Bucket is one bar of the time-to-first-answer chart.
type Bucket struct {
	Label string
	Count int
}

// answerBuckets are the chart's bars; the last catches questions with no answer yet.
var answerBuckets = []struct {
	label string
	upTo  time.Duration
}{
	{"under 1 h", time.Hour},
	{"1–24 h", 24 * time.Hour},
	{"1–7 days", 7 * 24 * time.Hour},
	{"over 7 days", math.MaxInt64},
}

// NoAnswerYet labels the last bar of the chart.
const NoAnswerYet = "no answer yet"

// Bucketize counts first-answer times into the chart's bars, the questions
// with no answer yet in the last.
func Bucketize(ds []time.Duration, unanswered int) []Bucket {
	out := make([]Bucket, 0, len(answerBuckets)+1)
	for _, b := range answerBuckets {
		out = append(out, Bucket{Label: b.label})
	}
	for _, d := range ds {
		for i, b := range answerBuckets {
			if d <= b.upTo {
				out[i].Count++
				break
			}
		}
	}
	return append(out, Bucket{Label: NoAnswerYet, Count: unanswered})
}

// NonNegative is a number of seconds as a duration, never below zero.
func NonNegative(seconds int64) time.Duration {
	// An imported reply can carry a clock a little behind the tweet it answers.
	return time.Duration(max(seconds, 0)) * time.Second
}

// Share is n of of, 0..1; 0 of nothing.
func Share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Median is the middle value, or the mean of the two middle values of an
// even-sized sample; zero for an empty one. ds is sorted in place.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2]
	}
	return (ds[n/2-1] + ds[n/2]) / 2
}

// Percentile is the nearest-rank percentile: the smallest value with at
// least p% of the sample at or below it. It is always a value that occurred,
// which reads better than an interpolated one on small samples.
func Percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	rank := int(math.Ceil(float64(p) / 100 * float64(len(ds))))
	return ds[min(max(rank, 1), len(ds))-1]
}

// Answerers says who wrote the accepted answers to questions asked in the
// period: the share the community answered itself is the deflection figure.
type Answerers struct {
	Peers, Superusers, Staff int
	Top                      []Contributor
}

// Total is every accepted answer counted.
func (a Answerers) Total() int { return a.Peers + a.Superusers + a.Staff }

// PeerShare and the others are shares of Total, 0..1.
func (a Answerers) PeerShare() float64      { return Share(a.Peers, a.Total()) }
func (a Answerers) SuperuserShare() float64 { return Share(a.Superusers, a.Total()) }
func (a Answerers) StaffShare() float64     { return Share(a.Staff, a.Total()) }

// Contributor is one member with accepted answers in the period.
type Contributor struct {
	Username string
	Role     policy.Role
	Accepted int
}
