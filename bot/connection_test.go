package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/slackfake"
)

func waitContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Slack refreshes each connection on its own schedule, and slack-go closes the old one before
// it opens the next. With two, envelopes keep being acked meanwhile, by the other connection,
// and the bot stays ready; here the refreshed one cannot come back for a while at all.
func TestWhileSlackRefreshesOneConnectionTheOtherServes(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	sb := startSocketBot(t, fake, Deps{}, 2)
	ctx := waitContext(t)
	require.NoError(t, fake.WaitConnections(ctx, 2))
	for _, hello := range []string{`"msg":"connected to Slack","connection":1`, `"msg":"connected to Slack","connection":2`} {
		require.NoError(t, sb.logs.WaitFor(ctx, hello)) // logged once the connection counts as up
	}
	fake.FailNext("apps.connections.open", "internal_error", 3) // the refreshed one stays away

	before := fake.Connections()
	refreshed := fake.DisconnectOldest("refresh_requested")
	require.NoError(t, sb.logs.WaitFor(ctx, `"reason":"Slack asked the bot to reconnect (reason: refresh_requested)","connection":`))

	for range 3 {
		id := fake.Event(map[string]any{"type": "app_mention", "user": "U1", "text": "hi"})
		ack, err := fake.WaitAck(ctx, id)
		require.NoError(t, err)
		assert.NotEqual(t, refreshed, ack.Connection, "not by the connection being refreshed")
		assert.LessOrEqual(t, ack.Connection, before, "by one open before the refresh, not one that had to come back first")
	}
	assert.True(t, sb.socks.connectedToSlack(), "ready throughout: one connection is live")
	require.NoError(t, fake.WaitConnections(ctx, 2), "the refreshed connection comes back; logs:\n%s", sb.logs)
}

// link_disabled means Socket Mode was turned off for the app: connecting again cannot help, so
// the bot stops trying and says what a person must do.
func TestLinkDisabledStopsTheBotAndSaysWhy(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	sb := startSocketBot(t, fake, Deps{}, 2)
	ctx := waitContext(t)
	require.NoError(t, fake.WaitConnections(ctx, 2))

	fake.Disconnect("link_disabled")

	select {
	case <-sb.stopped:
	case <-ctx.Done():
		t.Fatalf("the bot kept going after link_disabled; logs:\n%s", sb.logs)
	}
	require.ErrorIs(t, sb.err, ErrLinkDisabled)
	select {
	case <-sb.Failed():
	default:
		t.Fatal("Failed is not closed")
	}
	assert.Len(t, fake.Calls("apps.connections.open"), 2, "never tried again")
	assert.Contains(t, sb.logs.String(), `"level":"ERROR","msg":"Slack ended the Socket Mode connection with link_disabled: Socket Mode is off for this app; turn it on`)
	assert.NotContains(t, sb.logs.String(), "could not connect to Slack")
	assert.NotContains(t, sb.logs.String(), "reconnecting")
}

// Slack allows an app ten connections across its processes; an eleventh is refused. The log
// names the setting that decides it, and the bot keeps trying, since one may close.
func TestTooManyConnectionsNamesSlackConnections(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	fake.FailNext("apps.connections.open", "too_many_websockets", 1)
	sb := startSocketBot(t, fake, Deps{}, 2)
	ctx := waitContext(t)

	require.NoError(t, fake.WaitConnections(ctx, 2), "both connect once Slack lets them; logs:\n%s", sb.logs)
	require.NoError(t, sb.logs.WaitFor(ctx, tooManyConnectionsAdvice))
	assert.Equal(t, 1, strings.Count(sb.logs.String(), `"level":"ERROR"`), sb.logs.String())
}
