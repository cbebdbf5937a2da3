package app_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/app"
	"github.com/testerbot/testerbot/internal/slackfake"
	"github.com/testerbot/testerbot/internal/testlog"
	"github.com/testerbot/testerbot/internal/tmpfs"
)

// Faults of the bot's own database, of Slack and of Applivery that only a person can fix
// (issue 18): each test makes the fault happen and checks what readiness, the log and the
// person show.

// waitReadyz polls /readyz until its status is want and its body contains text.
func (h *harness) waitReadyz(want int, text string) string {
	h.t.Helper()
	var body string
	h.pollUntil(10*time.Second, "/readyz never answered "+http.StatusText(want)+" with "+text, func() bool {
		var status int
		status, body = h.healthGet("/readyz")
		return status == want && strings.Contains(body, text)
	})
	return body
}

func TestAFullDiskTurnsReadinessAndIsNamedToThePersonAndInTheLog(t *testing.T) {
	t.Parallel()
	dir := tmpfs.Mount(t, 1024)
	h := newHarness(t, withEnv("AUDIT_DB", filepath.Join(dir, "invites.db"))).start()
	h.waitReadyz(http.StatusOK, "ready")

	tmpfs.Fill(t, dir)

	body := h.waitReadyz(http.StatusServiceUnavailable, "database: not writable (disk full)")
	assert.NotContains(t, body, dir, "/readyz names no path")
	h.waitUntilLogged(`"level":"ERROR","msg":"database: free space on the volume of AUDIT_DB=`+filepath.Join(dir, "invites.db"), 5*time.Second)
	h.command(lead, iosChan, "alice@example.com")
	h.waitPrivateAnswer("my database's disk is full")
	assert.NotContains(t, everythingPosted(h), "did not answer")

	require.NoError(t, os.Remove(filepath.Join(dir, "filler")))

	h.waitReadyz(http.StatusOK, "ready")
	h.waitUntilLogged(`"msg":"database: writes work again"`, 5*time.Second)
	_, metrics := h.healthGet("/metrics")
	assert.Greater(t, sampleValue(t, metrics, "testerbot_database_write_failures_total"), 0.0)
}

// A read-only database cannot be faked as root by permissions (root writes anyway), so the
// file system is made read-only: a tmpfs remounted read-only, which the kernel refuses while
// the bot has the file open, so the bot is started on it.
func TestStartingOnAReadOnlyDatabaseExitsNamingTheCause(t *testing.T) {
	t.Parallel()
	dir := tmpfs.Mount(t, 1024)
	h := newHarness(t, withEnv("AUDIT_DB", filepath.Join(dir, "invites.db"))).start()
	require.Equal(t, 0, h.shutdown())
	tmpfs.ReadOnly(t, dir)

	logs := &testlog.Buffer{}
	code := app.Serve(h.ctx(), h.config(), logs, h.serve...)

	assert.Equal(t, 1, code)
	assert.Contains(t, logs.String(), "read-only file system")
	assert.Contains(t, logs.String(), "the database is read-only: make AUDIT_DB="+filepath.Join(dir, "invites.db")+" writable")
}

func TestADeletedDatabaseDirectoryIsNoticedAndANewDatabaseIsSaidAtStart(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(data, 0o700))
	path := filepath.Join(data, "invites.db")
	h := newHarness(t, withEnv("AUDIT_DB", path)).start()
	h.waitUntilLogged(`"level":"WARN","msg":"created a new database at `+path, time.Second)
	h.waitReadyz(http.StatusOK, "ready")

	require.NoError(t, os.RemoveAll(data))

	body := h.waitReadyz(http.StatusServiceUnavailable, "database: the SQLite file is no longer the one open")
	assert.NotContains(t, body, data)
	h.waitUntilLogged(`"level":"ERROR","msg":"database: the file at AUDIT_DB=`+path+` is not the database this process writes to`, 5*time.Second)
	assert.Contains(t, h.logs.String(), "was deleted (or its directory or volume) while open")
	require.Equal(t, 0, h.shutdown())

	// Restarted on a fresh directory, as after a lost volume: the bot says it begins afresh.
	require.NoError(t, os.Mkdir(data, 0o700))
	h.logs = &testlog.Buffer{}
	h.restart()
	h.waitUntilLogged(`"level":"WARN","msg":"created a new database at `+path, time.Second)
}

func TestASecondProcessOnOneSQLiteFileExitsNamingTheFileAndDatabaseURL(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()

	logs := &testlog.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code := app.Serve(ctx, h.config(), logs, h.serve...)

	assert.Equal(t, 1, code)
	assert.Contains(t, logs.String(), "another testerbot process is using the SQLite database "+h.env["AUDIT_DB"])
	assert.Contains(t, logs.String(), "DATABASE_URL")
	assert.Equal(t, connectionsPerProcess, h.slack.Connections(), "the second process never reached Slack")
	h.waitReadyz(http.StatusOK, "ready") // the first process serves on
	require.Equal(t, 0, h.shutdown())

	// Once the first is gone, the lock is free.
	h.logs = &testlog.Buffer{}
	h.restart()
}

// A token revoked mid-bulk: one ERROR naming APPLIVERY_API_TOKEN however many invites it
// fails, not ready until a call succeeds, and the person is told what an admin must do.
func TestARevokedAppliveryTokenIsOneErrorAndNotReadyUntilACallSucceeds(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.waitReadyz(http.StatusOK, "ready")
	var revoked atomic.Bool
	revoked.Store(true)
	h.applivery.Inject(func(*http.Request) *appliverytest.Fault {
		if revoked.Load() {
			return appliverytest.APIError(http.StatusUnauthorized, applivery.CodeInvalidToken, "Invalid token")
		}
		return nil
	})
	addresses := emails(14, "example.com")

	h.command(lead, iosChan, strings.Join(addresses, " "))

	summary, err := h.slack.WaitMessage(opsContext(t, 20*time.Second), iosChan, func(m slackfake.Message) bool {
		return m.ThreadTS == "" && strings.Contains(m.Text, "Details in the thread")
	})
	require.NoError(t, err, "logs:\n%s", h.logs)
	assert.Contains(t, h.threadText(iosChan, summary.TS, 1), "ask an admin to check APPLIVERY_API_TOKEN")
	assert.Equal(t, 1, strings.Count(h.logs.String(), `"level":"ERROR","msg":"Applivery refused the token: APPLIVERY_API_TOKEN`), h.logs.String())
	h.waitReadyz(http.StatusServiceUnavailable, "applivery: token refused (check APPLIVERY_API_TOKEN)")
	_, metrics := h.healthGet("/metrics")
	assert.GreaterOrEqual(t, sampleValue(t, metrics, "testerbot_applivery_auth_failures_total"), 14.0)
	assert.Zero(t, sampleValue(t, metrics, "testerbot_applivery_last_success_timestamp_seconds"))

	revoked.Store(false)
	h.command(lead, iosChan, "after-fix@example.com")
	h.waitResultFor(iosChan, "after-fix@example.com", 10*time.Second)
	h.waitReadyz(http.StatusOK, "ready")
	h.waitUntilLogged(`"msg":"Applivery: calls succeed again"`, time.Second)
	_, metrics = h.healthGet("/metrics")
	assert.Greater(t, sampleValue(t, metrics, "testerbot_applivery_last_success_timestamp_seconds"), 0.0)
}

// A host that does not resolve is a configuration problem: one ERROR with the host and the
// cause, and the person is told an admin must act, not to try again in a few minutes.
func TestAnAppliveryHostThatDoesNotResolveIsNamedAndAnAdminMustAct(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withEnv("APPLIVERY_API_URL", "https://api.nonexistent.invalid")).start()

	h.command(lead, iosChan, "alice@example.com")
	h.waitResultFor(iosChan, "alice@example.com", 20*time.Second)

	assert.Contains(t, everythingPosted(h), "an admin must fix APPLIVERY_API_URL or the network. Trying again will not help.")
	assert.NotContains(t, everythingPosted(h), "try again in a few minutes")
	assert.Equal(t, 1, strings.Count(h.logs.String(), `"level":"ERROR","msg":"Applivery's host cannot be used`), h.logs.String())
	assert.Contains(t, h.logs.String(), `"host":"api.nonexistent.invalid","cause":"no such host"`)
	assert.Zero(t, h.applivery.Count(http.MethodPost, "/otp-users"))
	h.waitReadyz(http.StatusServiceUnavailable, "applivery: host unusable")
}

// Slack refusing the bot's token cannot be cured by trying again, and the person is never told
// to. (A refused token when posting is the outbox's: it keeps the results until the token works
// again, and says so.)
func TestARevokedBotTokenIsNeverAnsweredTryAgainInAMoment(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.slack.FailNext("conversations.members", "token_revoked", 1)

	id, _ := h.command(lead, iosChan, "alice@example.com")

	h.waitPrivateAnswer("Slack refused my token: an admin must reinstall the app or update SLACK_BOT_TOKEN. Trying again will not help until then.")
	assert.NotContains(t, strings.ToLower(everythingPosted(h, id)), "try again in a moment")
	assert.Empty(t, h.applivery.OTPUsers(store), "nothing was done")
	_, metrics := h.healthGet("/metrics")
	assert.Equal(t, 1.0, sampleValue(t, metrics, "testerbot_slack_auth_failures_total"))
}
