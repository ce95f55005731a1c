// Package insights is the dashboard's maths, apart from the SQL that reads
// its rows: the early-warning statistic (SpikeScore against the same hours
// of previous weeks, the charted hours, the terms of a text worth watching)
// and the figures of responsiveness and deflection (medians, nearest-rank
// percentiles, the first-answer chart's bars, shares). It holds no SQL and
// imports nothing of models; the queries, event counting, visits and
// incidents, and the early warning's page (its threads and mentions, with
// their addresses), are still in models and call it.
package insights
