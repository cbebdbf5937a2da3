package bot

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The /invite-tester handler: what it answers in the ack, and what it leaves for after.

func TestHelpIsAnsweredInTheAck(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	r := tb.command(olga, "C0NOTLINKED", "help")
	assert.Equal(t, ephemeralAck(helpText), r.ack, "help is shown to anyone, anywhere, at once")
	assert.Nil(t, r.after)
}

func TestACommandInAnUnlinkedChannelSaysHowToLinkIt(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	ack := tb.run(tb.command(ana, "C0NOTLINKED", "alice@example.com"))
	assert.Nil(t, ack, "a link made on another replica is looked for after the ack")

	told := tb.private()
	assert.Contains(t, told, "This channel (`C0NOTLINKED`) is not linked to an Applivery store")
	assert.Contains(t, told, "An admin can add it to the mapping file (`"+tb.d.MappingFile+"`)")
	assert.Empty(t, tb.applivery.Requests(), "nobody was invited")
}

func TestAddressesThatAreNotAreRefusedInTheAckAndEchoedEscaped(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	r := tb.command(ana, betaIOS.ID, "alice@example.com <!channel> bob@")
	require.Nil(t, r.after, "nothing happens after the ack")
	text := r.ack.(ephemeral).Text
	assert.Contains(t, text, "These are not email addresses: `&lt;!channel&gt;`")
	assert.Contains(t, text, "`bob@`")
	assert.Contains(t, text, "Nobody was invited")
	assert.Contains(t, text, "What you typed:\n```alice@example.com &lt;!channel&gt; bob@```", "what was typed is kept, escaped")
	assert.NotContains(t, text, "<!channel>", "nothing typed can ping the channel")
}

func TestAccessLongerThanAYearIsRefusedInTheAck(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	r := tb.command(ana, betaIOS.ID, "alice@example.com for 400d")
	require.Nil(t, r.after)
	assert.Equal(t, ephemeralAck("Access can last from 1 minute to 365 days, not `400d`. Nobody was invited.\n"+
		"What you typed:\n```alice@example.com for 400d```"), r.ack)
}

func TestAccessThatIsNotADurationIsRefusedInTheAck(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	r := tb.command(ana, betaIOS.ID, "alice@example.com for `ever`")
	require.Nil(t, r.after)
	assert.Contains(t, r.ack.(ephemeral).Text, "Say how long access lasts with a number and m, h or d, like `for 14d` or `for 12h`; "+
		"`'ever'` is not one. Nobody was invited.", "a backtick typed cannot end the code span")
}

func TestTooManyAddressesAreRefusedInTheAck(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping, withMaxEmails(2))
	r := tb.command(ana, betaIOS.ID, "a@example.com b@example.com c@example.com")
	require.Nil(t, r.after)
	assert.Contains(t, r.ack.(ephemeral).Text, "That is 3 addresses; one request may invite at most 2.")
}

func TestAddressesOutsideTheChannelsDomainsAreRefusedInTheAck(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	r := tb.command(ana, betaBoth.ID, "alice@acme.com mallory@evil.io")
	require.Nil(t, r.after)
	assert.Contains(t, r.ack.(ephemeral).Text, "Only addresses at acme.com may be invited from this channel, so these were not: `mallory@evil.io`.")
}

func TestListAndRemoveAreRefusedToWhoMayNotManageTheChannel(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ mapping, refusal string }{
		"a non-member": {membersMapping, "Only members of <#C0123ABCD> can invite, list or remove its testers, and guests and people of other organisations never can. Ask to be added to the channel."},
		"not a lead":   {leadsMapping, "Sorry, only QA leads can invite, list or remove testers. <@U0ANA0001> can help you."},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tb := newTestBot(t, tc.mapping)
			tb.run(tb.command(olga, betaIOS.ID, "list"))
			tb.run(tb.command(olga, betaIOS.ID, "remove alice@example.com"))
			assert.Equal(t, tc.refusal+"\n"+tc.refusal, tb.private())
			assert.Empty(t, tb.applivery.Requests(), "Applivery was not asked")
			assert.Empty(t, tb.posts(betaIOS.ID), "nothing was said in the channel")
		})
	}
}

func TestRemoveNeedsOneAddress(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	r := tb.command(ana, betaIOS.ID, "remove alice@example.com bob@example.com")
	require.Nil(t, r.after)
	assert.Equal(t, ephemeralAck("Tell me one address to remove, like `/invite-tester remove alice@example.com`."), r.ack)
}
