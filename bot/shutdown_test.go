package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/slackfake"
)

// slowCommand is a command of the tests' own whose work after the ack runs until released.
const slowCommand = "/slow"

// slowWork is the work of slowCommand: it says when it starts, and how it ended.
type slowWork struct {
	started chan struct{}
	release chan struct{}
	ended   chan error // nil: it finished; else its context's error
}

// startSlowBot runs a bot whose slowCommand does slowWork.
func startSlowBot(t *testing.T) (*socketBot, *slackfake.Server, *slowWork) {
	t.Helper()
	fake := slackfake.New(t)
	w := &slowWork{started: make(chan struct{}, 1), release: make(chan struct{}), ended: make(chan error, 1)}
	sb := startSocketBotWith(t, fake, Deps{}, 1, func(b *Bot) {
		b.routes[routeKey{kindCommand, slowCommand}] = func(socketmode.Event) reply {
			return reply{after: func(ctx context.Context) {
				w.started <- struct{}{}
				select {
				case <-w.release:
					w.ended <- nil
				case <-ctx.Done():
					w.ended <- ctx.Err()
				}
			}}
		}
	})
	require.NoError(t, fake.WaitConnected(waitContext(t)))
	return sb, fake, w
}

func (sb *socketBot) slow(t *testing.T, fake *slackfake.Server) string {
	t.Helper()
	return fake.SlashCommand(slackfake.SlashCommand{UserID: "U0LEAD0001", ChannelID: betaIOS.ID, Command: slowCommand})
}

// Shutdown refuses new work while the connection stays up, waits for the work in flight, and
// returns once Run is returning: every goroutine the bot started has ended.
func TestShutdownLetsTheWorkInFlightFinish(t *testing.T) {
	t.Parallel()
	sb, fake, w := startSlowBot(t)
	ctx := waitContext(t)
	sb.slow(t, fake)
	<-w.started

	shutdown := make(chan error, 1)
	go func() { shutdown <- sb.Shutdown(ctx) }()
	// Logged once new work is refused: an operator (or the SIGTERM test) may send a command the
	// moment they read it.
	require.NoError(t, sb.logs.WaitFor(ctx, `"msg":"shutting down: finishing in-flight work"`))
	late := sb.slow(t, fake)
	_, err := fake.WaitAck(ctx, late)
	require.NoError(t, err, "acked while shutting down")
	_, err = fake.WaitResponsePost(ctx, func(p slackfake.ResponsePost) bool { return strings.Contains(string(p.Body), "restarting") })
	require.NoError(t, err, "the late command is answered \"restarting\"; logs:\n%s", sb.logs)
	select {
	case <-shutdown:
		t.Fatal("Shutdown returned while work was in flight")
	case <-w.started:
		t.Fatal("the late command's work started")
	default:
	}

	close(w.release)
	require.NoError(t, <-shutdown)
	require.NoError(t, <-w.ended, "the work finished on a live context")
	<-sb.stopped // returning: its goroutines have all ended
	require.NoError(t, sb.err)
	select {
	case <-sb.Failed():
		t.Fatal("Failed closed by a shutdown")
	default:
	}
}

// A Shutdown that cannot wait any longer cancels the work in flight, and says so.
func TestShutdownThatCannotWaitCancelsTheWorkInFlight(t *testing.T) {
	t.Parallel()
	sb, fake, w := startSlowBot(t)
	sb.slow(t, fake)
	<-w.started

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the deadline has passed
	require.ErrorIs(t, sb.Shutdown(ctx), context.Canceled)
	require.ErrorIs(t, <-w.ended, context.Canceled, "the work was cancelled")
	<-sb.stopped
	require.NoError(t, sb.err)
}
