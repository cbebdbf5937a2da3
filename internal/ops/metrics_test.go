package ops_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/ops"
)

// scrape fetches the exposition text the way Prometheus would.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	body, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(body)
}

// assertSample checks one exact sample line, so "…total 1" never matches "…total 10".
func assertSample(t *testing.T, body, sample string) {
	t.Helper()
	assert.Contains(t, "\n"+body, "\n"+sample+"\n")
}

func TestMetricsExposeEveryRecordedEvent(t *testing.T) {
	m := ops.NewMetrics()
	m.AckLatency("slash_commands", 2*time.Millisecond)
	m.SlackError("chat.postMessage", "ratelimited")
	m.Reconnect()
	m.InFlight(2)
	m.InFlight(-1)
	m.Outcome(invite.Invited)
	m.ObserveApplivery("POST", "otp-users", 201, 150*time.Millisecond)
	m.Resumed(false)
	m.Resumed(true)
	m.Resumed(true)
	gate := applivery.NewGate(8)
	m.WatchGate(gate)

	body := scrape(t, m.Handler())

	assertSample(t, body, `testerbot_slack_ack_seconds_bucket{type="slash_commands",le="0.0025"} 1`)
	assertSample(t, body, `testerbot_slack_ack_seconds_bucket{type="slash_commands",le="0.001"} 0`)
	assertSample(t, body, `testerbot_slack_ack_seconds_bucket{type="slash_commands",le="3"} 1`)
	assertSample(t, body, `testerbot_slack_ack_seconds_count{type="slash_commands"} 1`)
	assertSample(t, body, `testerbot_slack_api_errors_total{code="ratelimited",method="chat.postMessage"} 1`)
	assertSample(t, body, `testerbot_slack_reconnects_total 1`)
	assertSample(t, body, `testerbot_inflight_work 1`)
	assertSample(t, body, `testerbot_invites_total{outcome="invited"} 1`)
	assertSample(t, body, `testerbot_applivery_requests_total{method="POST",route="otp-users",status="201"} 1`)
	assertSample(t, body, `testerbot_applivery_request_seconds_bucket{method="POST",route="otp-users",le="0.25"} 1`)
	assertSample(t, body, `testerbot_applivery_request_seconds_bucket{method="POST",route="otp-users",le="30"} 1`)
	assertSample(t, body, `testerbot_applivery_request_seconds_count{method="POST",route="otp-users"} 1`)
	assertSample(t, body, `testerbot_requests_resumed_total 1`)
	assertSample(t, body, `testerbot_requests_taken_over_total 2`)
	assertSample(t, body, `testerbot_applivery_in_flight 0`)
	assertSample(t, body, `testerbot_applivery_waiting 0`)
	assertSample(t, body, `testerbot_applivery_paused_seconds_total 0`)
}

func TestMetricsIncludeRuntimeAndProcessCollectors(t *testing.T) {
	body := scrape(t, ops.NewMetrics().Handler())

	assert.Contains(t, body, "\ngo_goroutines ")
	assert.Contains(t, body, "\nprocess_start_time_seconds ")
}

func TestInviteOutcomesAreExposedBeforeAnyInvite(t *testing.T) {
	body := scrape(t, ops.NewMetrics().Handler())

	for _, outcome := range []string{"invited", "already_invited", "refused", "failed", "removed"} {
		assertSample(t, body, `testerbot_invites_total{outcome="`+outcome+`"} 0`)
	}
}

func TestAppliveryAttemptWithoutResponseIsLabelledError(t *testing.T) {
	m := ops.NewMetrics()
	m.ObserveApplivery("GET", "otp-users/{id}", 0, 3*time.Second)

	body := scrape(t, m.Handler())

	assertSample(t, body, `testerbot_applivery_requests_total{method="GET",route="otp-users/{id}",status="error"} 1`)
	assertSample(t, body, `testerbot_applivery_request_seconds_count{method="GET",route="otp-users/{id}"} 1`)
}

func TestSlackErrorCodesAreClampedToBoundLabels(t *testing.T) {
	cases := []struct{ name, code, label string }{
		{"known code", "channel_not_found", "channel_not_found"},
		{"digits allowed", "err_429", "err_429"},
		{"forty chars kept", strings.Repeat("a", 40), strings.Repeat("a", 40)},
		{"forty-one chars", strings.Repeat("a", 41), "other"},
		{"upper case", "Ratelimited", "other"},
		{"error message", "post https://slack.com: timeout", "other"},
		{"empty", "", "other"},
		{"non-ascii", "errör", "other"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ops.NewMetrics()
			m.SlackError("views.open", tc.code)

			body := scrape(t, m.Handler())

			assertSample(t, body, `testerbot_slack_api_errors_total{code="`+tc.label+`",method="views.open"} 1`)
		})
	}
}

func TestFreeFormEnvelopeTypesAndOutcomesAreClamped(t *testing.T) {
	m := ops.NewMetrics()
	m.AckLatency("Some Weird Type", time.Millisecond)
	m.Outcome("failed: user@example.com")

	body := scrape(t, m.Handler())

	assertSample(t, body, `testerbot_slack_ack_seconds_count{type="other"} 1`)
	assertSample(t, body, `testerbot_invites_total{outcome="other"} 1`)
	assert.NotContains(t, body, "example.com")
}

func TestInstancesDoNotShareARegistry(t *testing.T) {
	first, second := ops.NewMetrics(), ops.NewMetrics()
	first.Reconnect()

	assertSample(t, scrape(t, first.Handler()), `testerbot_slack_reconnects_total 1`)
	assertSample(t, scrape(t, second.Handler()), `testerbot_slack_reconnects_total 0`)
}

func TestMetricsAreSafeForConcurrentUse(t *testing.T) {
	m := ops.NewMetrics()
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				m.InFlight(1)
				m.Outcome(invite.Invited)
				m.ObserveApplivery("POST", "otp-users", 201, time.Millisecond)
				m.InFlight(-1)
			}
		})
	}
	wg.Wait()

	body := scrape(t, m.Handler())

	assertSample(t, body, `testerbot_invites_total{outcome="invited"} 400`)
	assertSample(t, body, `testerbot_applivery_requests_total{method="POST",route="otp-users",status="201"} 400`)
	assertSample(t, body, `testerbot_inflight_work 0`)
}

// The bot and the Applivery client are wired to *Metrics by main; these
// assignments break the build here if the method set drifts from theirs.
var (
	_ interface {
		AckLatency(envelopeType string, d time.Duration)
		SlackError(method, code string)
		Reconnect()
		InFlight(delta int)
	} = (*ops.Metrics)(nil)
	_ func(method, route string, status int, d time.Duration) = (*ops.Metrics)(nil).ObserveApplivery
)

func TestAlertMetricsAreExposedFromTheStartAndCount(t *testing.T) {
	m := ops.NewMetrics()
	body := scrape(t, m.Handler())
	for _, sample := range []string{
		"testerbot_database_write_failures_total 0", "testerbot_applivery_auth_failures_total 0",
		"testerbot_applivery_last_success_timestamp_seconds 0", "testerbot_slack_auth_failures_total 0",
		"testerbot_slack_connect_failures_total 0",
	} {
		assertSample(t, body, sample)
	}

	m.DatabaseWriteFailure()
	m.AppliveryAuthFailure()
	m.AppliverySucceeded(time.Unix(1_800_000_000, 0))
	m.SlackError("chat.postMessage", "token_revoked")
	m.SlackError("chat.postMessage", "channel_not_found") // not an auth failure
	m.SlackConnectFailure(false)
	m.SlackConnectFailure(true)

	body = scrape(t, m.Handler())
	assertSample(t, body, "testerbot_database_write_failures_total 1")
	assertSample(t, body, "testerbot_applivery_auth_failures_total 1")
	assertSample(t, body, "testerbot_applivery_last_success_timestamp_seconds 1.8e+09")
	assertSample(t, body, "testerbot_slack_auth_failures_total 2")
	assertSample(t, body, "testerbot_slack_connect_failures_total 2")
}
