package bot

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/internal/slackauth"
	"github.com/testerbot/testerbot/internal/wait"
)

// The Socket Mode connection's life: how long to wait before connecting again, and what the log
// says when it drops.
//
// slack-go's connect loop (socketmode.Client.connect) waits between failed attempts with a
// backoff of its own that starts at 100 ms, doubles, has no jitter and stops only at 5 minutes:
// after a minute of apps.connections.open failing it waits 51 s, then 102 s, so the bot comes
// back long after Slack does. The backoff is internal to the library, but the loop sends a
// ConnectionError event before each wait and returns as soon as its context ends. So the bot
// runs the library under a context of its own, ends it at every ConnectionError, waits
// reconnectWait (capped, jittered) and runs the library again, whose next attempt is then
// immediate. No fork, and nothing of the library's state survives between runs but its Events
// channel.

// Reconnect waits: exponential from reconnectBase, capped at reconnectCap, "equal jitter" so
// that replicas cut off together do not come back in step.
const (
	reconnectBase = 100 * time.Millisecond // as slack-go's own first wait
	reconnectCap  = 10 * time.Second
)

// reconnectWait is the wait after the failures-th failed attempt in a row (1-based): at most
// reconnectCap, or what Slack asked for in a 429's Retry-After when that is longer.
func reconnectWait(failures int, retryAfter time.Duration) time.Duration {
	d := reconnectCap
	if failures < 16 {
		d = min(reconnectBase<<max(failures-1, 0), reconnectCap)
	}
	d = d/2 + rand.N(d/2+1)
	return max(d, retryAfter)
}

// reconnector is the state runSocket shares with the event loop.
type reconnector struct {
	mu       sync.Mutex
	cancel   context.CancelFunc // ends the library's current run
	failures int                // failed attempts in a row
	wait     time.Duration      // before the next run, once cut
	cut      bool               // the current run was ended to wait our own time
	readErr  string             // the read error that ended the connection, if one did
}

// runSocket runs slack-go's Socket Mode client until ctx ends or the library gives up (a
// refused app token), waiting our own time between failed attempts (see above).
func (b *Bot) runSocket(ctx context.Context) error {
	r := &b.reconnect
	for {
		runCtx, cancel := context.WithCancel(ctx)
		r.mu.Lock()
		r.cancel, r.cut = cancel, false
		r.mu.Unlock()
		err := b.d.Socket.RunContext(runCtx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.mu.Lock()
		cut, pause := r.cut, r.wait
		r.mu.Unlock()
		if !cut {
			if slackauth.Refused(err.Error()) {
				b.countConnectFailure(true)
			}
			return err
		}
		if err := wait.Sleep(ctx, pause); err != nil {
			return err
		}
	}
}

// connectFailed handles a ConnectionError: the library is about to wait its own backoff, so
// its run is ended and the bot waits reconnectWait instead.
func (b *Bot) connectFailed(data any) {
	r := &b.reconnect
	var retryAfter time.Duration
	var cause error
	if e, ok := data.(*slack.ConnectionErrorEvent); ok {
		cause = e.ErrorObj
		if rl, ok := errors.AsType[*slack.RateLimitedError](e.ErrorObj); ok {
			retryAfter = rl.RetryAfter
		}
	}
	r.mu.Lock()
	r.failures++
	r.wait = reconnectWait(r.failures, retryAfter)
	r.cut = true
	failures, pause, cancel := r.failures, r.wait, r.cancel
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	b.countConnectFailure(false)
	reason := ""
	if cause != nil {
		reason = cause.Error()
	}
	b.log.Warn("could not connect to Slack; trying again", "error", reason, "attempt", failures, "retry_in", pause.Round(10*time.Millisecond).String())
}

// connected resets the count of failures once Slack said hello.
func (b *Bot) connectedAgain() {
	r := &b.reconnect
	r.mu.Lock()
	r.failures = 0
	r.mu.Unlock()
}

// logDrop logs, at INFO, why the connection that just ended ended, as the library's log said
// (see SocketModeLog), or the read error that ended it.
func (b *Bot) logDrop() {
	reason := b.d.SocketLog.takeReason()
	b.reconnect.mu.Lock()
	if reason == "" {
		reason = b.reconnect.readErr
	}
	b.reconnect.readErr = ""
	b.reconnect.mu.Unlock()
	if reason == "" {
		reason = "unknown"
	}
	b.log.Info("disconnected from Slack; reconnecting", "reason", reason)
}

// incomingError handles a failed read from the socket. During shutdown it is the socket being
// closed on purpose, which is no problem at all; a message that is not JSON leaves the
// connection up; anything else ends the connection, which logDrop reports.
func (b *Bot) incomingError(ctx context.Context, data any) {
	if ctx.Err() != nil {
		return
	}
	err := errors.New(errString(data))
	if e, ok := data.(*slack.IncomingEventError); ok && e.ErrorObj != nil {
		err = e.ErrorObj
	}
	_, syntax := errors.AsType[*json.SyntaxError](err)
	_, typeErr := errors.AsType[*json.UnmarshalTypeError](err)
	if syntax || typeErr {
		b.log.Warn("Slack sent a message that is not JSON; ignored", "error", err.Error())
		return
	}
	b.reconnect.mu.Lock()
	b.reconnect.readErr = err.Error()
	b.reconnect.mu.Unlock()
}

// connectMetrics is what Metrics may also count (ops.Metrics does).
type connectMetrics interface{ SlackConnectFailure(auth bool) }

func (b *Bot) countConnectFailure(auth bool) {
	if m, ok := b.metrics.(connectMetrics); ok {
		m.SlackConnectFailure(auth)
	}
}
