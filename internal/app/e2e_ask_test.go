package app_test

// End-to-end tests of asking, approving, telling the tester and access that ends (issue 12).

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/slackfake"
	database "github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/testclock"
)

// askHarness has QA leads (the lead, and the group S0QALEADS1) and a stranger who may ask.
func askHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	h := newHarness(t, append([]harnessOption{withMapping(leadsMapping)}, opts...)...)
	h.slack.AddUsergroup("S0QALEADS1", "U0SOMEONE2")
	return h.start()
}

// askMessage waits for the request the bot posted in the channel.
func (h *harness) askMessage(channel string) slackfake.Message {
	h.t.Helper()
	m, err := h.slack.WaitMessage(h.ctx(), channel, func(m slackfake.Message) bool {
		return m.ThreadTS == "" && strings.Contains(m.Text, "asks to invite")
	})
	require.NoError(h.t, err, "no request in %s; logs:\n%s", channel, h.logs)
	return m
}

// directMessages is what the bot sent someone in private.
func (h *harness) directMessages(user string) string {
	var b strings.Builder
	for _, m := range h.slack.Messages(user) {
		b.WriteString(readable([]byte(m.Text)) + "\n")
	}
	return b.String()
}

func (h *harness) waitDirectMessage(user, want string) {
	h.t.Helper()
	_, err := h.slack.WaitMessage(h.ctx(), user, func(m slackfake.Message) bool { return strings.Contains(readable([]byte(m.Text)), want) })
	require.NoError(h.t, err, "no direct message to %s containing %q; it has:\n%s\nlogs:\n%s", user, want, h.directMessages(user), h.logs)
}

func TestANonLeadsInviteBecomesARequestThatOnlyALeadCanApprove(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := askHarness(t)
		h.command(stranger, iosChan, "alice+qa@example.com for 14d")
		h.waitPrivateAnswer("I asked them to invite 1 address into *Acme iOS beta*")
		ask := h.askMessage(iosChan)
		assert.Contains(t, readable([]byte(ask.Text)), "<!subteam^S0QALEADS1> <@"+stranger+"> asks to invite 1 tester into *Acme iOS beta* for 14 days")
		assert.Contains(t, readable(ask.Blocks), "alice+qa@example.com")
		assert.Empty(t, h.applivery.Requests(), "nothing is invited before a lead decides")

		// The asker's own click, or anyone else's but a lead's, does nothing.
		h.slack.ClickButton(stranger, "ask_approve", "", slackfake.InMessage(iosChan, ask.TS))
		h.waitPrivateAnswer("Only QA leads can approve or deny")
		assert.Empty(t, h.applivery.Requests())

		h.slack.ClickButton(lead, "ask_approve", "", slackfake.InMessage(iosChan, ask.TS))
		summary, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
			return m.ThreadTS == ask.TS && strings.Contains(m.Text, "Details in the thread")
		})
		require.NoError(t, err, "the invite runs in the request's thread; logs:\n%s", h.logs)
		assert.Contains(t, summary.Text, "<@"+lead+"> invited 1 tester")
		users := h.applivery.OTPUsers(store)
		require.Len(t, users, 1)
		assert.Equal(t, "alice+qa@example.com", users[0].Email)
		h.waitDirectMessage(stranger, "<@"+lead+"> approved your request")
		_, err = h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
			return m.TS == ask.TS && strings.Contains(readable([]byte(m.Text)), "was approved by <@"+lead+">")
		})
		require.NoError(t, err, "the request shows who approved it")

		h.command(lead, iosChan, "list")
		assert.Contains(t, h.waitResponse("Showing"), "access ends", "the end of a 14-day access is shown")
		h.command(lead, iosChan, "history")
		history := h.waitResponse("Last invitations")
		assert.Contains(t, history, "asked for *alice+qa@example.com*")
		assert.Contains(t, history, "invited *alice+qa@example.com*")
	})
}

// The message shortcut and the form ask too, with the reason shown to the leads.
func TestTheFormAsksTheLeadsWithAReason(t *testing.T) {
	t.Parallel()
	h := askHarness(t)
	h.slack.Interaction(messageShortcut(stranger, iosChan, "1600000000.000200", "", "please add carol@example.com"))
	view := h.openedView(stranger)
	form := readable(view.JSON)
	assert.Contains(t, form, "Ask for testers")
	assert.Contains(t, form, `"initial_value":"carol@example.com"`)
	assert.NotContains(t, form, "downloads", "the mapping's downloads apply to a request")

	h.slack.SubmitView(view.ID, stranger, map[string]map[string]slack.BlockAction{
		"emails": {"emails": {Value: "carol@example.com"}},
		"reason": {"reason": {Value: "she runs the <beta> cohort"}},
	})
	_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
		return m.Ephemeral && m.User == stranger && strings.Contains(m.Text, "I asked them to invite 1 address")
	})
	require.NoError(t, err, "the asker is told privately; logs:\n%s", h.logs)
	ask := readable(h.askMessage(iosChan).Blocks)
	assert.Contains(t, ask, "carol@example.com")
	assert.Contains(t, ask, "*Why:* she runs the &lt;beta&gt; cohort", "the reason, escaped")
	assert.Empty(t, h.applivery.Requests())
}

// A process that recorded a lead's approval and stopped before saving the invite loses
// nothing: the next process starts the invite, in the request's thread, once.
func TestAnApprovalWhoseProcessStoppedIsInvitedByTheNextOne(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := askHarness(t)
		h.command(stranger, iosChan, "alice+qa@example.com")
		ask := h.askMessage(iosChan)
		require.Equal(t, 0, h.shutdown())

		// What the stopped process had done: the approval, two minutes ago, and nothing after.
		ctx := context.Background()
		db, err := database.Open(ctx, database.Config{SQLitePath: h.env["AUDIT_DB"]})
		require.NoError(t, err)
		twoMinutesAgo := func() time.Time { return time.Now().Add(-2 * time.Minute) }
		asks := approval.NewService(db, approval.Options{Now: twoMinutesAgo})
		mine, err := asks.Mine(ctx, stranger, 1)
		require.NoError(t, err)
		require.Len(t, mine, 1)
		_, err = asks.Approve(ctx, mine[0].ID, lead)
		require.NoError(t, err)
		require.NoError(t, db.Close())

		for restart := range 2 {
			h.restart()
			if restart == 0 {
				summary, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
					return m.ThreadTS == ask.TS && strings.Contains(m.Text, "Details in the thread")
				})
				require.NoError(t, err, "the invite runs in the request's thread; logs:\n%s", h.logs)
				assert.Contains(t, summary.Text, "<@"+lead+"> invited 1 tester")
				h.waitDirectMessage(stranger, "<@"+lead+"> approved your request")
			}
			require.Equal(t, 0, h.shutdown(), "logs:\n%s", h.logs)
		}
		assert.Equal(t, 1, h.applivery.Count(http.MethodPost, "/otp-users"), "invited once, however many processes start")
		require.Len(t, h.applivery.OTPUsers(store), 1)
	})
}

func TestADeniedRequestInvitesNobodyAndTellsTheAsker(t *testing.T) {
	t.Parallel()
	h := askHarness(t)
	h.command(stranger, iosChan, "mallory@example.com")
	ask := h.askMessage(iosChan)

	h.slack.ClickButton(lead, "ask_deny", "", slackfake.InMessage(iosChan, ask.TS))
	view := h.openedView(lead)
	require.Equal(t, "ask_deny_modal", view.CallbackID)
	h.slack.SubmitView(view.ID, lead, map[string]map[string]slack.BlockAction{"deny_reason": {"deny_reason": {Value: "not this sprint"}}})

	h.waitDirectMessage(stranger, "<@"+lead+"> denied your request to invite 1 address into *Acme iOS beta*. Their reason: not this sprint")
	_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool {
		return m.TS == ask.TS && strings.Contains(readable([]byte(m.Text)), "was denied by <@"+lead+">")
	})
	require.NoError(t, err)
	assert.Zero(t, h.applivery.Count(http.MethodPost, "/otp-users"))
	assert.NotContains(t, readable(h.slack.Messages(iosChan)[0].Blocks), "ask_approve", "a decided request has no buttons left")
}

func TestAnAddressAlreadyAskedForIsNotAskedTwice(t *testing.T) {
	t.Parallel()
	h := askHarness(t)
	h.command(stranger, iosChan, "alice@example.com")
	h.askMessage(iosChan)
	h.command("U0SECOND01", iosChan, "alice@example.com bob@example.com")
	h.waitPrivateAnswer("Already waiting for a decision, so not asked again: `alice@example.com`. I added you to that request")
	asks := 0
	for _, m := range h.slack.Messages(iosChan) {
		if strings.Contains(m.Text, "asks to invite") {
			asks++
			if strings.Contains(m.Text, "<@U0SECOND01> asks to invite") {
				assert.Contains(t, readable(m.Blocks), "bob@example.com")
				assert.NotContains(t, readable(m.Blocks), "alice@example.com")
			}
		}
	}
	assert.Equal(t, 2, asks)
}

func TestQALeadsSeeWaitingRequestsOnTheAppHomeAndAskersTheirOwn(t *testing.T) {
	t.Parallel()
	h := askHarness(t)
	h.command(stranger, iosChan, "alice@example.com")
	h.askMessage(iosChan)

	h.slack.Event(map[string]any{"type": "app_home_opened", "user": lead, "channel": "D0LEAD", "tab": "home"})
	home := readable(h.waitHome(lead).JSON)
	assert.Contains(t, home, "Requests waiting for you")
	assert.Contains(t, home, "ask_approve")

	h.slack.Event(map[string]any{"type": "app_home_opened", "user": stranger, "channel": "D0OLGA", "tab": "home"})
	home = readable(h.waitHome(stranger).JSON)
	assert.Contains(t, home, "Your requests")
	assert.Contains(t, home, "is waiting for a QA lead")
	assert.NotContains(t, home, "ask_approve")
}

func TestAWorkspaceMemberIsToldByDirectMessageAndAStrangerIsNot(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.slack.AddUser(slackfake.User{ID: "U0ALICE001", Name: "alice", Email: "Alice@Example.com"})
	h.start()
	h.command(lead, iosChan, "alice@example.com outsider@example.com")
	h.waitSummary(iosChan)
	h.waitDirectMessage("U0ALICE001", "<@"+lead+"> invited you (alice@example.com) to test *Acme iOS beta*")
	dm := h.directMessages("U0ALICE001")
	assert.Contains(t, dm, "<https://acme.applivery.io/acme-ios>", "with the download link")
	assert.Contains(t, dm, "one-time password")
	for _, c := range h.slack.Calls("chat.postMessage") {
		assert.NotEqual(t, "outsider@example.com", c.Args["channel"])
	}
	// The DMs' look-ups queue in the outbox in any order: wait for the stranger's too.
	_, err := h.slack.WaitCall(h.ctx(), "users.lookupByEmail", func(c slackfake.Call) bool { return c.Args["email"] == "outsider@example.com" })
	require.NoError(t, err, "both addresses were looked up; logs:\n%s", h.logs)
	assert.Len(t, h.slack.Calls("users.lookupByEmail"), 2, "each once, and only one is a member")
}

func TestNotifyTestersFalseSendsNoDirectMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMapping(strings.Replace(baseMapping, "    downloads: 3\n", "    downloads: 3\n    notify_testers: false\n", 1)))
	h.slack.AddUser(slackfake.User{ID: "U0ALICE001", Name: "alice", Email: "alice@example.com"})
	h.start()
	h.command(lead, iosChan, "alice@example.com")
	h.waitSummary(iosChan)
	assert.Empty(t, h.slack.Calls("users.lookupByEmail"))
	assert.Empty(t, h.slack.Messages("U0ALICE001"))
}

func TestAnEndInThePastOrTooFarAwayIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	_, ack := h.command(lead, iosChan, "alice@example.com for 400d")
	assert.Contains(t, ackText(ack), "Access can last from 1 minute to 365 days, not `400d`.")

	h.command(lead, iosChan, "")
	view := h.openedView(lead)
	id := h.slack.SubmitView(view.ID, lead, map[string]map[string]slack.BlockAction{
		"emails":      {"emails": {Value: "alice@example.com"}},
		"access_ends": {"access_ends": {SelectedDateTime: time.Now().Add(-time.Hour).Unix()}},
	})
	ack, err := h.slack.WaitAck(h.ctx(), id)
	require.NoError(t, err)
	assert.Contains(t, string(ack.Payload), "That is in the past")
	assert.Empty(t, h.applivery.Requests())
}

// TestAccessForOneMinuteEndsOnTimeAcrossARestart moves the bots' clock past the minute rather
// than waiting it out; the wait left is one scan interval.
func TestAccessForOneMinuteEndsOnTimeAcrossARestart(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Now())
	h := newHarness(t, withClock(clock)).start()
	h.command(lead, iosChan, "tim@example.com for 1m")
	summary := h.waitSummary(iosChan)
	require.Len(t, h.applivery.OTPUsers(store), 1)
	require.Equal(t, 0, h.shutdown(), "a deploy while the minute runs")

	h2 := newHarness(t, withClock(clock))
	h2.slack, h2.applivery = h.slack, h.applivery // the same Slack and Applivery, a new process
	h2.env = h.env
	h2.start()

	// The minute passes while the new process runs: its next scan (every 10 s) ends the access.
	// That no end comes early is the expiry package's to test, on its own clock.
	clock.Advance(time.Minute)
	_, err := h.slack.WaitMessage(opsContext(t, 30*time.Second), iosChan, func(m slackfake.Message) bool {
		return m.ThreadTS == summary.TS && strings.Contains(m.Text, "Access for *tim@example.com* to *Acme iOS beta* ended")
	})
	require.NoError(t, err, "logs:\n%s", h2.logs)
	assert.Empty(t, h.applivery.OTPUsers(store), "removed from Applivery")
	deletes := 0
	for _, r := range h.applivery.Requests() {
		if r.Method == http.MethodDelete {
			deletes++
		}
	}
	assert.Equal(t, 1, deletes, "exactly once")
}
