package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

func TestCheckTriesTheAppToken(t *testing.T) {
	const wrong = "xapp-1-not-the-right-SECRET"
	h := newHarness(t, withEnv("SLACK_APP_TOKEN", wrong))
	code, out := runMain(t, h.env, "check")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "Slack: ok", "the bot token still works")
	assert.Contains(t, out, "Slack Socket Mode: FAIL invalid_auth (check SLACK_APP_TOKEN: an app-level token, xapp-…, with the connections:write scope")
	assert.NotContains(t, out, "check SLACK_BOT_TOKEN")
	assert.NotContains(t, out, "SECRET")
	assert.Len(t, h.slack.Calls("apps.connections.open"), 1)
	assert.Zero(t, h.slack.Connections(), "check opens no Socket Mode connection")
}

func TestCheckAllGoodTriesTheAppTokenAndTheTesterList(t *testing.T) {
	h := newHarness(t)
	code, out := runMain(t, h.env, "check")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "Slack Socket Mode: ok, SLACK_APP_TOKEN may open connections\n")
	assert.Equal(t, 3, h.applivery.Count("GET", "/otp-users"), "one read-only tester list per mapped app")
	assert.Zero(t, h.applivery.Count("POST", "/otp-users"))
}

func TestCheckNamesEveryMissingPermissionOfAMapping(t *testing.T) {
	h := newHarness(t, withEnv("APPLIVERY_API_TOKEN", "store-only-token"))
	h.applivery.AddToken("store-only-token", applivery.PermissionGetStore)
	code, out := runMain(t, h.env, "check")
	assert.Equal(t, 1, code, out)
	row := lineWith(t, out, "C0IOSBETA1")
	assert.Contains(t, row, "app: APPLIVERY_API_TOKEN lacks the Applivery permission mad.store.publishedApplication.get")
	assert.Contains(t, row, "tester list: APPLIVERY_API_TOKEN lacks the Applivery permission mad.store.otpUsers.list")
	assert.NotContains(t, out, "store-only-token")
}

func TestCheckCallsANetworkProblemOneAndNamesNoToken(t *testing.T) {
	h := newHarness(t, withEnv("SLACK_API_URL", "http://127.0.0.1:1/api/"), withEnv("APPLIVERY_API_URL", "http://127.0.0.1:1"))
	code, out := runMain(t, h.env, "check")
	assert.Equal(t, 1, code, out)
	assert.Regexp(t, `(?m)^Slack: FAIL network problem: cannot connect to 127\.0\.0\.1:1 .*set HTTPS_PROXY$`, out)
	assert.Regexp(t, `(?m)^Slack Socket Mode: FAIL network problem: cannot connect to 127\.0\.0\.1:1 `, out)
	assert.Contains(t, lineWith(t, out, "C0IOSBETA1"), "network problem: cannot connect to 127.0.0.1:1")
	assert.Contains(t, lineWith(t, out, "C0BOTHBETA"), "not checked: Applivery is unreachable")
	assert.Contains(t, lineWith(t, out, "C0BOTHBETA"), "slack channel not checked: Slack is unreachable")
	for _, token := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "APPLIVERY_API_TOKEN"} {
		assert.NotContains(t, out, token, "the network, not a token, is to blame")
	}
}

func TestVersionNamesTheBuild(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		code, out := runMain(t, nil, arg)
		assert.Equal(t, 0, code)
		assert.Regexp(t, `^testerbot, (commit unknown|commit [0-9a-f]{40}( \(modified\))?), .*go1\.\d+`, out)
	}
}

func TestHelpListsEveryAppliveryPermission(t *testing.T) {
	code, out := runMain(t, nil, "help")
	require.Equal(t, 0, code)
	for _, p := range []string{"mad.store.management.list", "mad.store.management.get", "mad.store.publishedApplication.list",
		"mad.store.publishedApplication.get", "mad.store.otpUsers.list", "mad.store.otpUsers.create", "mad.store.otpUsers.remove"} {
		assert.Contains(t, out, "  "+p+" ")
	}
	assert.Regexp(t, `(?m)^REQUEST_TTL +7d `, out)
	assert.Contains(t, out, "testerbot version")
}

// lineWith is the line of out that contains want.
func lineWith(t *testing.T, out, want string) string {
	t.Helper()
	for line := range strings.SplitSeq(out, "\n") {
		if strings.Contains(line, want) {
			return line
		}
	}
	t.Fatalf("no line with %q in:\n%s", want, out)
	return ""
}

func TestCheckWithAnAuditDBFolderThatDoesNotExist(t *testing.T) {
	h := newHarness(t, withEnv("AUDIT_DB", "/nonexistent-testerbot/invites.db"))
	code, out := runMain(t, h.env, "check")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, `Database: FAIL AUDIT_DB is "/nonexistent-testerbot/invites.db", but the folder /nonexistent-testerbot does not exist: create it, writable by this process (uid `)
	assert.Contains(t, out, "uid 65532 in the container image")
}

func TestHealthcheckAsksReadyz(t *testing.T) {
	h := newHarness(t).start()
	h.waitUntilLogged("connected to Slack", 10*time.Second) // logged once the bot counts itself ready
	code, out := runMain(t, nil, "healthcheck", h.healthURL()+"/readyz")
	assert.Equal(t, 0, code, out)
	assert.Equal(t, "ready\n", out)

	unready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "slack: not connected", http.StatusServiceUnavailable)
	}))
	defer unready.Close()
	code, out = runMain(t, nil, "healthcheck", unready.URL+"/readyz")
	assert.Equal(t, 1, code, out)
	assert.Equal(t, "testerbot healthcheck: 503 Service Unavailable: slack: not connected\n", out)
}

func TestTheBotWithAnAuditDBFolderThatDoesNotExistSaysWhatToDo(t *testing.T) {
	h := newHarness(t, withEnv("AUDIT_DB", "/nonexistent-testerbot/invites.db"))
	code, out := runMain(t, h.env)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, `AUDIT_DB is \"/nonexistent-testerbot/invites.db\", but the folder /nonexistent-testerbot does not exist`)
	assert.Contains(t, out, "uid 65532 in the container image")
}
