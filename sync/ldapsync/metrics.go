package ldapsync

import (
	"errors"
	"strconv"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/scimd/scimd/internal/obs"
)

// metrics are the engine's Prometheus metrics, labelled by organization
// name and source name.
type metrics struct {
	duration   *prometheus.HistogramVec // org, source, status
	read       *prometheus.CounterVec   // org, source, object (user, group)
	changes    *prometheus.CounterVec   // org, source, kind, state
	held       *prometheus.CounterVec   // org, source
	ldapErrors *prometheus.CounterVec   // org, source, code
	lastOK     *prometheus.GaugeVec     // org, source
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scimd_ldapsync_run_duration_seconds",
			Help:    "Duration of directory sync runs, by final status.",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600},
		}, []string{"org", "source", "status"}),
		read: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scimd_ldapsync_entries_read_total",
			Help: "Directory entries read by sync runs.",
		}, []string{"org", "source", "object"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scimd_ldapsync_changes_total",
			Help: "Changes recorded by sync runs, by kind and state (applied, held, planned, skipped, failed).",
		}, []string{"org", "source", "kind", "state"}),
		held: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scimd_ldapsync_held_runs_total",
			Help: "Sync runs held for approval (mass change or scope change).",
		}, []string{"org", "source"}),
		ldapErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scimd_ldapsync_ldap_errors_total",
			Help: "LDAP errors met by sync runs, by result code (200 and up: go-ldap's client codes, such as 200 network error).",
		}, []string{"org", "source", "code"}),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "scimd_ldapsync_last_success_timestamp_seconds",
			Help: "Unix time of the end of the last successful (or approved) sync run.",
		}, []string{"org", "source"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.duration, err = obs.Register(reg, "sync", m.duration); err != nil {
		return nil, err
	}
	if m.read, err = obs.Register(reg, "sync", m.read); err != nil {
		return nil, err
	}
	if m.changes, err = obs.Register(reg, "sync", m.changes); err != nil {
		return nil, err
	}
	if m.held, err = obs.Register(reg, "sync", m.held); err != nil {
		return nil, err
	}
	if m.ldapErrors, err = obs.Register(reg, "sync", m.ldapErrors); err != nil {
		return nil, err
	}
	if m.lastOK, err = obs.Register(reg, "sync", m.lastOK); err != nil {
		return nil, err
	}
	return m, nil
}

// errorCode is err's LDAP result code, or go-ldap's ErrorNetwork (200)
// when it has none (a dial or TLS failure).
func errorCode(err error) uint16 {
	var le *ldap.Error
	if errors.As(err, &le) {
		return le.ResultCode
	}
	return ldap.ErrorNetwork
}

// code counts a result code.
func (m *metrics) code(org, source string, code uint16) {
	m.ldapErrors.WithLabelValues(org, source, strconv.Itoa(int(code))).Inc()
}

// success records the end of a successful run.
func (m *metrics) success(org, source string, at time.Time) {
	m.lastOK.WithLabelValues(org, source).Set(float64(at.UnixNano()) / 1e9)
}
