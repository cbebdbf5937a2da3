package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// Asking the QA leads, and their decisions.

// olgaAsks has olga, who is no QA lead, invite alice for 14 days, and returns the request the
// bot posted for the leads and its id.
func olgaAsks(t *testing.T, tb *testBot) (slackfake.Message, string) {
	t.Helper()
	tb.run(tb.command(olga, betaIOS.ID, "alice@example.com for 14d"))
	posts := tb.posts(betaIOS.ID)
	require.Len(t, posts, 1, "the request is posted in the channel")
	return posts[0], button(t, blocksOf(t, posts[0]), actionAskApprove).Value
}

func TestANonLeadsInviteBecomesARequestWithApproveAndDeny(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, leadsMapping)
	msg, id := olgaAsks(t, tb)

	assert.True(t, strings.HasPrefix(msg.Text, ":raised_hand: <@U0ANA0001> <@U0OLGA001> asks to invite 1 tester into *Acme iOS beta* for 14 days.\n`alice@example.com`\n"),
		"the text says whom the request is for: %s", msg.Text)
	assert.Empty(t, msg.ThreadTS)
	assert.Equal(t, id, button(t, blocksOf(t, msg), actionAskDeny).Value, "both buttons name the request")
	a, err := tb.d.Asks.Get(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, approval.Pending, a.State)
	assert.Equal(t, []string{"alice@example.com"}, a.Emails)
	assert.Equal(t, approval.Message{Channel: betaIOS.ID, TS: msg.TS}, a.Message, "the request knows where it is shown")

	assert.Equal(t, ":raised_hand: Only QA leads invite testers, so I asked them to invite 1 address into *Acme iOS beta*. You'll hear from me when one decides.",
		tb.private())
	assert.Empty(t, tb.applivery.Requests(), "nobody is invited before a lead approves")
}

func TestTheAskersOwnApproveAndDenyAreRefusedPrivately(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, leadsMapping)
	msg, id := olgaAsks(t, tb)

	tb.run(tb.asks.onAskApprove(tb.click(olga, betaIOS.ID, actionAskApprove, id, msg)))
	assert.Contains(t, tb.private(), "\nOnly QA leads can approve or deny requests for testers. <@U0ANA0001> will decide.")

	tb.run(tb.asks.onAskDeny(tb.click(olga, betaIOS.ID, actionAskDeny, id, msg)))
	deny, ok := tb.view(0)
	require.True(t, ok, "the deny button opens a modal")
	assert.Empty(t, deny.CallbackID, "a notice, not the deny form")
	assert.Contains(t, deny.Blocks.BlockSet[0].(*slack.SectionBlock).Text.Text, "Only QA leads can approve or deny requests for testers.")

	a, err := tb.d.Asks.Get(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, approval.Pending, a.State)
	assert.Empty(t, tb.updates(betaIOS.ID, msg.TS), "the request's buttons stay")
	assert.Empty(t, tb.applivery.Requests())
}

func TestALeadsDenyAsksForAReasonThenTellsTheAsker(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, leadsMapping)
	msg, id := olgaAsks(t, tb)

	tb.run(tb.asks.onAskDeny(tb.click(ana, betaIOS.ID, actionAskDeny, id, msg)))
	form, ok := tb.view(0)
	require.True(t, ok)
	assert.Equal(t, denyModalView(id), form)

	ack := tb.run(tb.asks.onDenySubmit(submit(ana, callbackDenyModal, form.PrivateMetadata,
		map[string]slack.BlockAction{blockDenyReason: {Value: "not this <sprint>"}})))
	assert.Nil(t, ack)

	updates := tb.updates(betaIOS.ID, msg.TS)
	require.Len(t, updates, 1, "the request shows the decision")
	assert.Contains(t, updates[0].Text, "<@U0OLGA001> asks to invite 1 tester into *Acme iOS beta* for 14 days: it was denied by <@U0ANA0001>")
	assert.Contains(t, updates[0].Text, "(not this &lt;sprint&gt;).")
	assert.NotContains(t, blocksJSON(t, blocksOf(t, updates[0])), actionAskApprove, "no buttons any more")

	dms := tb.posts(olga)
	require.Len(t, dms, 1)
	assert.Equal(t, ":no_entry: <@U0ANA0001> denied your request to invite 1 address into *Acme iOS beta*. Their reason: not this &lt;sprint&gt;", dms[0].Text)
	a, err := tb.d.Asks.Get(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, approval.Denied, a.State)
	assert.Empty(t, tb.applivery.Requests())
}

func TestALeadsApprovalInvitesInTheRequestsThread(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, leadsMapping)
	msg, id := olgaAsks(t, tb)

	tb.run(tb.asks.onAskApprove(tb.click(ana, betaIOS.ID, actionAskApprove, id, msg)))

	updates := tb.updates(betaIOS.ID, msg.TS)
	require.Len(t, updates, 1)
	assert.Contains(t, updates[0].Text, "it was approved by <@U0ANA0001>")
	thread := tb.posts(betaIOS.ID)[1:]
	require.Len(t, thread, 3, "the invite's parent message, its results and the download link")
	for _, p := range thread {
		assert.Equal(t, msg.TS, p.ThreadTS, "in the request's thread: %s", p.Text)
	}
	assert.Equal(t, ":hourglass_flowing_sand: <@U0ANA0001> is inviting 1 tester into *Acme iOS beta*…", thread[0].Text)
	assert.Contains(t, thread[1].Text, ":white_check_mark: *alice@example.com* invited\nOTP user `")

	dms := tb.posts(olga)
	require.Len(t, dms, 1)
	assert.Equal(t, ":white_check_mark: <@U0ANA0001> approved your request to invite 1 address into *Acme iOS beta*: the results are in the request's thread in <#C0123ABCD>.", dms[0].Text)
	users := tb.applivery.OTPUsers(betaIOS.Store)
	require.Len(t, users, 1)
	assert.Equal(t, "alice@example.com", users[0].Email)
	a, err := tb.d.Asks.Get(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, approval.Approved, a.State)
}

func TestTheAppHomeShowsTheLeadTheRequestAndTheAskerTheirOwn(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, leadsMapping)
	_, id := olgaAsks(t, tb)

	for _, user := range []string{ana, olga} {
		tb.run(tb.handle(slackevents.EventsAPIEvent{InnerEvent: slackevents.EventsAPIInnerEvent{
			Type: string(slackevents.AppHomeOpened), Data: &slackevents.AppHomeOpenedEvent{User: user, Tab: "home"}}}))
	}
	lead, ok := tb.home(ana)
	require.True(t, ok)
	assert.Equal(t, id, button(t, lead.Blocks.BlockSet, actionAskApprove).Value, "the lead can decide from the App Home")
	assert.Contains(t, blocksJSON(t, lead.Blocks.BlockSet), "*Requests waiting for you* (1)")

	asker, ok := tb.home(olga)
	require.True(t, ok)
	assert.Contains(t, blocksJSON(t, asker.Blocks.BlockSet), "*Your requests*\\n• ")
	assert.Contains(t, blocksJSON(t, asker.Blocks.BlockSet), "1 address into *Acme iOS beta* in <#C0123ABCD>: is waiting for a QA lead")
	assert.NotContains(t, blocksJSON(t, asker.Blocks.BlockSet), actionAskApprove)
}

// The ask surface is built from what it uses alone: an approval found once the bot is draining
// starts nothing, and counts no work for the graceful stop to wait for. The surface has nothing
// behind it here, so counting work (a nil tracker) or starting an invite would panic.
func TestAnApprovalFoundWhileDrainingStartsNothing(t *testing.T) {
	t.Parallel()
	f := &askFlow{}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, f.Approved(ctx, approval.Ask{ID: "a1", DecidedBy: ana}), context.Canceled)
}
