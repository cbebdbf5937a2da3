package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/slackfake"
)

const leadsMapping = `
qa_leads:
  users: [U0LEAD0001]
  usergroups: [S0QALEADS1]
` + baseMapping

func globalShortcut(user string) slack.InteractionCallback {
	return slack.InteractionCallback{Type: slack.InteractionTypeShortcut, CallbackID: "invite_testers", User: slack.User{ID: user}}
}

func messageShortcut(user, channel, ts, threadTS, text string) slack.InteractionCallback {
	cb := slack.InteractionCallback{Type: slack.InteractionTypeMessageAction, CallbackID: "invite_testers_from_message",
		User: slack.User{ID: user}}
	cb.Channel.ID = channel
	cb.Message.Timestamp = ts
	cb.Message.ThreadTimestamp = threadTS
	cb.Message.Text = text
	return cb
}

func TestGlobalShortcutModalShowsNamesAndPostsInTheChosenChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.slack.Interaction(globalShortcut(lead))
	view := h.openedView(lead)
	assert.Contains(t, readable(view.JSON), "#beta-ios · Acme iOS beta", "targets are shown by channel and app name")
	assert.Contains(t, readable(view.JSON), "#beta · Acme Android beta")

	h.slack.SubmitView(view.ID, lead, map[string]map[string]slack.BlockAction{
		"target": {"target": {SelectedOption: slack.OptionBlockObject{Value: iosChan + "/" + iosApp}}},
		"emails": {"emails": {Value: "gina@example.com"}},
	})
	summary := h.waitSummary(iosChan)
	assert.Contains(t, summary.Text, "invited 1 tester into *Acme iOS beta*")
	h.threadText(iosChan, summary.TS, 1)
	users := h.applivery.OTPUsers(store)
	require.Len(t, users, 1)
	assert.Equal(t, 3, users[0].AllowedDownloadsNum, "an empty downloads field means the channel's default")
}

func TestMessageShortcutPrefillsAndRepliesInThatThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	text := "New cohort: <mailto:ann@acme.com|ann@acme.com>, ben@acme.com and ann@acme.com again"
	h.slack.Interaction(messageShortcut(lead, bothChan, "1600000000.000200", "1600000000.000100", text))
	view := h.openedView(lead)
	assert.Contains(t, readable(view.JSON), `"initial_value":"ann@acme.com\nben@acme.com"`, "found addresses, duplicates removed")

	h.slack.SubmitView(view.ID, lead, map[string]map[string]slack.BlockAction{
		"target": {"target": {SelectedOption: slack.OptionBlockObject{Value: bothChan + "/" + iosApp}}},
		"emails": {"emails": {Value: "ann@acme.com\nben@acme.com"}},
	})
	// Everything goes into the thread of the message's parent, nothing at the top level.
	// The summary is an edit of the first reply, sent by the outbox after the replies.
	_, err := h.slack.WaitMessage(h.ctx(), bothChan, func(m slackfake.Message) bool {
		return strings.Contains(m.Text, "invited 2 testers into *Acme iOS beta*")
	})
	require.NoError(t, err, "logs:\n%s", h.logs)
	thread := h.threadText(bothChan, "1600000000.000100", 3)
	assert.Contains(t, thread, "invited 2 testers into *Acme iOS beta*")
	assert.Contains(t, thread, "ann@acme.com")
	for _, m := range h.slack.Messages(bothChan) {
		assert.Equal(t, "1600000000.000100", m.ThreadTS, "no top-level message: %s", m.Text)
	}
}

func TestMessageShortcutInUnmappedChannelSaysSo(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.slack.Interaction(messageShortcut(lead, "C0UNMAPPED1", "1700000000.000300", "", "x@y.io"))
	view := h.openedView(lead)
	assert.Contains(t, readable(view.JSON), "not linked to an Applivery store")
	assert.NotContains(t, readable(view.JSON), `"submit"`)
}

func TestAppHomeForALeadOpensTheModal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMapping(leadsMapping)).start()
	h.slack.Event(map[string]any{"type": "app_home_opened", "user": lead, "channel": "D0LEAD", "tab": "home"})
	home := h.waitHome(lead)
	assert.Contains(t, readable(home.JSON), "Invite testers")
	assert.Contains(t, readable(home.JSON), "Find or remove a tester")
	assert.Contains(t, readable(home.JSON), "<#C0IOSBETA1>")

	h.slack.ClickButton(lead, "home_invite", "", slackfake.OnHomeTab())
	view := h.openedView(lead)
	assert.Equal(t, "invite_modal", view.CallbackID)
}

func TestAppHomeForEveryoneElseHasNoInviteButtons(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMapping(leadsMapping)).start()
	h.slack.AddUsergroup("S0QALEADS1", "U0SOMEONE2")
	h.slack.Event(map[string]any{"type": "app_home_opened", "user": stranger, "channel": "D0OTHER", "tab": "home"})
	home := h.waitHome(stranger)
	assert.NotContains(t, readable(home.JSON), "home_invite")
	assert.Contains(t, readable(home.JSON), "<@U0LEAD0001>", "names who the leads are")
	assert.Contains(t, readable(home.JSON), "<!subteam^S0QALEADS1>")
}

func TestNonLeadIsToldWhoCanHelpWhereThereIsNothingToAsk(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMapping(leadsMapping)).start()
	h.slack.AddUsergroup("S0QALEADS1", "U0SOMEONE2")
	h.slack.Interaction(globalShortcut(stranger)) // no channel to ask in
	view := readable(h.openedView(stranger).JSON)
	assert.Contains(t, view, "only QA leads")
	assert.Contains(t, view, "<@U0LEAD0001>")
	assert.Empty(t, h.applivery.Requests())
}

func TestLeadThroughAUserGroup(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMapping(leadsMapping)).start()
	h.slack.AddUsergroup("S0QALEADS1", "U0GROUPIE1")
	h.command("U0GROUPIE1", iosChan, "alice@example.com")
	h.waitSummary(iosChan)
	assert.Len(t, h.applivery.OTPUsers(store), 1)
}

func TestUserGroupLookupFailureFailsClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMapping(leadsMapping)).start()
	h.slack.FailUsergroups("ratelimited")
	h.command("U0GROUPIE1", iosChan, "alice@example.com")
	h.waitResponse("couldn't check whether you may manage testers")
	assert.Empty(t, h.applivery.Requests())
}

// Without QA leads, membership decides; when Slack cannot say who is in the channel (an error,
// or a private channel the bot was removed from), the bot refuses and says why.
func TestChannelMembershipLookupFailureFailsClosed(t *testing.T) {
	t.Parallel()
	const private = "G0PRIVATE1"
	h := newHarness(t, withMapping(strings.Replace(baseMapping, "C0BOTHBETA", private, 1)))
	h.slack.AddChannel(private, "beta-private")
	h.slack.SetChannelMembers(private, lead)
	h.start()

	h.slack.FailChannelMembers(iosChan, "internal_error")
	h.command(lead, iosChan, "alice@example.com")
	h.waitResponse("couldn't check whether you may manage testers (Slack said `internal_error`)")

	h.slack.SetChannelMember(private, false) // the bot was removed from the private channel
	h.command(lead, private, "ok@acme.com")
	h.waitResponse("couldn't check whether you may manage testers (Slack said `channel_not_found`)")
	assert.Empty(t, h.applivery.Requests())
}

func TestDomainOutsideTheAllowlistIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	_, ack := h.command(lead, bothChan, "ok@acme.com eve@evil.io")
	assert.Contains(t, ackText(ack), "acme.com")
	assert.Contains(t, ackText(ack), "eve@evil.io")
	assert.Empty(t, h.applivery.Requests())
}

func TestListFollowsPagesAndSaysHowManyItShows(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := newHarnessReading(t, reading).start()
		for i := range 110 {
			h.applivery.AddOTPUser(store, applivery.OTPUser{Email: fmt.Sprintf("t%03d@example.com", i), AllowedDownloadsNum: 2, PublishedApplicationID: iosApp})
		}
		h.applivery.AddOTPUser(store, applivery.OTPUser{Email: "other@example.com", AllowedDownloadsNum: 2, PublishedApplicationID: androidApp})
		h.command(lead, iosChan, "list")
		body := h.waitResponse("Showing")
		assert.Contains(t, body, "Showing 50 of 110")
		assert.Contains(t, body, "t049@example.com")
		assert.NotContains(t, body, "other@example.com", "only the channel's apps")

		before := h.applivery.Count("GET", "/otp-users")
		h.command(lead, iosChan, "list @EXAMPLE.com")
		body = h.waitResponse("matching")
		assert.Contains(t, body, "of 110", "counted here, over every page")
		assert.Equal(t, 2, h.applivery.Count("GET", "/otp-users")-before, "two pages of 100 were read")

		h.command(lead, iosChan, "list T10")
		body = h.waitResponse("t109")
		assert.Contains(t, body, "t100@example.com")
		assert.NotContains(t, body, "t010@example.com")
	})
}

func TestRemoveFoundAndNotFound(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := newHarnessReading(t, reading).start()
		h.applivery.AddOTPUser(store, applivery.OTPUser{Email: "alice+qa@example.com", AllowedDownloadsNum: 2, PublishedApplicationID: iosApp})
		h.command(lead, iosChan, "remove alice+qa@example.com")
		_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool { return strings.Contains(m.Text, "removed *alice+qa@example.com*") })
		require.NoError(t, err)
		assert.Empty(t, h.applivery.OTPUsers(store))

		h.command(lead, iosChan, "remove alice+qa@example.com")
		h.waitResponse("nothing to remove")
	})
}

func TestRevokeButtonInTheThread(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := newHarnessReading(t, reading).start()
		summary, reply := h.invitedInThread("alice+qa@example.com")

		var blocks []struct {
			Accessory struct {
				ActionID string          `json:"action_id"`
				Confirm  json.RawMessage `json:"confirm"`
			} `json:"accessory"`
		}
		require.NoError(t, json.Unmarshal(reply.Blocks, &blocks))
		assert.Equal(t, "revoke", blocks[0].Accessory.ActionID)
		assert.Contains(t, string(blocks[0].Accessory.Confirm), "Revoke this tester?", "Slack asks for confirmation first")

		h.slack.ClickButton(lead, "revoke", "", slackfake.InMessage(iosChan, reply.TS))
		_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
			return m.ThreadTS == summary.TS && strings.Contains(m.Text, "removed *alice+qa@example.com*")
		})
		require.NoError(t, err, "logs:\n%s", h.logs)
		assert.Empty(t, h.applivery.OTPUsers(store))
	})
}

func TestFindAndRemoveFromTheAppHome(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := newHarnessReading(t, reading).start()
		h.applivery.AddOTPUser(store, applivery.OTPUser{Email: "zed+qa@example.com", AllowedDownloadsNum: 2, PublishedApplicationID: iosApp})
		h.slack.Event(map[string]any{"type": "app_home_opened", "user": lead, "channel": "D0LEAD", "tab": "home"})
		h.waitHome(lead)
		h.slack.ClickButton(lead, "home_find", "", slackfake.OnHomeTab())
		view := h.openedView(lead)
		require.Equal(t, "find_modal", view.CallbackID)

		id := h.slack.SubmitView(view.ID, lead, map[string]map[string]slack.BlockAction{
			"target": {"target": {SelectedOption: slack.OptionBlockObject{Value: iosChan + "/" + iosApp}}},
			"filter": {"filter": {Value: "zed"}},
		})
		ack, err := h.slack.WaitAck(h.ctx(), id)
		require.NoError(t, err)
		assert.Contains(t, string(ack.Payload), `"response_action":"update"`)
		assert.Contains(t, string(ack.Payload), "Searching")
		_, err = h.slack.WaitCall(h.ctx(), "views.update", func(c slackfake.Call) bool { return strings.Contains(string(c.JSON), "zed+qa@example.com") })
		require.NoError(t, err, "logs:\n%s", h.logs)

		h.slack.ClickButton(lead, "find_remove", "", slackfake.InView(view.ID))
		_, err = h.slack.WaitCall(h.ctx(), "views.update", func(c slackfake.Call) bool { return strings.Contains(string(c.JSON), "removed") })
		require.NoError(t, err, "logs:\n%s", h.logs)
		assert.Empty(t, h.applivery.OTPUsers(store))
	})
}

// waitHome waits for the App Home the bot published for user.
func (h *harness) waitHome(user string) slackfake.View {
	h.t.Helper()
	_, err := h.slack.WaitCall(h.ctx(), "views.publish", func(c slackfake.Call) bool { return c.Args["user_id"] == user })
	require.NoError(h.t, err, "no views.publish for %s; logs:\n%s", user, h.logs)
	v, ok := h.slack.HomeView(user)
	require.True(h.t, ok)
	return v
}
