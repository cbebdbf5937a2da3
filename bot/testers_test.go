package bot

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// Telling invited testers who are members of the workspace.

func TestOnlyNewTestersInTheWorkspaceAreToldTheyWereInvited(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	tb.slack.AddUser(slackfake.User{ID: "U0ALICE01", Email: "alice@example.com"})
	tb.slack.AddUser(slackfake.User{ID: "U0CAROL01", Email: "carol@example.com"})
	tb.applivery.AddOTPUser(betaIOS.Store, applivery.OTPUser{Email: "carol@example.com", PublishedApplicationID: iosApp.ID})

	anaInvites(t, tb, "alice@example.com bob@example.com carol@example.com")

	dms := tb.posts("U0ALICE01")
	require.Len(t, dms, 1)
	assert.Equal(t, ":wave: <@U0ANA0001> invited you (alice@example.com) to test *Acme iOS beta*.\n"+
		"Applivery is sending that address an email with a one-time password: open <https://acme.applivery.io/acme-ios>, "+
		"sign in with your address and that password, and install the app. Can't find the email? Look in spam for a message from Applivery.", dms[0].Text)
	// Each DM is its own outbox message, looked up on its own lane: in no set order.
	assert.ElementsMatch(t, []string{"alice@example.com", "bob@example.com"}, tb.lookedUp(),
		"bob is looked for but is not in the workspace; carol was a tester already")
	assert.Empty(t, tb.posts("U0CAROL01"))
}

func TestNoTesterIsToldWhenTheChannelSaysNotTo(t *testing.T) {
	t.Parallel()
	quiet := strings.Replace(membersMapping, "    downloads: 3\n", "    downloads: 3\n    notify_testers: false\n", 1)
	tb := newTestBot(t, quiet)
	tb.slack.AddUser(slackfake.User{ID: "U0ALICE01", Email: "alice@example.com"})

	anaInvites(t, tb, "alice@example.com")

	assert.Len(t, tb.applivery.OTPUsers(betaIOS.Store), 1, "invited")
	assert.Empty(t, tb.posts("U0ALICE01"), "but not told in Slack")
	assert.Empty(t, tb.lookedUp(), "nor looked for")
}

// A channel linked with /invite-tester setup tells its testers too: the setting travels on the
// request, not through a second look at the mapping.
func TestTestersInvitedFromALinkedChannelAreTold(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, leadsMapping)
	tb.slack.AddUser(slackfake.User{ID: "U0ALICE01", Email: "alice@example.com"})
	tb.slack.AddChannel("C0LINKED1", "linked") // the bot is in the channel it was linked from
	_, err := tb.d.Mappings.Save(t.Context(), config.Channel{ID: "C0LINKED1", Store: betaIOS.Store, Apps: []config.App{iosApp},
		Downloads: 3, NotifyTesters: true, Source: config.FromSlack, LinkedBy: ana})
	require.NoError(t, err)

	tb.run(tb.command(ana, "C0LINKED1", "alice@example.com"))

	assert.Len(t, tb.applivery.OTPUsers(betaIOS.Store), 1, "invited")
	dms := tb.posts("U0ALICE01")
	require.Len(t, dms, 1, "and told, once")
	assert.Contains(t, dms[0].Text, "invited you (alice@example.com) to test *Acme iOS beta*")
}
