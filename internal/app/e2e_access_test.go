package app_test

// End-to-end tests of who may do what (issue 9): without qa_leads only a channel's members, and
// never guests, see and manage its testers, on every surface, and every submission is checked
// again; access look-ups never delay a modal; response_url never reaches the logs.

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/slackfake"
)

func TestWithoutLeadsANonMemberIsRefusedEverywhereAndNothingIsSent(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	for i, text := range []string{"alice@example.com", "list", "history", "remove alice@example.com"} {
		h.command(stranger, iosChan, text)
		post, err := h.slack.WaitResponsePost(h.ctx(), func(slackfake.ResponsePost) bool { return len(h.slack.ResponsePosts()) > i })
		require.NoError(t, err, "%q is answered", text)
		assert.Contains(t, readable(post.Body), "Only members of <#C0IOSBETA1>", text)
	}
	assert.Empty(t, h.applivery.Requests(), "nothing reaches Applivery")
}

func TestGuestsNeverManageTestersWithoutLeads(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.slack.AddUser(slackfake.User{ID: "U0GUEST001", Name: "gus", Restricted: true})
	h.slack.SetChannelMembers(iosChan, lead, "U0GUEST001")
	h.start()
	h.command("U0GUEST001", iosChan, "alice@example.com")
	h.waitPrivateAnswer("guests and people of other organisations never can")
	assert.Empty(t, h.applivery.Requests())
}

func TestAppHomeAndGlobalShortcutOfferOnlyTheChannelsAMemberIsIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.slack.AddUser(slackfake.User{ID: "U0IOSONLY1", Name: "ivy"})
	h.slack.SetChannelMembers(iosChan, lead, "U0IOSONLY1")
	h.start()
	h.applivery.AddOTPUser(store, applivery.OTPUser{Email: "secret@acme.com", AllowedDownloadsNum: 1, PublishedApplicationID: androidApp})

	h.slack.Event(map[string]any{"type": "app_home_opened", "user": "U0IOSONLY1", "channel": "D0IVY", "tab": "home"})
	home := readable(h.waitHome("U0IOSONLY1").JSON)
	assert.Contains(t, home, "<#C0IOSBETA1>")
	assert.NotContains(t, home, "<#C0BOTHBETA>", "a channel Ivy is not in is not shown")

	h.slack.Interaction(globalShortcut("U0IOSONLY1"))
	modal := readable(h.openedView("U0IOSONLY1").JSON)
	assert.Contains(t, modal, "Inviting into *Acme iOS beta* from <#C0IOSBETA1>", "the one target Ivy may use")
	assert.NotContains(t, modal, "C0BOTHBETA", "nor offered as a target")

	h.slack.Event(map[string]any{"type": "app_home_opened", "user": stranger, "channel": "D0OLGA", "tab": "home"})
	home = readable(h.waitHome(stranger).JSON)
	assert.NotContains(t, home, "home_invite", "no buttons for someone who manages nothing")
	assert.NotContains(t, home, "<#C0IOSBETA1>")
}

func TestHistoryAndTesterAddressesStayWithThoseWhoManageTheChannel(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.command(lead, iosChan, "private.person@example.com")
	h.waitSummary(iosChan)

	h.slack.Event(map[string]any{"type": "app_home_opened", "user": lead, "channel": "D0LEAD", "tab": "home"})
	assert.Contains(t, readable(h.waitHome(lead).JSON), "private.person@example.com", "the lead sees the channel's invitations")

	h.slack.Event(map[string]any{"type": "app_home_opened", "user": stranger, "channel": "D0OLGA", "tab": "home"})
	assert.NotContains(t, readable(h.waitHome(stranger).JSON), "private.person@example.com")
	h.slack.Interaction(globalShortcut(stranger))
	assert.Contains(t, readable(h.openedView(stranger).JSON), "not in any channel")
}

func TestEverySubmissionAndClickIsCheckedAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	_, reply := h.invitedInThread("alice@example.com")

	// Someone who may not manage the channel clicks Revoke under Alice: nothing happens to her.
	h.slack.ClickButton(stranger, "revoke", "", slackfake.InMessage(iosChan, reply.TS))
	h.waitPrivateAnswer("Only members of <#C0IOSBETA1>")
	require.Len(t, h.applivery.OTPUsers(store), 1)

	// A form offering the channel, submitted by someone who may not manage it (Slack says who
	// pressed the button): the submission is checked again and refused.
	h.slack.Interaction(globalShortcut(lead))
	view := h.openedView(lead)
	h.slack.SubmitView(view.ID, stranger, map[string]map[string]slack.BlockAction{
		"target": {"target": {SelectedOption: slack.OptionBlockObject{Value: iosChan + "/" + iosApp}}},
		"emails": {"emails": {Value: "mallory@example.com"}},
	})
	_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
		return m.Ephemeral && m.User == stranger && strings.Contains(readable([]byte(m.Text)), "Only members of <#C0IOSBETA1>")
	})
	require.NoError(t, err, "logs:\n%s", h.logs)
	assert.Equal(t, 1, h.applivery.Count(http.MethodPost, "/otp-users"), "only Alice was ever created")
}

func TestShortcutsOpenTheirModalBeforeAskingSlackWhoMayDoWhat(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.slack.Interaction(globalShortcut(lead))
	h.openedView(lead)
	opened := h.slack.Calls("views.open")
	lookups := append(h.slack.Calls("users.info"), h.slack.Calls("conversations.members")...)
	require.NotEmpty(t, opened)
	require.NotEmpty(t, lookups, "the cache was cold")
	for _, c := range lookups {
		assert.False(t, c.At.Before(opened[0].At), "%s came before views.open: the trigger id could expire", c.Method)
	}
}

func TestResponseURLNeverReachesTheLogs(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.slack.BreakResponseURLs()
	id, _ := h.command(stranger, iosChan, "alice@example.com")
	h.waitUntilLogged("could not answer through response_url", 10*time.Second)
	payload, ok := h.slack.Payload(id)
	require.True(t, ok)
	var cmd struct {
		ResponseURL string `json:"response_url"`
	}
	require.NoError(t, json.Unmarshal(payload, &cmd))
	require.NotEmpty(t, cmd.ResponseURL)
	path := cmd.ResponseURL[strings.Index(cmd.ResponseURL, "/commands/"):]
	assert.NotContains(t, h.logs.String(), path, "a response_url is a credential for 30 minutes")
	_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool { return m.Ephemeral && m.User == stranger })
	require.NoError(t, err, "the person is still told, ephemerally")
}
