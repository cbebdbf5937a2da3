package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/testerbot/testerbot/internal/slackauth"
	"github.com/testerbot/testerbot/internal/wait"
)

// The Socket Mode connections' life: how many, how long to wait before connecting again, and
// what the log says when one drops.
//
// Slack refreshes each Socket Mode connection every few hours, and slack-go closes the old
// connection before it opens the new one: a process with one connection misses the envelopes
// Slack sends in between (Slack retries them, late). So the bot holds several connections (Slack
// allows ten per app and sends each envelope to one of them); while one is refreshed, the others
// serve. Envelopes are de-duplicated (duplicates.go), so one delivered twice is handled once.
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

// Socket is one Socket Mode connection's client and its log. Build it with NewSocket.
type Socket struct {
	Client *socketmode.Client
	Log    *SocketModeLog // the client's log, for why its connection ends; may be nil
}

// NewSocket returns a Socket Mode client on api whose log tells the bot why its connection
// ends (see SocketModeLog): debug on, every other line dropped.
func NewSocket(api *slack.Client, opts ...socketmode.Option) Socket {
	l := NewSocketModeLog()
	opts = append([]socketmode.Option{socketmode.OptionDebug(true), socketmode.OptionLog(log.New(l, "", 0))}, opts...)
	return Socket{Client: socketmode.New(api, opts...), Log: l}
}

// ErrLinkDisabled is what Run's error wraps once Slack said link_disabled: Socket Mode is off for
// the app, and connecting again cannot help until a person turns it back on.
var ErrLinkDisabled = errors.New("socket mode connection disabled by Slack (link_disabled)")

// linkDisabledAdvice is what to do about ErrLinkDisabled.
const linkDisabledAdvice = "Slack ended the Socket Mode connection with link_disabled: Socket Mode is off for this app; " +
	"turn it on under Socket Mode in the app's settings (api.slack.com/apps), then restart the bot"

// tooManyConnectionsAdvice is what to do when Slack refuses a connection because the app holds
// its ten already; the bot keeps trying, since one may close.
const tooManyConnectionsAdvice = "Slack refused another Socket Mode connection (too_many_websockets): an app may hold 10 across all its processes; " +
	"lower SLACK_CONNECTIONS or the number of replicas so that replicas × SLACK_CONNECTIONS is at most 10"

// sockets are the bot's Socket Mode connections, and what they need of the rest of the bot: a
// log, metrics, and handle, which takes each envelope (acking it on the connection it came by).
type sockets struct {
	conns   []*connection
	log     *slog.Logger
	metrics Metrics
	handle  func(sock acker, evt socketmode.Event)
}

func newSockets(ss []Socket, log *slog.Logger, metrics Metrics, handle func(acker, socketmode.Event)) *sockets {
	k := &sockets{log: log, metrics: metrics, handle: handle}
	for i, s := range ss {
		k.conns = append(k.conns, newConnection(i+1, s))
	}
	return k
}

// connection is one Socket Mode connection of the bot: the library's client and the state its
// run loop (runSocket) shares with its event loop (serve).
type connection struct {
	number    int // 1, 2…: named in the log
	client    *socketmode.Client
	log       *SocketModeLog
	connected atomic.Bool // greeted by Slack and not dropped since

	mu           sync.Mutex
	cancel       context.CancelFunc // ends the library's current run
	failures     int                // failed attempts in a row
	wait         time.Duration      // before the next run, once cut
	cut          bool               // the current run was ended to wait our own time
	linkDisabled bool               // Slack said link_disabled: the run was ended for good
	readErr      string             // the read error that ended the connection, if one did
}

func newConnection(number int, s Socket) *connection {
	c := &connection{number: number, client: s.Client, log: s.Log}
	if c.log != nil {
		c.log.onLinkDisabled = c.disableLink
	}
	return c
}

// disableLink ends the library's run before it reconnects: the log hears of Slack's disconnect
// request before the library acts on it.
func (c *connection) disableLink() {
	c.mu.Lock()
	c.linkDisabled = true
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (c *connection) disabled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.linkDisabled
}

// serveConnections runs every connection until ctx ends or one of them fails for good (a
// refused app token, link_disabled), which ends the others too: what stops one stops all.
func (k *sockets) serveConnections(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(k.conns))
	var wg sync.WaitGroup
	for i, c := range k.conns {
		wg.Go(func() {
			if errs[i] = k.serve(ctx, c); errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	return errors.Join(slices.DeleteFunc(errs, func(err error) bool { return err == nil })...)
}

// serve handles one connection's events while runSocket keeps it up; it returns nil once ctx
// ends, or why the connection cannot be kept.
func (k *sockets) serve(ctx context.Context, c *connection) error {
	errc := make(chan error, 1)
	go func() { errc <- k.runSocket(ctx, c) }()
	for {
		select {
		case evt := <-c.client.Events:
			k.onSocketEvent(ctx, c, evt)
		case err := <-errc:
			c.connected.Store(false)
			k.drainSocketEvents(ctx, c) // what slack-go reported before it gave up is logged first
			switch {
			case errors.Is(err, ErrLinkDisabled):
				k.log.Error(linkDisabledAdvice, "connection", c.number)
				return fmt.Errorf("%s (%w)", linkDisabledAdvice, err)
			case ctx.Err() != nil:
				return nil
			}
			if refusal, ok := errors.AsType[slack.SlackErrorResponse](err); ok && slackauth.RefusedAppToken(refusal.Err) {
				k.log.Error(appTokenAdvice, "error", refusal.Err, "connection", c.number)
				return fmt.Errorf("%s (%w)", appTokenAdvice, err)
			}
			return err
		}
	}
}

// drainSocketEvents handles the events slack-go queued before its connection loop ended.
func (k *sockets) drainSocketEvents(ctx context.Context, c *connection) {
	for {
		select {
		case evt := <-c.client.Events:
			k.onSocketEvent(ctx, c, evt)
		default:
			return
		}
	}
}

// runSocket runs slack-go's Socket Mode client until ctx ends or the library gives up (a
// refused app token), waiting our own time between failed attempts (see above).
func (k *sockets) runSocket(ctx context.Context, c *connection) error {
	for {
		runCtx, cancel := context.WithCancel(ctx)
		c.mu.Lock()
		c.cancel, c.cut = cancel, false
		disabled := c.linkDisabled
		c.mu.Unlock()
		if disabled {
			cancel()
			return ErrLinkDisabled
		}
		err := c.client.RunContext(runCtx)
		cancel()
		c.mu.Lock()
		cut, pause, disabled := c.cut, c.wait, c.linkDisabled
		c.mu.Unlock()
		switch {
		case disabled:
			return ErrLinkDisabled
		case ctx.Err() != nil:
			return ctx.Err()
		case !cut:
			if slackauth.Refused(err.Error()) {
				k.countConnectFailure(true)
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
func (k *sockets) connectFailed(c *connection, data any) {
	var retryAfter time.Duration
	var cause error
	if e, ok := data.(*slack.ConnectionErrorEvent); ok {
		cause = e.ErrorObj
		if rl, ok := errors.AsType[*slack.RateLimitedError](e.ErrorObj); ok {
			retryAfter = rl.RetryAfter
		}
	}
	c.mu.Lock()
	if c.linkDisabled { // the attempt failed because the bot ended it
		c.mu.Unlock()
		return
	}
	c.failures++
	c.wait = reconnectWait(c.failures, retryAfter)
	c.cut = true
	failures, pause, cancel := c.failures, c.wait, c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	k.countConnectFailure(false)
	reason := ""
	if cause != nil {
		reason = cause.Error()
	}
	if refusal, ok := errors.AsType[slack.SlackErrorResponse](cause); ok && refusal.Err == "too_many_websockets" {
		k.log.Error(tooManyConnectionsAdvice, "attempt", failures, "retry_in", pause.Round(10*time.Millisecond).String(), "connection", c.number)
		return
	}
	k.log.Warn("could not connect to Slack; trying again", "error", reason, "attempt", failures,
		"retry_in", pause.Round(10*time.Millisecond).String(), "connection", c.number)
}

// connectedAgain resets the count of failures once Slack said hello.
func (c *connection) connectedAgain() {
	c.mu.Lock()
	c.failures = 0
	c.mu.Unlock()
}

// logDrop logs, at INFO, why the connection that just ended ended, as the library's log said
// (see SocketModeLog), or the read error that ended it.
func (k *sockets) logDrop(c *connection) {
	reason := c.log.takeReason()
	c.mu.Lock()
	if reason == "" {
		reason = c.readErr
	}
	c.readErr = ""
	c.mu.Unlock()
	if reason == "" {
		reason = "unknown"
	}
	k.log.Info("disconnected from Slack; reconnecting", "reason", reason, "connection", c.number)
}

// incomingError handles a failed read from the socket. During shutdown it is the socket being
// closed on purpose, which is no problem at all; a message that is not JSON leaves the
// connection up; anything else ends the connection, which logDrop reports.
func (k *sockets) incomingError(ctx context.Context, c *connection, data any) {
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
		k.log.Warn("Slack sent a message that is not JSON; ignored", "error", err)
		return
	}
	c.mu.Lock()
	c.readErr = err.Error()
	c.mu.Unlock()
}

// onSocketEvent handles one event of connection c.
func (k *sockets) onSocketEvent(ctx context.Context, c *connection, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		if c.connected.Swap(false) && ctx.Err() == nil && !c.disabled() {
			k.metrics.Reconnect()
			k.logDrop(c)
		}
		k.log.Debug("connecting to Slack", "connection", c.number)
	case socketmode.EventTypeHello:
		c.connected.Store(true)
		c.connectedAgain()
		k.log.Info("connected to Slack", "connection", c.number)
	case socketmode.EventTypeConnectionError:
		c.connected.Store(false)
		if ctx.Err() == nil { // while shutting down, the attempt was cancelled on purpose
			k.connectFailed(c, evt.Data)
		}
	case socketmode.EventTypeInvalidAuth:
		k.countConnectFailure(true)
		k.log.Error(appTokenAdvice, "connection", c.number)
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		k.handle(c.client, evt)
	case socketmode.EventTypeIncomingError:
		k.incomingError(ctx, c, evt.Data)
	case socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		if ctx.Err() == nil { // while shutting down, the socket is closed on purpose
			k.log.Warn("Socket Mode problem", "type", string(evt.Type), "error", errString(evt.Data), "connection", c.number)
		}
	}
}

// connectedToSlack reports whether any connection is live.
func (k *sockets) connectedToSlack() bool {
	return slices.ContainsFunc(k.conns, func(c *connection) bool { return c.connected.Load() })
}

// connectMetrics is what Metrics may also count (ops.Metrics does).
type connectMetrics interface{ SlackConnectFailure(auth bool) }

func (k *sockets) countConnectFailure(auth bool) {
	if m, ok := k.metrics.(connectMetrics); ok {
		m.SlackConnectFailure(auth)
	}
}
