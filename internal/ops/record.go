package ops

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/slackauth"
)

// AckLatency records how long acknowledging a Socket Mode envelope took.
// Unusual envelope types are clamped to "other".
func (m *Metrics) AckLatency(envelopeType string, d time.Duration) {
	m.ackSeconds.WithLabelValues(clampCode(envelopeType)).Observe(d.Seconds())
}

// SlackError counts a failed Slack Web API call. method is the API method
// ("chat.postMessage"); code is Slack's error code, clamped to "other" when
// it does not look like one.
func (m *Metrics) SlackError(method, code string) {
	m.slackErrors.WithLabelValues(method, clampCode(code)).Inc()
	if slackauth.Refused(code) {
		m.slackAuthFailures.Inc()
	}
}

// SlackConnectFailure counts an attempt to open the Socket Mode connection that failed; auth
// tells that Slack refused the app-level token.
func (m *Metrics) SlackConnectFailure(auth bool) {
	m.slackConnectFailure.Inc()
	if auth {
		m.slackAuthFailures.Inc()
	}
}

// DatabaseWriteFailure counts a failed write probe of the database.
func (m *Metrics) DatabaseWriteFailure() { m.dbWriteFailures.Inc() }

// AppliveryAuthFailure counts an Applivery call refused for the token.
func (m *Metrics) AppliveryAuthFailure() { m.appliveryAuthFails.Inc() }

// AppliverySucceeded records when an Applivery call last succeeded.
func (m *Metrics) AppliverySucceeded(at time.Time) {
	m.appliveryLastOK.Set(float64(at.UnixNano()) / 1e9)
}

// Backlog records the outbox's pending messages and the age of the oldest; it makes Metrics an
// outbox.Observer. Slack's 429s are counted by SlackError, by method, with code "ratelimited".
func (m *Metrics) Backlog(depth int, oldest time.Duration) {
	m.outboxDepth.Set(float64(depth))
	m.outboxOldest.Set(oldest.Seconds())
}

// Reconnect counts a re-established Socket Mode connection.
func (m *Metrics) Reconnect() { m.reconnects.Inc() }

// InFlight adjusts the amount of work running after its ack: +1 when work
// starts, -1 when it ends.
func (m *Metrics) InFlight(delta int) { m.inFlight.Add(float64(delta)) }

// Outcome counts one email's outcome, one of invite.Outcomes (invited, already_invited,
// refused, failed, removed, asked, approved, denied, ask_expired); it makes Metrics an
// invite.Observer.
func (m *Metrics) Outcome(o invite.Outcome) {
	m.invites.WithLabelValues(clampCode(string(o))).Inc()
}

// Resumed counts a request finished by another process than the one that
// began it: at start-up (after a crash or a deploy) or, takeOver, from a
// replica that died while this one ran.
func (m *Metrics) Resumed(takeOver bool) {
	if takeOver {
		m.takeOvers.Inc()
		return
	}
	m.resumed.Inc()
}

// WatchGate exposes the Applivery gate's state: requests in flight, requests
// waiting for a slot, and the seconds every call was paused after a 429.
func (m *Metrics) WatchGate(g *applivery.Gate) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "testerbot_applivery_in_flight",
			Help: "Applivery requests in flight now, across all the work of this process.",
		}, func() float64 { return float64(g.Stats().InFlight) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "testerbot_applivery_waiting",
			Help: "Applivery requests waiting for a free slot (APPLIVERY_MAX_IN_FLIGHT) or for a 429 pause to end.",
		}, func() float64 { return float64(g.Stats().Waiting) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "testerbot_applivery_paused_seconds_total",
			Help: "Seconds every Applivery call was paused because Applivery answered 429.",
		}, func() float64 { return g.Stats().Paused.Seconds() }),
	)
}

// ObserveApplivery records one HTTP attempt against Applivery; it has the
// signature of applivery.Observer. status 0 means no response arrived and is
// labelled "error". route must be a template ("otp-users/{id}"), never a raw
// path, to keep the series bounded.
func (m *Metrics) ObserveApplivery(method, route string, status int, d time.Duration) {
	m.appliveryRequests.WithLabelValues(method, route, statusLabel(status)).Inc()
	m.appliverySeconds.WithLabelValues(method, route).Observe(d.Seconds())
}

// watchReadiness exposes readiness as testerbot_ready (1 ready, 0 not), checked at each scrape,
// so an alert needs no probe of its own.
func (m *Metrics) watchReadiness(ready func() bool) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "testerbot_ready",
		Help: "1 while /readyz would answer 200, else 0: checked at each scrape.",
	}, func() float64 {
		if ready() {
			return 1
		}
		return 0
	}))
}
