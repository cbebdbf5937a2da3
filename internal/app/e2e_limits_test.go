package app_test

// End-to-end tests of Slack's Block Kit limits with real-world-sized data (issue 9): the fake
// Slack refuses what Slack refuses, so a view or message over a limit fails these tests.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// longAppName is 60 characters, longEmail 254 (Applivery's and RFC 5321's limit).
var (
	longAppName = "Acme " + strings.Repeat("Ω", 48) + " beta 2"
	longEmail   = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 58) + ".io"
)

// assertSlackRefusedNothing checks that Slack accepted every call and ack the bot made.
func assertSlackRefusedNothing(t *testing.T, h *harness) {
	t.Helper()
	for _, c := range h.slack.Calls("") {
		if c.Method == "users.lookupByEmail" && c.Error == "users_not_found" {
			continue // an answer, not a refusal: the address is nobody's in the workspace
		}
		assert.Empty(t, c.Error, "Slack refused %s: %v", c.Method, c.Messages)
	}
}

func TestTheLongestAddressAndAppNameFitEveryMessage(t *testing.T) {
	t.Parallel()
	require.Len(t, longEmail, 254)
	require.Len(t, []rune(longAppName), 60)
	h := newHarness(t, withMapping(strings.Replace(baseMapping, "name: Acme iOS beta\n    downloads: 3", "name: "+longAppName+"\n    downloads: 3", 1)))
	h.start()
	h.command(lead, iosChan, longEmail+" short@example.com")
	summary := h.waitSummary(iosChan)
	thread := h.threadText(iosChan, summary.TS, 2)
	assert.Contains(t, thread, "short@example.com")
	assert.Contains(t, thread, "will lose access to", "the Revoke confirmation is there, within Slack's 300 characters")
	assertSlackRefusedNothing(t, h)
	require.Len(t, h.applivery.OTPUsers(store), 2)
}

// manyChannelsMapping maps n channels with two apps each, QA leads managing them all.
func manyChannelsMapping(h *harness, n int) string {
	var b strings.Builder
	b.WriteString("qa_leads:\n  users: [" + lead + "]\nchannels:\n")
	for i := range n {
		ch := fmt.Sprintf("C0TEAM%04d", i)
		h.slack.AddChannel(ch, fmt.Sprintf("team-%03d-beta", i))
		fmt.Fprintf(&b, "  - channel: %s\n    store: %s\n    apps:\n      - id: %s\n        name: iOS %d\n      - id: %s\n        name: Android %d\n    downloads: 1\n",
			ch, store, iosApp, i, androidApp, i)
	}
	return b.String()
}

func TestPastAHundredTargetsTypeAheadReachesTheLastOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env["CHANNELS_FILE"] = h.writeFile("channels.yaml", manyChannelsMapping(h, 60))
	h.start()
	h.slack.Interaction(globalShortcut(lead))
	view := h.openedView(lead)
	assert.Contains(t, string(view.JSON), `"type":"external_select"`, "120 targets do not fit a static select")

	// Slack names 50 channels a minute (conversations.info, Tier 3): the bot names the rest as
	// its pace allows, and type-ahead finds them once named.
	_, err := h.slack.WaitCall(h.ctx(), "conversations.info", func(slackfake.Call) bool {
		return len(h.slack.Calls("conversations.info")) >= 60
	})
	require.NoError(t, err, "every channel is named in the end")
	// The 60th answer is asked for; the bot has it a moment later, once Slack's answer is back.
	var options []slack.OptionBlockObject
	require.Eventually(t, func() bool {
		var err error
		options, err = h.slack.WaitSuggestedOptions(h.ctx(), h.slack.Suggest(view.ID, lead, "target", "team-059"))
		return err == nil && len(options) > 0 // err: Slack refused the suggestions
	}, 10*time.Second, 50*time.Millisecond, "type-ahead finds the last channel once it is named")
	require.Len(t, options, 2)
	assert.Equal(t, "C0TEAM0059/"+androidApp, options[1].Value, "the 120th target")

	all, err := h.slack.WaitSuggestedOptions(h.ctx(), h.slack.Suggest(view.ID, lead, "target", ""))
	require.NoError(t, err)
	assert.Len(t, all, 100, "at most 100 options at a time")

	h.slack.SubmitView(view.ID, lead, map[string]map[string]slack.BlockAction{
		"target": {"target": {SelectedOption: slack.OptionBlockObject{Value: "C0TEAM0059/" + androidApp}}},
		"emails": {"emails": {Value: "last@example.com"}},
	})
	summary := h.waitSummary("C0TEAM0059")
	assert.Contains(t, summary.Text, "into *Android 59*")
	assertSlackRefusedNothing(t, h)
}

func TestAMessageShortcutWithMoreThanTheFormHoldsIsRefusedCleanly(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	var many []string
	for i := range 15 {
		many = append(many, fmt.Sprintf("%02d%s", i, longEmail[2:]))
	}
	h.slack.Interaction(messageShortcut(lead, iosChan, "1700000000.000100", "", strings.Join(many, " ")))
	view := h.openedView(lead)
	assert.Contains(t, readable(view.JSON), "more than the invite form holds")
	assert.NotContains(t, string(view.JSON), `"submit"`)
	assertSlackRefusedNothing(t, h)
}

func TestAResultsMessageSlackRefusesDoesNotStopTheRest(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	create := holdCreates(t, h.applivery)
	h.command(lead, iosChan, strings.Join(emails(25, "example.com"), " "))
	create.waitArrived(t)
	// The parent message is posted; the next message, the first group of results, is refused.
	h.slack.FailNext("chat.postMessage", "invalid_blocks", 1)
	create.release()

	summary := h.waitSummary(iosChan)
	h.threadText(iosChan, summary.TS, 3)
	replies := h.slack.Thread(iosChan, summary.TS)
	require.Len(t, replies, 3)
	assert.Contains(t, replies[0].Text, "*tester000+qa@example.com* invited\nOTP user `", "the refused group went as plain text…")
	assert.Empty(t, replies[0].Blocks, "…without the blocks Slack refused")
	assert.Contains(t, readable(replies[1].Blocks), "tester024+qa@example.com", "the group after it was posted as usual")
	assert.Contains(t, replies[2].Text, "Testers download", "and the link after that")
}

func TestListSearchesLiterallyAndRefusesOverlongText(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := newHarnessReading(t, reading).start()
		h.applivery.AddOTPUser(store, applivery.OTPUser{Email: "a+b@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: iosApp})
		h.applivery.AddOTPUser(store, applivery.OTPUser{Email: "aab@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: iosApp})
		h.command(lead, iosChan, "list a+b")
		body := h.waitResponse("matching")
		assert.Contains(t, body, "a+b@example.com")
		assert.NotContains(t, body, "aab@example.com", "a + is a plus sign, not a pattern")

		h.command(lead, iosChan, "list "+strings.Repeat("x", 501))
		h.waitResponse("too long")
		assert.Equal(t, 1, h.applivery.Count(http.MethodGet, "/otp-users"), "the overlong search never reached Applivery")
	})
}

func TestARemoveRetriedAfterALostAnswerCountsAsRemoved(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := newHarnessReading(t, reading).start()
		alice := h.applivery.AddOTPUser(store, applivery.OTPUser{Email: "alice+qa@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: iosApp})
		// The delete happens, but its answer is lost: the retry finds nothing to delete.
		h.applivery.FailWith(http.MethodDelete, "/otp-users/"+alice.ID, 1, &appliverytest.Fault{Status: http.StatusBadGateway, AfterCommit: true})
		h.command(lead, iosChan, "remove alice+qa@example.com")
		_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool { return strings.Contains(m.Text, "removed *alice+qa@example.com*") })
		require.NoError(t, err, "logs:\n%s", h.logs)
		assert.Empty(t, h.applivery.OTPUsers(store))
		assert.Equal(t, 2, h.applivery.Count(http.MethodDelete, "/otp-users/"+alice.ID), "the retry was answered 404")
	})
}
