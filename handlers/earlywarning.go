package handlers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crowdcare/crowdcare/models"
)

// volumeChart is an hourly column chart with the usual level drawn as a
// line, computed here so the template only places shapes.
type volumeChart struct {
	ID, Title, Summary string
	Columns            []column
	Usual              string // SVG polyline points
	Height             int
}

type column struct {
	X, Y, H float64
	Count   int
	Usual   float64
	Recent  bool // inside the spike window
	Label   string
}

const (
	chartPlotHeight = 80.0
	columnStep      = 10.0
)

// Width is the SVG's width: the columns and room for the axis labels.
func (v volumeChart) Width() int { return int(columnStep*float64(len(v.Columns))) + 2 }

func newVolumeChart(id, title string, s models.Series, w models.EarlyWarning) volumeChart {
	top := 1.0
	for i, n := range s.Hourly {
		top = max(top, float64(n), s.Usual[i])
	}
	ch := volumeChart{ID: id, Title: title, Height: int(chartPlotHeight) + 18}
	windowStart := w.Now.Add(-models.SpikeWindow)
	var pts []string
	for i, n := range s.Hourly {
		start := w.ChartStart.Add(time.Duration(i) * time.Hour)
		h := chartPlotHeight * float64(n) / top
		col := column{X: float64(i)*columnStep + 1, Y: chartPlotHeight - h, H: h, Count: n, Usual: s.Usual[i],
			Recent: start.Add(time.Hour).After(windowStart), Label: start.UTC().Format("Mon 15:04")}
		ch.Columns = append(ch.Columns, col)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", col.X+columnStep/2-1, chartPlotHeight-chartPlotHeight*s.Usual[i]/top))
	}
	ch.Usual = strings.Join(pts, " ")
	state := "within the usual range"
	if s.Spiking {
		state = "a spike"
	}
	ch.Summary = fmt.Sprintf("%d in the last %d hours against %.1f usually (z = %.1f): %s.",
		s.Recent, int(models.SpikeWindow.Hours()), s.Mean, s.Z, state)
	return ch
}

func hourLabel(w models.EarlyWarning, i int) string {
	return w.ChartStart.Add(time.Duration(i) * time.Hour).UTC().Format(time.RFC3339)
}

// earlyWarningCSV is the data behind the early-warning charts and tables.
func earlyWarningCSV(w models.EarlyWarning) [][]string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
	header := []string{"series", "name", "last_hours"}
	for k := 1; k <= models.SpikeWeeks; k++ {
		header = append(header, "week_"+strconv.Itoa(k))
	}
	records := [][]string{append(header, "mean", "sd", "z", "spike")}
	row := func(kind string, s models.Series) {
		r := []string{kind, s.Label, strconv.Itoa(s.Recent)}
		for k := 0; k < models.SpikeWeeks; k++ {
			n := ""
			if k < len(s.Baseline) {
				n = strconv.Itoa(s.Baseline[k])
			}
			r = append(r, n)
		}
		records = append(records, append(r, f(s.Mean), f(s.SD), f(s.Z), strconv.FormatBool(s.Spiking)))
	}
	row("questions", w.Questions)
	row("mentions", w.Mentions)
	for _, s := range w.Categories {
		row("category", s)
	}
	for _, s := range w.Keywords {
		row("keyword", s)
	}
	for _, t := range w.Terms {
		row("term", models.Series{Label: t.Term, Spike: t.Spike})
	}
	records = append(records, []string{}, []string{"hour_start_utc", "questions", "questions_usual", "mentions", "mentions_usual"})
	for i := range w.Questions.Hourly {
		records = append(records, []string{hourLabel(w, i),
			strconv.Itoa(w.Questions.Hourly[i]), f(w.Questions.Usual[i]), strconv.Itoa(w.Mentions.Hourly[i]), f(w.Mentions.Usual[i])})
	}
	records = append(records, []string{}, []string{"hour_start_utc", "series", "name", "count"})
	for _, list := range [][]models.Series{w.Categories, w.Keywords} {
		for _, s := range list {
			for i, n := range s.Hourly {
				records = append(records, []string{hourLabel(w, i), s.Kind, s.Label, strconv.Itoa(n)})
			}
		}
	}
	return records
}

// warningRow is one category or keyword in the early-warning table, with a
// small chart of its last 48 hours.
type warningRow struct {
	models.Series
	Spark []sparkBar
}

type sparkBar struct{ X, Y, H float64 }

const sparkHeight = 16.0

// SparkTitle sums the small chart up for screen readers.
func (r warningRow) SparkTitle() string {
	total, peak := 0, 0
	for _, n := range r.Hourly {
		total += n
		peak = max(peak, n)
	}
	return fmt.Sprintf("%d in the last 48 hours, at most %d in an hour", total, peak)
}

func warningRows(series []models.Series) []warningRow {
	var rows []warningRow
	for _, s := range series {
		top := 1
		for _, n := range s.Hourly {
			top = max(top, n)
		}
		r := warningRow{Series: s}
		for i, n := range s.Hourly {
			h := sparkHeight * float64(n) / float64(top)
			r.Spark = append(r.Spark, sparkBar{X: float64(i) * 2, Y: sparkHeight - h, H: h})
		}
		rows = append(rows, r)
	}
	return rows
}
