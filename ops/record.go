package ops

import "time"

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
}

// Reconnect counts a re-established Socket Mode connection.
func (m *Metrics) Reconnect() { m.reconnects.Inc() }

// InFlight adjusts the amount of work running after its ack: +1 when work
// starts, -1 when it ends.
func (m *Metrics) InFlight(delta int) { m.inFlight.Add(float64(delta)) }

// Invite counts one tester invitation by outcome (invited, already_invited,
// refused or failed); other values are clamped like error codes.
func (m *Metrics) Invite(outcome string) {
	m.invites.WithLabelValues(clampCode(outcome)).Inc()
}

// ObserveApplivery records one HTTP attempt against Applivery; it has the
// signature of applivery.Observer. status 0 means no response arrived and is
// labelled "error". route must be a template ("otp-users/{id}"), never a raw
// path, to keep the series bounded.
func (m *Metrics) ObserveApplivery(method, route string, status int, d time.Duration) {
	m.appliveryRequests.WithLabelValues(method, route, statusLabel(status)).Inc()
	m.appliverySeconds.WithLabelValues(method, route).Observe(d.Seconds())
}
