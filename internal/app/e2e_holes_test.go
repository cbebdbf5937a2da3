package app_test

// End-to-end tests of the access holes a security review found (issue 17).

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// A request approved after its channel moved to another app of the same store invites nobody
// into the retired app, and the lead is told what changed.
func TestApprovingARequestWhoseChannelMovedToAnotherAppInvitesNobody(t *testing.T) {
	t.Parallel()
	h := askHarness(t)
	h.command(stranger, iosChan, "alice@example.com")
	ask := h.askMessage(iosChan)

	moved := strings.Replace(leadsMapping, `  - channel: C0IOSBETA1
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9d0e2
        name: Acme iOS beta`, `  - channel: C0IOSBETA1
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9d0e3
        name: Acme Android beta`, 1)
	require.NotEqual(t, leadsMapping, moved)
	require.NoError(t, os.WriteFile(h.env["CHANNELS_FILE"], []byte(moved), 0o600))
	h.waitUntilLogged(`"msg":"mapping file reloaded"`, 10*time.Second)

	h.slack.ClickButton(lead, "ask_approve", "", slackfake.InMessage(iosChan, ask.TS))
	h.waitPrivateAnswer("no longer invites into *Acme iOS beta*")
	assert.Zero(t, h.applivery.Count(http.MethodPost, "/otp-users"), "nothing is created in the retired app")
	assert.Empty(t, h.applivery.OTPUsers(store))
}

// A channel limited to acme.com lists, removes, revokes and shows the history of only acme.com
// testers, although its app is shared with a channel that invites anyone.
func TestAChannelsDomainsLimitWhatItShowsAndRemoves(t *testing.T) {
	t.Parallel()
	open := strings.Replace(baseMapping, "    domains: [acme.com]\n", "", 1)
	h := newHarness(t, withMapping(open)).start()
	h.command(lead, bothChan, "bob@example.com") // before the channel was limited to acme.com
	bob := h.waitResultFor(bothChan, "bob@example.com", 10*time.Second)
	h.waitSummary(bothChan)
	h.command(lead, iosChan, "outsider@example.com")
	h.waitSummary(iosChan)

	require.NoError(t, os.WriteFile(h.env["CHANNELS_FILE"], []byte(baseMapping), 0o600))
	h.waitUntilLogged(`"msg":"mapping file reloaded"`, 10*time.Second)
	h.command(lead, bothChan, "ann@acme.com")
	h.waitResultFor(bothChan, "ann@acme.com", 10*time.Second)
	require.Len(t, h.applivery.OTPUsers(store), 3)

	h.command(lead, bothChan, "list")
	list := h.waitResponse("Showing")
	assert.Contains(t, list, "ann@acme.com")
	assert.NotContains(t, list, "example.com", "testers at other domains are not shown")
	assert.Contains(t, list, "Showing 1 of 1.")

	h.command(lead, bothChan, "list example")
	assert.Contains(t, h.waitResponse("example"), "No tester of this channel's apps has an email containing `example`.")

	h.command(lead, bothChan, "history")
	history := h.waitResponse("Last invitations")
	assert.Contains(t, history, "ann@acme.com")
	assert.NotContains(t, history, "bob@example.com", "history shows only the channel's domains")

	h.command(lead, bothChan, "remove outsider@example.com")
	h.waitPrivateAnswer("This channel manages only addresses at `acme.com`, so I left *outsider@example.com* alone.")
	h.slack.ClickButton(lead, "revoke", "", slackfake.InMessage(bothChan, bob.TS))
	_, err := h.slack.WaitMessage(h.ctx(), bothChan, func(m slackfake.Message) bool {
		return m.ThreadTS == bob.ThreadTS && strings.Contains(m.Text, "so I left *bob@example.com* alone.")
	})
	require.NoError(t, err, "the Revoke of a tester outside the domains is refused in its thread; logs:\n%s", h.logs)
	assert.Zero(t, h.applivery.Count(http.MethodDelete, "/otp-users"), "nobody outside the domains is removed")
	assert.Len(t, h.applivery.OTPUsers(store), 3)
}

// In a Slack Connect channel, without qa_leads, the members from the other organisation are
// refused like guests; the bot's own workspace's members manage testers as before.
func TestMembersOfAnotherOrganisationNeverManageTesters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.slack.AddUser(slackfake.User{ID: "U0PARTNER1", Name: "pat", TeamID: "T0PARTNER"})
	h.slack.SetChannelMembers(iosChan, lead, "U0PARTNER1")
	h.start()

	h.command("U0PARTNER1", iosChan, "alice@example.com")
	h.waitPrivateAnswer("guests and people of other organisations never can")
	h.command("U0PARTNER1", iosChan, "list")
	h.waitPrivateAnswer("Only members of <#" + iosChan + ">")
	assert.Empty(t, h.applivery.Requests(), "nothing reaches Applivery for an outsider")

	h.command(lead, iosChan, "alice@example.com")
	h.waitSummary(iosChan)
	assert.Len(t, h.applivery.OTPUsers(store), 1)
}

// On Enterprise Grid, a member of another workspace of the same organisation is inside; a
// member of another organisation is not.
func TestOnEnterpriseGridTheWholeOrganisationIsInside(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.slack = newSlack(t, slackfake.WithEnterprise("E0ACMEORG"))
	h.slack.AddChannel(iosChan, "beta-ios")
	h.slack.AddUser(slackfake.User{ID: "U0SISTER01", Name: "sis", TeamID: "T0SISTERWS", EnterpriseID: "E0ACMEORG"})
	h.slack.AddUser(slackfake.User{ID: "U0PARTNER1", Name: "pat", TeamID: "T0PARTNER", EnterpriseID: "E0PARTNER"})
	h.slack.SetChannelMembers(iosChan, "U0SISTER01", "U0PARTNER1")
	h.env["SLACK_APP_TOKEN"], h.env["SLACK_BOT_TOKEN"], h.env["SLACK_API_URL"] = h.slack.AppToken(), h.slack.BotToken(), h.slack.APIURL()
	h.start()

	h.command("U0PARTNER1", iosChan, "bob@example.com")
	h.waitPrivateAnswer("guests and people of other organisations never can")
	h.command("U0SISTER01", iosChan, "alice@example.com")
	h.waitSummary(iosChan)
	users := h.applivery.OTPUsers(store)
	require.Len(t, users, 1)
	assert.Equal(t, "alice@example.com", users[0].Email)
}

// An approval never changes the access of someone already a tester: a permanent tester asked
// "for 2m" stays permanent, a tester whose access ends keeps that end, and the thread says so.
// A QA lead's own invite with an end changes it, and says so. The leads see on the App Home
// which addresses of a waiting request are testers already.
func TestAnExistingTesterKeepsTheirAccessUnlessTheInviterChangesIt(t *testing.T) {
	t.Parallel()
	h := askHarness(t)
	h.applivery.AddOTPUser(store, applivery.OTPUser{Email: "alice@example.com", AllowedDownloadsNum: 3, PublishedApplicationID: iosApp})
	h.command(lead, iosChan, "bob@example.com for 14d")
	h.waitSummary(iosChan)

	h.command(stranger, iosChan, "alice@example.com bob@example.com carol@example.com for 2m")
	ask := h.askMessage(iosChan)
	assert.NotContains(t, readable(ask.Blocks), "Already testers", "the channel is not told who is a tester")
	h.slack.Event(map[string]any{"type": "app_home_opened", "user": lead, "channel": "D0LEAD", "tab": "home"})
	assert.Contains(t, readable(h.waitHome(lead).JSON), "Already testers, whose access an approval leaves as it is: `alice@example.com`, `bob@example.com`.")

	h.slack.ClickButton(lead, "ask_approve", "", slackfake.InMessage(iosChan, ask.TS))
	_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
		return m.ThreadTS == ask.TS && strings.Contains(m.Text, "Details in the thread")
	})
	require.NoError(t, err, "logs:\n%s", h.logs)
	thread := h.threadText(iosChan, ask.TS, 2)
	assert.Contains(t, thread, "*alice@example.com* was already a tester, so I did not invite them again; their access still does not end")
	assert.Regexp(t, `\*bob@example\.com\* was already a tester, so I did not invite them again; access still ends <!date\^\d+\^`, thread)
	h.command(lead, iosChan, "list")
	list := h.waitResponse("Showing")
	for _, line := range strings.Split(list, `\n`) {
		if strings.Contains(line, "alice@example.com") {
			assert.NotContains(t, line, "access ends", "alice's access still does not end")
		}
	}
	assert.Contains(t, list, "carol@example.com")

	h.command(lead, iosChan, "alice@example.com for 1h")
	summaries := 0
	_, err = h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
		if m.ThreadTS != "" && strings.Contains(m.Text, "*alice@example.com* was already a tester, so I did not invite them again; access now ends") {
			summaries++
		}
		return summaries > 0
	})
	require.NoError(t, err, "the lead's own choice changes the end, and the thread says so; logs:\n%s", h.logs)
}

// One person cannot flood the leads: past MAX_OPEN_REQUESTS waiting requests they are refused.
// Someone else asking for an address already waiting joins that request: the leads see both
// askers, and both hear of the decision.
func TestRequestsPerPersonAreLimitedAndASecondAskerJoinsTheFirst(t *testing.T) {
	t.Parallel()
	h := askHarness(t, withEnv("MAX_OPEN_REQUESTS", "2"))
	h.command(stranger, iosChan, "alice@example.com")
	first := h.askMessage(iosChan)
	h.command(stranger, iosChan, "bob@example.com")
	h.waitPrivateAnswer("I asked them to invite 1 address")
	countAsks := func() int {
		asks := 0
		for _, m := range h.slack.Messages(iosChan) {
			if strings.Contains(m.Text, "asks to invite") {
				asks++
			}
		}
		return asks
	}
	// The asks are posted through the outbox, at Slack's pace: wait for the second.
	_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(slackfake.Message) bool { return countAsks() == 2 })
	require.NoError(t, err, "logs:\n%s", h.logs)
	h.command(stranger, iosChan, "carol@example.com")
	h.waitPrivateAnswer("You already have 2 requests waiting for the QA leads, the most one person may have, so I asked nobody.")
	assert.Equal(t, 2, countAsks(), "the third request never reached the leads")

	h.command("U0SECOND01", iosChan, "alice@example.com")
	h.waitPrivateAnswer("I added you to that request, so the QA leads see that you asked too.")
	_, err = h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
		return m.TS == first.TS && strings.Contains(readable([]byte(m.Text)), "(also asked by <@U0SECOND01>)")
	})
	require.NoError(t, err, "the leads see both askers; logs:\n%s", h.logs)

	h.slack.ClickButton(lead, "ask_approve", "", slackfake.InMessage(iosChan, first.TS))
	h.waitDirectMessage(stranger, "<@"+lead+"> approved your request")
	h.waitDirectMessage("U0SECOND01", "<@"+lead+"> approved your request")
	_, err = h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
		return m.ThreadTS == first.TS && strings.Contains(m.Text, "Details in the thread")
	})
	require.NoError(t, err, "logs:\n%s", h.logs)
	assert.Len(t, h.applivery.OTPUsers(store), 1, "alice is invited once")
}

// A channel linked from Slack and then taken into the mapping file loses its Slack link, ended
// in the audit trail by the mapping file; when the channel leaves the file it is unlinked, not
// back on its old link, until a lead links it again.
func TestALinkTakenOverByTheFileNeverComesBack(t *testing.T) {
	t.Parallel()
	h, _ := setupHarness(t)
	h.slack.SetChannelMembers(newChan, lead)
	h.start()
	view := h.chooseStore(h.openSetup(lead, newChan), lead, store, "Acme Android beta")
	h.slack.SubmitView(view.ID, lead, setupValues(store, androidApp, "2", "acme.com"))
	h.waitChannelMessage(newChan, "<@"+lead+"> linked this channel to *Acme Android beta*")

	path := h.env["CHANNELS_FILE"]
	withNew := leadsMapping + `  - channel: C0NEWCHAN1
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps: [{id: 64a1b2c3d4e5f6a7b8c9d0e2, name: File app}]
    downloads: 1
`
	require.NoError(t, os.WriteFile(path, []byte(withNew), 0o600))
	h.waitUntilLogged(`"msg":"mapping file reloaded","file":"`+path+`","channels":3`, 10*time.Second)
	h.waitUntilLogged(`"msg":"the mapping file took a channel over: its link made from Slack is ended","channel":"`+newChan+`"`, 10*time.Second)
	h.command(lead, newChan, "one@example.com")
	assert.Contains(t, h.waitSummary(newChan).Text, "into *File app*")

	require.NoError(t, os.WriteFile(path, []byte(leadsMapping), 0o600))
	h.waitUntilLogged(`"msg":"mapping file reloaded","file":"`+path+`","channels":2`, 10*time.Second)
	h.command(lead, newChan, "dev@acme.com")
	h.waitPrivateAnswer("is not linked to an Applivery store") // the old Slack link is not live again
	for _, u := range h.applivery.OTPUsers(store) {
		assert.NotEqual(t, androidApp, u.PublishedApplicationID, "nobody is invited into the old link's app")
	}

	changes := readable(h.openSetup(lead, newChan).JSON)
	assert.Contains(t, changes, "the mapping file removed the link", "the audit trail says who ended it")
	assert.Contains(t, changes, "<@"+lead+"> linked it to *Acme Android beta*")
}

// The setup modal's type-ahead answers QA leads only, like the modal: anyone else who sends a
// block_suggestion for it learns no store and no app.
func TestTheSetupTypeAheadAnswersOnlyLeads(t *testing.T) {
	t.Parallel()
	h, big := setupHarness(t)
	h.start()
	view := h.chooseStore(h.openSetup(lead, newChan), lead, big, `"external_select"`)
	options, err := h.slack.WaitSuggestedOptions(h.ctx(), h.slack.Suggest(view.ID, lead, "setup_app", "App 120"))
	require.NoError(t, err)
	require.Len(t, options, 1, "a lead is answered")

	options, err = h.slack.WaitSuggestedOptions(h.ctx(), h.slack.Suggest(view.ID, stranger, "setup_app", "App"))
	require.NoError(t, err)
	assert.Empty(t, options, "anyone else is not")
}
