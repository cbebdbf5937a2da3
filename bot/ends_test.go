package bot

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// Access that ends is told in the invite's thread.

// anaInvitesFor14Days has ana invite alice for 14 days, and returns the invite's parent message
// and alice's end as the expiry package will hand it over.
func anaInvitesFor14Days(t *testing.T, tb *testBot) (slackfake.Message, expiry.End) {
	t.Helper()
	posts := anaInvites(t, tb, "alice@example.com for 14d")
	require.NotEmpty(t, posts)
	ends, err := tb.d.Store.UpcomingEnds(t.Context(), []string{betaIOS.ID}, 10)
	require.NoError(t, err)
	require.Len(t, ends, 1)
	return posts[0], ends[0]
}

func TestAnEndIsToldInTheInvitesThread(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	parent, end := anaInvitesFor14Days(t, tb)
	threads := tb.Bot.ends

	end.State = expiry.Ended
	require.NoError(t, threads.Ended(t.Context(), end))
	end.State = expiry.Gone
	require.NoError(t, threads.Ended(t.Context(), end))
	end.State = expiry.Failed
	require.NoError(t, threads.Failed(t.Context(), end, invite.Problem{Kind: invite.RateLimited}))
	tb.drain()

	told := tb.posts(betaIOS.ID)[3:]
	require.Len(t, told, 3)
	for _, m := range told {
		assert.Equal(t, parent.TS, m.ThreadTS, "in the invite's thread: %s", m.Text)
	}
	when := slackDate(end.EndsAt)
	assert.Equal(t, ":hourglass: Access for *alice@example.com* to *Acme iOS beta* ended as planned "+when+": I removed them from Applivery (OTP user `"+end.OTPUserID+"`).", told[0].Text)
	assert.Equal(t, ":hourglass: Access for *alice@example.com* to *Acme iOS beta* ended as planned "+when+". Applivery no longer had them: they had been removed outside the bot (from its dashboard, or by Applivery itself).", told[1].Text)
	assert.Equal(t, ":warning: Access for *alice@example.com* to *Acme iOS beta* was to end "+when+", but Applivery kept failing. "+
		"Applivery is receiving too many requests: try again in a minute. Remove them with `/invite-tester remove alice@example.com` in <#C0123ABCD>.", told[2].Text)
}

// An end's note is saved in the outbox before Ended returns, so the expiry package is done with
// it; a channel gone since the invite makes the note final, and nothing else is tried.
func TestAnEndIsToldThroughTheOutbox(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping)
	_, end := anaInvitesFor14Days(t, tb)
	tb.slack.Refuse(func(c slackfake.Call) string {
		if strings.HasPrefix(c.Method, "chat.") {
			return "channel_not_found"
		}
		return ""
	})

	end.State = expiry.Ended
	require.NoError(t, tb.Bot.ends.Ended(t.Context(), end))
	tb.drain()
	assert.Len(t, tb.posts(betaIOS.ID), 3, "nothing more was posted")
	var refused []string
	for _, c := range tb.slack.Calls("") {
		if c.Error == "channel_not_found" {
			refused = append(refused, c.Method)
		}
	}
	assert.Equal(t, []string{"chat.postMessage"}, refused, "the note was tried once, and that was final")
}
