package handlers

import (
	"crypto/subtle"
	"database/sql"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/crowdcare/crowdcare/models"
)

// metrics are the server's Prometheus metrics, on a registry of its own
// (not the global default), so tests and several servers never collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	imported *prometheus.CounterVec
}

func newMetrics(store *models.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "crowdcare_http_requests_total",
			Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "crowdcare_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}},
			[]string{"route"}),
		imported: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "crowdcare_social_items_total",
			Help: "Posts read by imports and live listening, by outcome."}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.imported,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newPoolCollector(store))
	return m
}

// record counts one request to route ("" for none: "unmatched").
func (m *metrics) record(route, method string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, method, statusLabel(status)).Inc()
	m.latency.WithLabelValues(route).Observe(took.Seconds())
}

// statusLabel is a status code as the metrics label it: the common ones
// without formatting.
func statusLabel(code int) string {
	switch code {
	case http.StatusOK:
		return "200"
	case http.StatusNotModified:
		return "304"
	}
	return strconv.Itoa(code)
}

// countImport adds an import's summary to the counters.
func (m *metrics) countImport(s *models.ImportSummary) {
	if s == nil {
		return
	}
	m.imported.WithLabelValues("imported").Add(float64(s.Imported))
	m.imported.WithLabelValues("duplicate").Add(float64(s.Duplicates))
	m.imported.WithLabelValues("skipped").Add(float64(len(s.Skipped)))
	m.imported.WithLabelValues("filtered").Add(float64(s.FilteredTotal()))
}

// poolCollector reports the database pools when scraped.
type poolCollector struct {
	store                      *models.Store
	open, inUse, waits, waited *prometheus.Desc
	free, writeFailures        *prometheus.Desc
}

func newPoolCollector(store *models.Store) poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"pool"}, nil)
	}
	return poolCollector{store: store,
		open:   d("crowdcare_db_connections_open", "Open connections."),
		inUse:  d("crowdcare_db_connections_in_use", "Connections in use."),
		waits:  d("crowdcare_db_waits_total", "Times a query waited for a connection."),
		waited: d("crowdcare_db_wait_seconds_total", "Time spent waiting for connections."),
		free:   prometheus.NewDesc("crowdcare_disk_free_bytes", "Free bytes on the disk holding the database.", nil, nil),
		writeFailures: prometheus.NewDesc("crowdcare_db_write_failures_total",
			"Writes the database refused, by reason: busy (lock held past the wait), full (disk), io.", []string{"reason"}, nil),
	}
}

func (p poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- p.open
	ch <- p.inUse
	ch <- p.waits
	ch <- p.waited
	ch <- p.free
	ch <- p.writeFailures
}

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	w, r := p.store.PoolStats()
	for name, st := range map[string]sql.DBStats{"writer": w, "readers": r} {
		ch <- prometheus.MustNewConstMetric(p.open, prometheus.GaugeValue, float64(st.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(p.inUse, prometheus.GaugeValue, float64(st.InUse), name)
		ch <- prometheus.MustNewConstMetric(p.waits, prometheus.CounterValue, float64(st.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(p.waited, prometheus.CounterValue, st.WaitDuration.Seconds(), name)
	}
	if free, err := p.store.FreeSpace(); err == nil {
		ch <- prometheus.MustNewConstMetric(p.free, prometheus.GaugeValue, float64(free))
	}
	for fault, n := range p.store.WriteFailures() {
		ch <- prometheus.MustNewConstMetric(p.writeFailures, prometheus.CounterValue, float64(n), fault.String())
	}
}

// showMetrics serves GET /metrics to the local machine, or to anyone with
// the metrics token as a bearer token.
func (h *Handler) showMetrics(c echo.Context) error {
	if !h.metricsAllowed(c) {
		return echo.ErrNotFound
	}
	promhttp.HandlerFor(h.metrics.reg, promhttp.HandlerOpts{}).ServeHTTP(c.Response(), c.Request())
	return nil
}

func (h *Handler) metricsAllowed(c echo.Context) bool {
	if tok := h.cfg.MetricsToken; tok != "" {
		got := c.Request().Header.Get("Authorization")
		if subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+tok)) == 1 {
			return true
		}
	}
	// Behind a reverse proxy every request arrives from the proxy's
	// address, often this machine's own, and a proxy need not add
	// X-Forwarded-For: only the token opens the metrics then.
	if h.cfg.TrustProxy {
		return false
	}
	// The connection's own address: a forwarded header could claim anything.
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() && c.Request().Header.Get("X-Forwarded-For") == ""
}
