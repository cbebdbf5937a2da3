package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/slackfake"
)

func TestInlineInviteOneEmail(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	_, ack := h.command(lead, iosChan, "alice@example.com")
	assert.Empty(t, ackText(ack), "nothing to say in the ack: the result appears in the channel")

	summary := h.waitSummary(iosChan)
	assert.Contains(t, summary.Text, "<@"+lead+"> invited 1 tester into *Acme iOS beta*: 1 invited")
	users := h.applivery.OTPUsers(store)
	require.Len(t, users, 1)
	assert.Equal(t, "alice@example.com", users[0].Email)
	assert.Equal(t, 3, users[0].AllowedDownloadsNum, "downloads come from the mapping")
	assert.Equal(t, iosApp, users[0].PublishedApplicationID)

	thread := h.threadText(iosChan, summary.TS, 2)
	for _, want := range []string{"alice@example.com", users[0].ID, "Acme iOS beta", "3 downloads allowed", "created <!date^",
		"https://acme.applivery.io/acme-ios"} {
		assert.Contains(t, thread, want)
	}
	assert.NotContains(t, h.logs.String(), h.applivery.Token())
	assert.NotContains(t, h.logs.String(), h.slack.BotToken())
	assert.NotContains(t, h.logs.String(), h.slack.AppToken())
}

func TestInlineInviteSeveralEmailsPlainAndMailto(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.command(lead, iosChan, "<mailto:alice@example.com|alice@example.com>, bob@example.com\ncarol@example.com <mailto:bob@example.com|bob@example.com>")
	summary := h.waitSummary(iosChan)
	assert.Contains(t, summary.Text, "invited 3 testers")
	var got []string
	for _, u := range h.applivery.OTPUsers(store) {
		got = append(got, u.Email)
	}
	assert.ElementsMatch(t, []string{"alice@example.com", "bob@example.com", "carol@example.com"}, got)
}

func TestSeveralAppsInlineUsesTheFirstAndSaysSo(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.command(lead, bothChan, "dev@acme.com")
	summary := h.waitSummary(bothChan)
	assert.Contains(t, summary.Text, "*Acme iOS beta* (the first of this channel's 2 apps")
	users := h.applivery.OTPUsers(store)
	require.Len(t, users, 1)
	assert.Equal(t, iosApp, users[0].PublishedApplicationID)
	assert.Equal(t, -1, users[0].AllowedDownloadsNum)
}

func TestModalOpenSubmitInvite(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.command(lead, bothChan, "")
	view := h.openedView(lead)
	assert.Equal(t, "invite_modal", view.CallbackID)

	id := h.slack.SubmitView(view.ID, lead, map[string]map[string]slack.BlockAction{
		"target":    {"target": {SelectedOption: slack.OptionBlockObject{Value: bothChan + "/" + androidApp}}},
		"emails":    {"emails": {Value: "qa1@acme.com\nqa2@acme.com"}},
		"downloads": {"downloads": {Value: "5"}},
	})
	ack, err := h.slack.WaitAck(h.ctx(), id)
	require.NoError(t, err)
	assert.Empty(t, ack.Payload, "a valid submission closes the modal")

	summary := h.waitSummary(bothChan)
	assert.Contains(t, summary.Text, "invited 2 testers into *Acme Android beta*")
	for _, u := range h.applivery.OTPUsers(store) {
		assert.Equal(t, androidApp, u.PublishedApplicationID)
		assert.Equal(t, 5, u.AllowedDownloadsNum)
	}
	thread := h.threadText(bothChan, summary.TS, 2)
	assert.Contains(t, thread, "no public download link", "the reply says where testers find an app without a link")
}

func TestModalWithBadInputShowsInlineErrorsAndCallsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.command(lead, bothChan, "")
	view := h.openedView(lead)
	h.applivery.ResetStats()

	id := h.slack.SubmitView(view.ID, lead, map[string]map[string]slack.BlockAction{
		"target":    {"target": {SelectedOption: slack.OptionBlockObject{Value: bothChan + "/" + iosApp}}},
		"emails":    {"emails": {Value: "ok@acme.com not-an-email"}},
		"downloads": {"downloads": {Value: "0"}},
	})
	ack, err := h.slack.WaitAck(h.ctx(), id)
	require.NoError(t, err)
	var resp struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(ack.Payload, &resp))
	assert.Equal(t, "errors", resp.ResponseAction)
	assert.Contains(t, resp.Errors["emails"], "not-an-email (has no @)")
	assert.Contains(t, resp.Errors["downloads"], "-1")

	id = h.slack.SubmitView(view.ID, lead, map[string]map[string]slack.BlockAction{
		"target": {"target": {SelectedOption: slack.OptionBlockObject{Value: bothChan + "/" + iosApp}}},
		"emails": {"emails": {Value: "someone@gmail.com"}},
	})
	ack, err = h.slack.WaitAck(h.ctx(), id)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(ack.Payload, &resp))
	assert.Contains(t, resp.Errors["emails"], "acme.com", "the allowed domains are named")
	assert.Empty(t, h.applivery.Requests(), "no Applivery call for invalid input")
}

func TestUnmappedChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	_, ack := h.command(lead, "C0NOTMAPPED", "alice@example.com")
	assert.Empty(t, ackText(ack), "a link made on another replica a moment ago is looked for after the ack")
	text := h.waitResponse("C0NOTMAPPED")
	assert.Contains(t, text, "not linked to an Applivery store")
	assert.Contains(t, text, "channels.yaml")
	assert.Empty(t, h.applivery.Requests())
}

func TestHelpAndBadInputAnsweredInTheAck(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	_, ack := h.command(lead, iosChan, "help")
	assert.Contains(t, ackText(ack), "/invite-tester list")

	_, ack = h.command(lead, iosChan, "alice@example.com bob")
	assert.Contains(t, ackText(ack), "`bob` (has no @)", "each refused piece says why")
	assert.Contains(t, ackText(ack), "Nobody was invited")

	_, ack = h.command(lead, iosChan, "alice\u202emoc.live@example.com")
	refusal, _, _ := strings.Cut(ackText(ack), "What you typed")
	assert.Contains(t, refusal, "`alice\\u202emoc.live@example.com` (contains an invisible character \\u202e)")
	assert.NotContains(t, refusal, "\u202e", "the refused piece is shown escaped, so it cannot reorder the reply")

	_, ack = h.command(lead, bothChan, "eve@аcme.com")
	assert.Contains(t, ackText(ack), "Only addresses at acme.com")
	assert.Contains(t, ackText(ack), "`eve@xn--cme-5cd.com`", "a look-alike domain is shown as what it is")

	_, ack = h.command(lead, iosChan, "<!channel> <@U123>")
	assert.Contains(t, ackText(ack), "&lt;!channel&gt;", "echoed input is escaped, so it cannot ping")
	assert.NotContains(t, ackText(ack), "<!channel>")
	assert.Empty(t, h.applivery.Requests())
}

func TestApplivieryErrorsShownInTheThread(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fault  *appliverytest.Fault
		expect []string
	}{
		{"validation 400", appliverytest.APIError(http.StatusBadRequest, 6002, "Body Validation Error"),
			[]string{"Applivery error 6002", "Body Validation Error", "rejected the data"}},
		{"not found 404", appliverytest.APIError(http.StatusNotFound, 3001, "Entity not found"),
			[]string{"Applivery error 3001", "mapping file"}},
		{"unauthorized 401", appliverytest.APIError(http.StatusUnauthorized, 4004, "Invalid Token"),
			[]string{"Applivery error 4004", "APPLIVERY_API_TOKEN"}},
		{"proxy 502", appliverytest.BadGateway(), []string{"try again"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t).start()
			h.applivery.FailWith("", "/otp-users", -1, tc.fault)
			h.command(lead, iosChan, "alice@example.com")
			summary := h.waitSummary(iosChan)
			assert.Contains(t, summary.Text, "1 failed")
			thread := h.threadText(iosChan, summary.TS, 1)
			for _, want := range tc.expect {
				assert.Contains(t, thread, want)
			}
		})
	}
}

func TestBotNotInChannelTellsThePersonHowToFixIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.slack.SetChannelError(iosChan, "not_in_channel")
	h.command(lead, iosChan, "alice@example.com")
	body := h.waitResponse("not_in_channel")
	assert.Contains(t, body, "/invite @testerbot")
	assert.Zero(t, h.applivery.Count("POST", "/otp-users"), "nobody is invited when results could not be posted")
}

func TestBurstOfCommandsIsAckedAtOnceWhileApplivieryIsSlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.applivery.SetLatency(2 * time.Second)
	var wg sync.WaitGroup
	acks := make([]slackfake.Ack, 20)
	for i := range acks {
		wg.Go(func() {
			_, acks[i] = h.command(lead, iosChan, fmt.Sprintf("burst%02d@example.com", i))
		})
	}
	wg.Wait()
	for i, ack := range acks {
		assert.Less(t, ack.Latency, 300*time.Millisecond, "command %d", i)
	}
}

// openedView waits for the modal the bot opened for user, once it is filled in: the bot opens a
// "one moment" modal at once and fills it in after checking access.
func (h *harness) openedView(user string) slackfake.View {
	h.t.Helper()
	v, err := h.slack.WaitModal(h.ctx(), user, func(v slackfake.View) bool {
		return !strings.Contains(string(v.JSON), "One moment")
	})
	require.NoError(h.t, err, "no modal for %s; logs:\n%s", user, h.logs)
	return v
}
