package webhook

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/scimd/scimd/internal/obs"
)

// Delivery outcomes, the values of the outcome label.
const (
	outcomeDelivered = "delivered" // a 2xx answer acknowledged the event
	outcomeFailed    = "failed"    // an error or another status: retried later
	outcomeGone      = "gone"      // 410 Gone: the webhook was disabled
)

// metrics are the worker's Prometheus metrics.
type metrics struct {
	deliveries *prometheus.CounterVec // outcome
	duration   prometheus.Histogram   // per attempt
	backlog    *prometheus.GaugeVec   // org, webhook
	lastOK     *prometheus.GaugeVec   // org, webhook
	skipped    prometheus.Counter     // events without a form in the webhook's format
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scimd_webhook_deliveries_total",
			Help: "Webhook delivery attempts, by outcome (delivered, failed, gone).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "scimd_webhook_delivery_duration_seconds",
			Help:    "Duration of webhook delivery attempts, until the answer or the error.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "scimd_webhook_backlog_events",
			Help: "Events after each enabled webhook's cursor (filtered ones included), as of the worker's last poll.",
		}, []string{"org", "webhook"}),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "scimd_webhook_last_success_timestamp_seconds",
			Help: "Unix time of each enabled webhook's last acknowledged delivery.",
		}, []string{"org", "webhook"}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "scimd_webhook_skipped_events_total",
			Help: "Events passed over because the webhook's format has no form for them (SET: purges).",
		}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.deliveries, err = obs.Register(reg, "webhook", m.deliveries); err != nil {
		return nil, err
	}
	if m.duration, err = obs.Register(reg, "webhook", m.duration); err != nil {
		return nil, err
	}
	if m.backlog, err = obs.Register(reg, "webhook", m.backlog); err != nil {
		return nil, err
	}
	if m.lastOK, err = obs.Register(reg, "webhook", m.lastOK); err != nil {
		return nil, err
	}
	if m.skipped, err = obs.Register(reg, "webhook", m.skipped); err != nil {
		return nil, err
	}
	return m, nil
}
