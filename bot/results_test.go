package bot

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/slackfake"
)

// The results thread when Slack refuses what the bot posts.

func TestResultsFallBackToPlainTextWhenSlackRefusesTheirBlocks(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	tb.slack.Refuse(func(c slackfake.Call) string {
		var blocks []json.RawMessage
		if json.Unmarshal([]byte(c.Args["blocks"]), &blocks) == nil && len(blocks) > 0 {
			return "invalid_blocks"
		}
		return ""
	})
	posts := anaInvites(t, tb, "alice@example.com bob@example.com")

	require.Len(t, posts, 3, "every message still gets through")
	parent := posts[0]
	for _, reply := range posts[1:] {
		assert.Equal(t, parent.TS, reply.ThreadTS)
		assert.Empty(t, blocksOf(t, reply), "as plain text")
	}
	assert.Regexp(t, "^:white_check_mark: \\*alice@example.com\\* invited\nOTP user `[0-9a-f]{24}` .*\n:white_check_mark: \\*bob@example.com\\* invited\nOTP user `[0-9a-f]{24}` ", posts[1].Text,
		"the text alone names each tester and their OTP user")
	assert.Contains(t, posts[2].Text, "Testers download *Acme iOS beta* from <https://acme.applivery.io/acme-ios>")
	updates := tb.updates(betaIOS.ID, parent.TS)
	require.NotEmpty(t, updates)
	assert.Equal(t, ":white_check_mark: <@U0ANA0001> invited 2 testers into *Acme iOS beta*: 2 invited. Details in the thread.", updates[len(updates)-1].Text)
	assert.Empty(t, tb.private(), "nothing went wrong that the inviter must hear of")
	assert.Len(t, tb.applivery.OTPUsers(betaIOS.Store), 2)
}

func TestWhenTheBotCannotPostInTheChannelNobodyIsInvitedAndTheInviterLearnsWhy(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	tb.slack.SetChannelMember(betaIOS.ID, false)
	tb.run(tb.command(ana, betaIOS.ID, "alice@example.com"))

	assert.Equal(t, ":warning: I can't post in <#C0123ABCD> (Slack said not_in_channel), so I did not invite anyone. "+
		"Add me to the channel first: type `/invite @testerbot` there (for a private channel, a member must do it), then try again.", tb.private())
	assert.Empty(t, tb.applivery.OTPUsers(betaIOS.Store), "results nobody could see would be lost")
}
