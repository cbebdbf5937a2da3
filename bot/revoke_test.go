package bot

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// The Revoke button under an invited tester in the results thread.

// anaInvites has ana, a member of betaIOS, invite from it, and returns what the bot posted
// there: the parent message, then its thread.
func anaInvites(t *testing.T, tb *testBot, text string) []slackfake.Message {
	t.Helper()
	tb.run(tb.command(ana, betaIOS.ID, text))
	return tb.posts(betaIOS.ID)
}

func TestRevokeAsksFirstThenRemovesTheTesterAndSaysSoInTheThread(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		t.Parallel()
		tb := newTestBot(t, membersMapping, readingFilterAs(reading))
		posts := anaInvites(t, tb, "alice+qa@example.com")
		require.Len(t, posts, 3)
		parent, results := posts[0], posts[1]
		revoke := button(t, blocksOf(t, results), actionRevoke)
		require.NotNil(t, revoke.Confirm, "Slack asks before the bot acts")
		assert.Equal(t, "*alice+qa@example.com* will lose access to *Acme iOS beta* in Applivery.", revoke.Confirm.Text.Text)
		users := tb.applivery.OTPUsers(betaIOS.Store)
		require.Len(t, users, 1)

		tb.run(tb.handle(tb.click(ana, betaIOS.ID, actionRevoke, revoke.Value, results)))

		posts = tb.posts(betaIOS.ID)
		require.Len(t, posts, 4)
		assert.Equal(t, ":wastebasket: <@U0ANA0001> removed *alice+qa@example.com* (OTP user `"+users[0].ID+"`) from *Acme iOS beta*.", posts[3].Text)
		assert.Equal(t, parent.TS, posts[3].ThreadTS, "said in the results thread")
		assert.Empty(t, tb.applivery.OTPUsers(betaIOS.Store))
		assert.Empty(t, tb.private())
	})
}

func TestARevokeOfATesterApplivieryRemovedItselfSaysSoPlainly(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		t.Parallel()
		tb := newTestBot(t, membersMapping, readingFilterAs(reading))
		posts := anaInvites(t, tb, "alice+qa@example.com")
		revoke := button(t, blocksOf(t, posts[1]), actionRevoke)
		users := tb.applivery.OTPUsers(betaIOS.Store)
		require.Len(t, users, 1)
		tb.applivery.RemoveOTPUser(betaIOS.Store, users[0].ID) // Applivery removes OTP users by itself

		tb.run(tb.handle(tb.click(ana, betaIOS.ID, actionRevoke, revoke.Value, posts[1])))

		posts = tb.posts(betaIOS.ID)
		require.Len(t, posts, 4)
		assert.Equal(t, ":information_source: Applivery no longer has OTP user `"+users[0].ID+"` for *alice+qa@example.com* in *Acme iOS beta*: "+
			"they were removed outside the bot (from its dashboard, or by Applivery itself), so there was nothing to revoke.", posts[3].Text)
	})
}

func TestARevokeBySomeoneWhoMayNotManageIsRefusedAndTheTesterStays(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	posts := anaInvites(t, tb, "alice@example.com")
	revoke := button(t, blocksOf(t, posts[1]), actionRevoke)

	tb.run(tb.handle(tb.click(olga, betaIOS.ID, actionRevoke, revoke.Value, posts[1])))

	assert.Equal(t, "Only members of <#C0123ABCD> can invite, list or remove its testers, and guests and people of other organisations never can. Ask to be added to the channel.", tb.private())
	assert.Len(t, tb.posts(betaIOS.ID), 3, "nothing more in the channel")
	assert.Len(t, tb.applivery.OTPUsers(betaIOS.Store), 1)
}
