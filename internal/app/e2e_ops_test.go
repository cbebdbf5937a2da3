package app_test

// End-to-end tests of production hardening (issue 5): Applivery and Slack trouble, reconnects,
// duplicate envelopes, health and metrics, the check subcommand, input limits, escaping and
// secrets in logs. Each drives the whole program through app.Main against the fakes and asserts
// what a user in Slack or an operator would notice.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/app"
	"github.com/testerbot/testerbot/internal/pgtest"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// --- Applivery trouble ------------------------------------------------------------------------

func TestApplivery503TwiceThenCreateSucceeds(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		t.Parallel()
		// An answered 503 is a known outcome: the bot looks alice up at once and creates again
		// after a short backoff. Were it to wait out APPLIVERY_TIMEOUT, no result would come
		// within the 20 s below.
		h := newHarnessReading(t, reading, withEnv("APPLIVERY_TIMEOUT", "1m")).start()
		h.applivery.FailWith(http.MethodPost, "/otp-users", 2, serviceUnavailable())

		h.command(lead, iosChan, "alice+qa@example.com")

		reply := h.waitResultFor(iosChan, "alice+qa@example.com", 20*time.Second)
		assert.Contains(t, h.parentOf(reply).Text, "1 invited")
		assert.NotContains(t, h.parentOf(reply).Text, "failed")
		require.Len(t, h.applivery.OTPUsers(store), 1, "one tester, never two")
		assert.Equal(t, 3, h.applivery.Count(http.MethodPost, "/otp-users"), "two failed creates, then one that worked")
	})
}

func TestApplivery429WithRetryAfterIsWaitedOutAndRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.applivery.FailWith(http.MethodPost, "/otp-users", 1, appliverytest.RateLimited("1"))

	asked := time.Now()
	h.command(lead, iosChan, "alice@example.com")

	reply := h.waitResultFor(iosChan, "alice@example.com", 20*time.Second)
	assert.Contains(t, h.parentOf(reply).Text, "1 invited")
	assert.GreaterOrEqual(t, time.Since(asked), time.Second, "Retry-After: 1 is honoured")
	require.Len(t, h.applivery.OTPUsers(store), 1)
	assert.Equal(t, 2, h.applivery.Count(http.MethodPost, "/otp-users"))
}

func TestCreateThatTimesOutAfterTheServerCommittedIsOneInvite(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		t.Parallel()
		h := newHarnessReading(t, reading, withEnv("APPLIVERY_TIMEOUT", "200ms")).start()
		h.applivery.HangAfterCreate(5 * time.Second)

		h.command(lead, iosChan, "alice+qa@example.com")

		reply := h.waitResultFor(iosChan, "alice+qa@example.com", 20*time.Second)
		assert.Contains(t, h.parentOf(reply).Text, "1 invited", "the lost answer is recovered by looking the tester up")
		users := h.applivery.OTPUsers(store)
		require.Len(t, users, 1, "no duplicate tester")
		assert.Contains(t, reply.Text, "*alice+qa@example.com* invited")
		assert.Equal(t, 1, h.applivery.Count(http.MethodPost, "/otp-users"), "the lookup found the tester, so no second create")
	})
}

func TestAllAttemptsFailingIsSaidPlainly(t *testing.T) {
	t.Parallel() // four creates, each looked up 1 s (APPLIVERY_TIMEOUT) after it was sent
	h := newHarness(t, withEnv("APPLIVERY_TIMEOUT", "1s")).start()
	h.applivery.FailWith(http.MethodPost, "/otp-users", -1, serviceUnavailable())

	h.command(lead, iosChan, "alice@example.com")

	reply := h.waitResultFor(iosChan, "alice@example.com", 30*time.Second)
	parent := h.parentOf(reply)
	assert.Contains(t, parent.Text, ":warning:")
	assert.Contains(t, parent.Text, "0 invited, 1 failed")
	thread := h.threadText(iosChan, parent.TS, 1)
	assert.Contains(t, thread, "*alice@example.com* failed")
	assert.Contains(t, thread, "Applivery could not be reached or failed: try again in a few minutes.")
	assert.Empty(t, h.applivery.OTPUsers(store))
	assert.Equal(t, 4, h.applivery.Count(http.MethodPost, "/otp-users"), "a few attempts at most")
}

// --- Slack trouble ----------------------------------------------------------------------------

func TestSlackRateLimitOnPostingIsWaitedOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.slack.RateLimit("chat.postMessage", 1, time.Second)

	h.command(lead, iosChan, "alice@example.com")

	reply := h.waitResultFor(iosChan, "alice@example.com", 20*time.Second)
	assert.Contains(t, h.parentOf(reply).Text, "1 invited")
	limited := 0
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Error == "ratelimited" {
			limited++
		}
	}
	assert.Equal(t, 1, limited, "the 429 really happened")
	require.Len(t, h.applivery.OTPUsers(store), 1)
}

// Operators alert on Slack rate limits, so the error counter must name them with Slack's own
// code ("ratelimited"), as it does for every other Slack error.
func TestSlackRateLimitIsCountedUnderItsSlackCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.slack.RateLimit("chat.postMessage", 1, time.Second)

	h.command(lead, iosChan, "alice@example.com")
	h.waitResultFor(iosChan, "alice@example.com", 20*time.Second)

	_, metrics := h.healthGet("/metrics")
	assertSampleLine(t, metrics, `testerbot_slack_api_errors_total{code="ratelimited",method="chat.postMessage"} 1`)
}

func TestReconnectsAfterDisconnectsAndDrops(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	before := h.slack.Connections()

	for i, disrupt := range []func(){
		func() { h.slack.Disconnect("refresh_requested") },
		func() { h.slack.Disconnect("warning") },
		h.slack.DropConnection,
	} {
		disrupt()
		email := fmt.Sprintf("after-disruption-%d@example.com", i)
		h.command(lead, iosChan, email)
		reply := h.waitResultFor(iosChan, email, 10*time.Second)
		assert.Contains(t, h.parentOf(reply).Text, "1 invited", "disruption %d", i)
		assert.Greater(t, h.slack.Connections(), before+i, "a new socket after disruption %d", i)
	}
	assert.Len(t, h.applivery.OTPUsers(store), 3)
	_, metrics := h.healthGet("/metrics")
	assert.GreaterOrEqual(t, sampleValue(t, metrics, "testerbot_slack_reconnects_total"), 3.0)
}

// Results go out over the Web API, not the socket, so an invite running when Slack asks the bot
// to reconnect still reports back.
func TestDisconnectWhileAnInviteIsRunningLosesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	create := holdCreates(t, h.applivery)
	h.command(lead, iosChan, "midrun@example.com")
	create.waitArrived(t)

	h.slack.Disconnect("refresh_requested")
	require.NoError(t, h.slack.WaitConnected(opsContext(t, 10*time.Second)), "reconnected; logs:\n%s", h.logs)
	create.release()

	reply := h.waitResultFor(iosChan, "midrun@example.com", 10*time.Second)
	assert.Contains(t, h.parentOf(reply).Text, "1 invited")
	assert.Len(t, h.applivery.OTPUsers(store), 1)
}

func TestDuplicatedEnvelopeIsHandledOnceButAckedEachTime(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	id, _ := h.command(lead, iosChan, "alice@example.com")

	h.slack.Redeliver(id)
	h.waitSlackState(10*time.Second, func() bool { return len(h.slack.Acks(id)) >= 2 })
	h.waitResultFor(iosChan, "alice@example.com", 10*time.Second)
	require.Equal(t, 0, h.shutdown(), "stopping waits for any work the duplicate could have started")

	assert.Len(t, h.slack.Acks(id), 2, "acked each time, or Slack keeps redelivering")
	assert.Equal(t, 1, h.applivery.Count(http.MethodPost, "/otp-users"), "handled once")
	assert.Len(t, h.applivery.OTPUsers(store), 1)
	parents := 0
	for _, m := range h.slack.Messages(iosChan) {
		if m.ThreadTS == "" {
			parents++
		}
	}
	assert.Equal(t, 1, parents, "one announcement in the channel")
	assert.Contains(t, h.logs.String(), "duplicate envelope ignored")
}

// --- health and metrics -----------------------------------------------------------------------

func TestReadyOnlyOnceConnectedToSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.slack.RateLimit("apps.connections.open", connectionsPerProcess, 2*time.Second) // each first connection waits 2 s
	h.startUnconnected()
	_, err := h.slack.WaitCall(opsContext(t, 10*time.Second), "apps.connections.open",
		func(c slackfake.Call) bool { return c.Error == "ratelimited" })
	require.NoError(t, err)
	h.waitUntilLogged("testerbot started", 10*time.Second)

	status, body := h.healthGet("/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, status, "not ready while Slack is not connected")
	assert.Contains(t, body, "slack: not connected")
	status, _ = h.healthGet("/healthz")
	assert.Equal(t, http.StatusOK, status, "alive all the same: a Slack outage must not get the pod restarted")

	require.NoError(t, h.slack.WaitConnected(opsContext(t, 10*time.Second)))
	h.pollUntil(5*time.Second, "/readyz never turned 200", func() bool {
		status, _ := h.healthGet("/readyz")
		return status == http.StatusOK
	})
	status, _ = h.healthGet("/healthz")
	assert.Equal(t, http.StatusOK, status)
}

func TestMetricsAfterAnInvite(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.command(lead, iosChan, "alice@example.com")
	h.waitResultFor(iosChan, "alice@example.com", 10*time.Second)

	status, metrics := h.healthGet("/metrics")
	require.Equal(t, http.StatusOK, status)
	for _, sample := range []string{
		`testerbot_invites_total{outcome="invited"} 1`,
		`testerbot_invites_total{outcome="failed"} 0`,
		`testerbot_applivery_requests_total{method="GET",route="otp-users",status="200"} 1`,
		`testerbot_applivery_requests_total{method="POST",route="otp-users",status="200"} 1`,
		`testerbot_applivery_request_seconds_count{method="POST",route="otp-users"} 1`,
		`testerbot_applivery_request_seconds_bucket{method="POST",route="otp-users",le="+Inf"} 1`,
		`testerbot_slack_ack_seconds_count{type="slash_commands"} 1`,
		`testerbot_slack_ack_seconds_bucket{type="slash_commands",le="3"} 1`,
	} {
		assertSampleLine(t, metrics, sample)
	}
	assert.Contains(t, metrics, "\ntesterbot_slack_reconnects_total ")
	assert.Contains(t, metrics, "\ntesterbot_inflight_work ")
}

// --- the check subcommand ---------------------------------------------------------------------

const unknownAppID = "64a1b2c3d4e5f6a7b8c9dead"

func TestCheckFindsABrokenMapping(t *testing.T) {
	iosOnly := baseMapping[:strings.Index(baseMapping, "  - channel: C0BOTHBETA")]
	h := newHarness(t, withMapping(iosOnly+`  - channel: C0TYPO0001
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9dead
        name: Acme typo
    downloads: 3
`))
	h.slack.AddChannel("C0TYPO0001", "beta-typo")

	code, out := runMain(t, h.env, "check")

	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "Slack: ok")
	assert.Regexp(t, `(?m)^CHANNEL\s+STORE\s+APP\s+STATUS$`, out)
	assert.Regexp(t, `(?m)^C0IOSBETA1\s+`+store+`\s+Acme iOS beta \(`+iosApp+`\)\s+ok$`, out)
	assert.Regexp(t, `(?m)^C0TYPO0001\s+`+store+`\s+Acme typo \(`+unknownAppID+`\)\s+FAIL app: .*mapping file`, out)
	assert.Contains(t, out, "Some checks failed")
}

func TestCheckAllGood(t *testing.T) {
	h := newHarness(t)
	code, out := runMain(t, h.env, "check")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "Database: ok (sqlite "+h.env["AUDIT_DB"]+"), 0 channels linked from Slack\n")
	assert.Equal(t, 3, strings.Count(out, " ok\n"), "one ok row per mapped app:\n%s", out)
	assert.NotContains(t, out, "FAIL")
	assert.Contains(t, out, "Everything checks out.")
}

func TestCheckWithPostgres(t *testing.T) {
	h := newHarness(t, withEnv("DATABASE_URL", pgtest.NewDatabase(t)))
	code, out := runMain(t, h.env, "check")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "Database: ok (postgres), 0 channels linked from Slack\n")
}

// dbPassword is in DATABASE_URL; it must never be printed or logged.
const dbPassword = "db-SECRET-pw"

// unreachableDB is a PostgreSQL URL whose port nothing listens on.
const unreachableDB = "postgres://testerbot:" + dbPassword + "@127.0.0.1:1/testerbot?sslmode=disable"

func TestCheckWithAnUnreachableDatabase(t *testing.T) {
	h := newHarness(t, withEnv("DATABASE_URL", unreachableDB))
	code, out := runMain(t, h.env, "check")
	assert.Equal(t, 1, code, out)
	assert.Regexp(t, `(?m)^Database: FAIL store: open postgres: .*connection refused$`, out)
	assert.Contains(t, out, "Some checks failed")
	assert.NotContains(t, out, dbPassword)
}

func TestUnreachableDatabaseStopsTheBotWithoutShowingThePassword(t *testing.T) {
	h := newHarness(t, withEnv("DATABASE_URL", unreachableDB))
	code, out := runMain(t, h.env)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "store: open postgres")
	assert.NotContains(t, out, dbPassword)
	assert.Empty(t, h.slack.Calls("apps.connections.open"), "the bot never went online")
}

func TestCheckWithABadSlackToken(t *testing.T) {
	const wrong = "xoxb-not-the-right-secret"
	h := newHarness(t, withEnv("SLACK_BOT_TOKEN", wrong))
	code, out := runMain(t, h.env, "check")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "Slack: FAIL invalid_auth (check SLACK_BOT_TOKEN)")
	assert.NotContains(t, out, wrong, "the token is never printed")
}

// --- input: escaping and limits ---------------------------------------------------------------

// pingAttempts are what Slack would turn into notifications if the bot posted them unescaped.
var pingAttempts = []string{"<!channel>", "<!here>", "<@U123>"}

func TestInjectionAttemptsNeverPing(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.applivery.FailWith(http.MethodPost, "/otp-users", 1,
		appliverytest.APIError(http.StatusBadRequest, 6002, "Body Validation Error: <!channel> <!here> <@U123> & co"))

	// Typed into the command, next to an address: refused in the ack, the text echoed.
	typed, ack := h.command(lead, iosChan, "alice@example.com <!channel> <!here> <@U123>")
	assert.Contains(t, ackText(ack), "&lt;!channel&gt;")
	// As a list filter: answered privately through response_url.
	listed, _ := h.command(lead, iosChan, "list <!channel> <!here> <@U123>")
	h.waitPrivateAnswer("&lt;!here&gt;")
	// Returned by Applivery in an error message: shown in the thread.
	invited, _ := h.command(lead, iosChan, "bob@example.com")
	reply := h.waitResultFor(iosChan, "bob@example.com", 10*time.Second)
	thread := h.threadText(iosChan, reply.ThreadTS, 1)
	assert.Contains(t, thread, "&lt;@U123&gt;", "Applivery's message is shown, escaped")

	require.Equal(t, 0, h.shutdown())
	posted := everythingPosted(h, typed, listed, invited)
	require.Contains(t, posted, "&lt;!channel&gt;", "the scan sees the escaped echoes")
	for _, ping := range pingAttempts {
		assert.NotContains(t, posted, ping)
	}
}

func TestOversizedCommandsAreRefusedInTheAck(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withEnv("MAX_COMMAND_BYTES", "100"), withEnv("MAX_EMAILS_PER_REQUEST", "3")).start()

	long := strings.Join(emails(6, "example.com"), " ") // 6 × 21 bytes
	require.Greater(t, len(long), 100)
	_, ack := h.command(lead, iosChan, long)
	assert.Contains(t, ackText(ack), "the limit is 100")

	_, ack = h.command(lead, iosChan, strings.Join(emails(4, "example.com"), " "))
	assert.Contains(t, ackText(ack), "at most 3")

	assert.Empty(t, h.applivery.Requests(), "refused before any Applivery call")
	assert.Empty(t, h.slack.Calls("chat.postMessage"), "nothing posted in the channel")
}

// --- secrets ----------------------------------------------------------------------------------

func TestTokensNeverLoggedEvenAtDebugAfterErrors(t *testing.T) {
	t.Parallel() // alice's lookups are retried with backoff before they give up
	h := newHarness(t, withEnv("LOG_LEVEL", "debug")).start()
	token := h.applivery.Token()
	// For alice, a proxy that echoes the Authorization header into its error page; for bob,
	// Applivery refusing the token and quoting it.
	h.applivery.Inject(func(r *http.Request) *appliverytest.Fault {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Query().Get("email"), "alice") {
			return &appliverytest.Fault{Status: http.StatusBadGateway,
				Body: "<html>upstream rejected Authorization: Bearer " + token + "</html>"}
		}
		return nil
	})
	h.applivery.FailWith(http.MethodPost, "/otp-users", 1, appliverytest.APIError(http.StatusUnauthorized, 4004, "Invalid Token "+token))
	h.slack.RateLimit("chat.postMessage", 1, time.Second)

	h.command(lead, iosChan, "alice@example.com")
	h.waitResultFor(iosChan, "alice@example.com", 20*time.Second)
	h.command(lead, iosChan, "bob@example.com")
	h.waitResultFor(iosChan, "bob@example.com", 10*time.Second)
	h.slack.DropConnection()
	h.command(lead, iosChan, "help")
	require.Equal(t, 0, h.shutdown())

	logs := h.logs.String()
	require.Contains(t, logs, "Bearer [redacted]", "the proxy's echo was logged, without the token")
	require.Contains(t, logs, "Invalid Token [redacted]", "Applivery's refusal was logged, without the token")
	posted := everythingPosted(h)
	for _, secret := range []string{token, h.slack.BotToken(), h.slack.AppToken()} {
		assert.NotContains(t, logs, secret)
		assert.NotContains(t, posted, secret)
	}
}

func TestWrongBotTokenIsNeverLogged(t *testing.T) {
	t.Parallel()
	const wrong = "xoxb-wrong-secret-0123456789"
	h := newHarness(t, withEnv("SLACK_BOT_TOKEN", wrong)).start()
	h.command(lead, iosChan, "alice@example.com")
	h.waitResponse("invalid_auth") // the bot could not post, and said so privately
	require.Equal(t, 0, h.shutdown())
	assert.NotContains(t, h.logs.String(), wrong)
}

// --- helpers ----------------------------------------------------------------------------------

func serviceUnavailable() *appliverytest.Fault {
	return &appliverytest.Fault{Status: http.StatusServiceUnavailable, Message: "Service Unavailable"}
}

func opsContext(t *testing.T, within time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	t.Cleanup(cancel)
	return ctx
}

// startUnconnected runs the bot like start, without waiting for it to reach Slack.
func (h *harness) startUnconnected() {
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	env := h.config()
	go func() { h.exit <- app.Serve(ctx, env, h.logs) }()
	h.t.Cleanup(func() { h.shutdown() })
}

// waitResultFor waits for the thread reply reporting email's outcome; several invites in one
// channel each get their own.
func (h *harness) waitResultFor(channel, email string, within time.Duration) slackfake.Message {
	h.t.Helper()
	msg, err := h.slack.WaitMessage(opsContext(h.t, within), channel, func(m slackfake.Message) bool {
		return m.ThreadTS != "" && strings.Contains(m.Text, "*"+email+"*")
	})
	require.NoError(h.t, err, "no result for %s; logs:\n%s", email, h.logs)
	return msg
}

// parentOf is the channel message a thread reply hangs under, once it is summed up: the bot
// edits it to the summary after the last details are in the thread.
func (h *harness) parentOf(reply slackfake.Message) slackfake.Message {
	h.t.Helper()
	parent, err := h.slack.WaitMessage(h.ctx(), reply.Channel, func(m slackfake.Message) bool {
		return m.TS == reply.ThreadTS && strings.Contains(m.Text, "Details in the thread")
	})
	require.NoError(h.t, err, "the parent message %s was never summed up; logs:\n%s", reply.ThreadTS, h.logs)
	return parent
}

// waitUntil blocks until cond holds, re-checking on every change in the fake Slack (calls,
// acks, messages) rather than on a timer.
func (h *harness) waitSlackState(within time.Duration, cond func() bool) {
	h.t.Helper()
	_, err := h.slack.WaitCall(opsContext(h.t, within), "apps.connections.open", func(slackfake.Call) bool { return cond() })
	require.NoError(h.t, err)
}

// pollUntil polls cond; only for state the fakes cannot signal, such as the bot's own HTTP server.
func (h *harness) pollUntil(within time.Duration, msg string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("%s; logs:\n%s", msg, h.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) waitUntilLogged(text string, within time.Duration) {
	h.t.Helper()
	require.NoError(h.t, h.logs.WaitFor(opsContext(h.t, within), text), "never logged %s; logs:\n%s", text, h.logs)
}

// get fetches a path from the bot's health server.
func (h *harness) healthGet(path string) (int, string) {
	h.t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(h.healthURL() + path)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, string(body)
}

// everythingPosted is all the text the bot sent anyone in Slack — messages, edits, ephemeral
// messages, views, response_url posts and the acks of the given envelopes — with JSON's
// \u003c-style escapes undone, so a search for "<!channel>" finds it however it was encoded.
func everythingPosted(h *harness, envelopes ...string) string {
	var b strings.Builder
	for _, c := range h.slack.Calls("") {
		for _, key := range []string{"text", "blocks", "view", "attachments"} {
			b.WriteString(c.Args[key] + "\n")
		}
	}
	for _, p := range h.slack.ResponsePosts() {
		b.Write(p.Body)
		b.WriteString("\n")
	}
	for _, id := range envelopes {
		for _, ack := range h.slack.Acks(id) {
			b.Write(ack.Payload)
			b.WriteString("\n")
		}
	}
	return jsonUnescaper.Replace(b.String())
}

var jsonUnescaper = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// waitPrivateAnswer waits for a response_url post whose decoded text contains want (the bot's
// JSON encoder writes "&lt;" as "\u0026lt;").
func (h *harness) waitPrivateAnswer(want string) {
	h.t.Helper()
	_, err := h.slack.WaitResponsePost(opsContext(h.t, 10*time.Second), func(p slackfake.ResponsePost) bool {
		return strings.Contains(jsonUnescaper.Replace(string(p.Body)), want)
	})
	require.NoError(h.t, err, "no response_url post containing %q; logs:\n%s", want, h.logs)
}

// assertSampleLine checks one exact exposition line, so "… 1" never matches "… 10". On failure
// it shows only the metric's own lines, not the whole scrape.
func assertSampleLine(t *testing.T, metrics, sample string) {
	t.Helper()
	if strings.Contains("\n"+metrics, "\n"+sample+"\n") {
		return
	}
	name, _, _ := strings.Cut(sample, "{")
	name, _, _ = strings.Cut(name, " ")
	var family []string
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, name) {
			family = append(family, line)
		}
	}
	t.Errorf("metrics lack the sample\n\t%s\nthey have\n\t%s", sample, strings.Join(family, "\n\t"))
}

// sampleValue reads the value of an unlabelled metric.
func sampleValue(t *testing.T, metrics, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(metrics)
	require.NotNil(t, m, "no %s in metrics", name)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}
