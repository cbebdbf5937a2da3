package bot

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
)

// The Revoke button under an invited tester in the results thread.

// anaInvites has ana, a member of betaIOS, invite from it, and returns what the bot posted
// there: the parent message, then its thread.
func anaInvites(t *testing.T, tb *testBot, text string) []sentMessage {
	t.Helper()
	tb.run(tb.command(ana, betaIOS.ID, text))
	return tb.slack.posts(betaIOS.ID)
}

func TestRevokeAsksFirstThenRemovesTheTesterAndSaysSoInTheThread(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		tb := newTestBot(t, membersMapping, readingFilterAs(reading))
		posts := anaInvites(t, tb, "alice+qa@example.com")
		require.Len(t, posts, 3)
		parent, results := posts[0], posts[1]
		revoke := button(t, results.blocks, actionRevoke)
		require.NotNil(t, revoke.Confirm, "Slack asks before the bot acts")
		assert.Equal(t, "*alice+qa@example.com* will lose access to *Acme iOS beta* in Applivery.", revoke.Confirm.Text.Text)
		users := tb.applivery.OTPUsers(betaIOS.Store)
		require.Len(t, users, 1)

		tb.run(tb.onRevoke(click(ana, betaIOS.ID, actionRevoke, revoke.Value, results)))

		posts = tb.slack.posts(betaIOS.ID)
		require.Len(t, posts, 4)
		assert.Equal(t, ":wastebasket: <@U0ANA0001> removed *alice+qa@example.com* (OTP user `"+users[0].ID+"`) from *Acme iOS beta*.", posts[3].text)
		assert.Equal(t, parent.ts, posts[3].thread, "said in the results thread")
		assert.Empty(t, tb.applivery.OTPUsers(betaIOS.Store))
		assert.Empty(t, tb.slack.private())
	})
}

func TestARevokeOfATesterApplivieryRemovedItselfSaysSoPlainly(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		tb := newTestBot(t, membersMapping, readingFilterAs(reading))
		posts := anaInvites(t, tb, "alice+qa@example.com")
		revoke := button(t, posts[1].blocks, actionRevoke)
		users := tb.applivery.OTPUsers(betaIOS.Store)
		require.Len(t, users, 1)
		tb.applivery.RemoveOTPUser(betaIOS.Store, users[0].ID) // Applivery removes OTP users by itself

		tb.run(tb.onRevoke(click(ana, betaIOS.ID, actionRevoke, revoke.Value, posts[1])))

		posts = tb.slack.posts(betaIOS.ID)
		require.Len(t, posts, 4)
		assert.Equal(t, ":information_source: Applivery no longer has OTP user `"+users[0].ID+"` for *alice+qa@example.com* in *Acme iOS beta*: "+
			"they were removed outside the bot (from its dashboard, or by Applivery itself), so there was nothing to revoke.", posts[3].text)
	})
}

func TestARevokeBySomeoneWhoMayNotManageIsRefusedAndTheTesterStays(t *testing.T) {
	tb := newTestBot(t, membersMapping)
	posts := anaInvites(t, tb, "alice@example.com")
	revoke := button(t, posts[1].blocks, actionRevoke)

	tb.run(tb.onRevoke(click(olga, betaIOS.ID, actionRevoke, revoke.Value, posts[1])))

	assert.Equal(t, "Only members of <#C0123ABCD> can invite, list or remove its testers, and guests and people of other organisations never can. Ask to be added to the channel.", tb.slack.private())
	assert.Len(t, tb.slack.posts(betaIOS.ID), 3, "nothing more in the channel")
	assert.Len(t, tb.applivery.OTPUsers(betaIOS.Store), 1)
}
