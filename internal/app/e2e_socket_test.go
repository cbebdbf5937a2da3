package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/slackfake"
)

// With apps.connections.open failing, the bot tries again on its own capped, jittered waits
// (never slack-go's, which double up to 5 minutes), logs each disconnect's reason at INFO,
// and comes back as soon as Slack does.
func TestAnAppsConnectionsOpenOutageIsRetriedPromptlyAndLogged(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.waitReadyz(http.StatusOK, "ready")
	const failures = 5
	h.slack.FailNext("apps.connections.open", "internal_error", failures)
	before := len(h.slack.Calls("apps.connections.open"))

	h.slack.Disconnect("refresh_requested")

	h.waitUntilLogged(`"level":"INFO","msg":"disconnected from Slack; reconnecting","reason":"Slack asked the bot to reconnect (reason: refresh_requested)"`, 5*time.Second)
	_, err := h.slack.WaitCall(opsContext(t, 20*time.Second), "apps.connections.open", func(c slackfake.Call) bool {
		return len(h.slack.Calls("apps.connections.open")) > before+failures && c.Error == ""
	})
	require.NoError(t, err, "never reconnected; logs:\n%s", h.logs)
	require.NoError(t, h.slack.WaitConnections(opsContext(t, 20*time.Second), connectionsPerProcess), "logs:\n%s", h.logs)
	h.waitReadyz(http.StatusOK, "ready")

	calls := h.slack.Calls("apps.connections.open")[before:]
	require.Len(t, calls, failures+connectionsPerProcess, "the failures, then one success per connection")
	for i := 1; i < len(calls); i++ {
		assert.LessOrEqual(t, calls[i].At.Sub(calls[i-1].At), 10*time.Second+time.Second, "wait before attempt %d", i+1)
	}
	// The same failure is written once a minute (the log's repeat limit); the metric counts each.
	assert.Equal(t, 1, strings.Count(h.logs.String(), `"msg":"could not connect to Slack; trying again"`), h.logs.String())
	_, metrics := h.healthGet("/metrics")
	assert.Equal(t, float64(failures), sampleValue(t, metrics, "testerbot_slack_connect_failures_total"))
	assert.GreaterOrEqual(t, sampleValue(t, metrics, "testerbot_slack_reconnects_total"), 1.0)

	// It serves again.
	h.command(lead, iosChan, "after-outage@example.com")
	reply := h.waitResultFor(iosChan, "after-outage@example.com", 10*time.Second)
	assert.Contains(t, h.parentOf(reply).Text, "1 invited")
}

func TestADroppedConnectionIsLoggedAtInfoWithItsReason(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.waitReadyz(http.StatusOK, "ready") // the bot knows it is connected
	before := h.slack.Connections()

	h.slack.DropConnection()

	h.waitUntilLogged(`"level":"INFO","msg":"disconnected from Slack; reconnecting"`, 5*time.Second)
	h.waitSlackState(10*time.Second, func() bool { return h.slack.Connections() > before })
	require.NoError(t, h.slack.WaitConnected(opsContext(t, 10*time.Second)))
	assert.NotContains(t, h.logs.String(), `"reason":"unknown"`, "the reason is known")
	assert.NotContains(t, h.logs.String(), `"level":"WARN","msg":"Socket Mode problem"`)
}

func TestACleanStopLogsNoWarning(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.waitReadyz(http.StatusOK, "ready")
	h.command(lead, iosChan, "before-stop@example.com")
	h.waitResultFor(iosChan, "before-stop@example.com", 10*time.Second)

	require.Equal(t, 0, h.shutdown())

	_, stopping, found := strings.Cut(h.logs.String(), `"msg":"shutting down: finishing in-flight work"`)
	require.True(t, found, h.logs.String())
	assert.NotContains(t, stopping, `"level":"WARN"`)
	assert.NotContains(t, stopping, `"level":"ERROR"`)
	assert.NotContains(t, stopping, "use of closed network connection")
}

// link_disabled means a person turned Socket Mode off for the app: the bot stops trying to
// connect and exits 1 saying what to do, after the invite in flight has posted its result.
func TestLinkDisabledEndsTheProcessOnceInFlightWorkIsDone(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	create := holdCreates(t, h.applivery)
	h.command(lead, iosChan, "in-flight@example.com")
	create.waitArrived(t)

	h.slack.Disconnect("link_disabled")
	h.waitUntilLogged(`"level":"ERROR","msg":"Slack ended the Socket Mode connection with link_disabled: Socket Mode is off for this app; turn it on under Socket Mode in the app's settings`, 10*time.Second)
	create.release()

	reply := h.waitResultFor(iosChan, "in-flight@example.com", 10*time.Second)
	assert.Contains(t, h.parentOf(reply).Text, "1 invited")
	select {
	case code := <-h.exit:
		h.stop()
		h.stop = nil
		assert.Equal(t, 1, code)
	case <-time.After(30 * time.Second):
		t.Fatalf("the bot did not stop after link_disabled; logs:\n%s", h.logs)
	}
	assert.Len(t, h.slack.Calls("apps.connections.open"), connectionsPerProcess, "never tried to connect again")
	assert.NotContains(t, h.logs.String(), "could not connect to Slack")
}
