// Package bot is the Slack side of the tester bot. It holds the Socket Mode connections, routes
// each envelope to exactly one handler, acks at once (with a modal's validation errors when there
// are any) and does the slow work after the ack. Its surfaces are the /invite-tester command and
// its subcommands (list, history, remove, setup, help), the invite form and the two shortcuts
// that open it, the App Home, the results thread of each request, the direct messages to new
// testers, the requests put to the QA leads and their decisions, and the notes when access ends.
// Every Slack write after an ack goes through the outbox (package outbox), paced to Slack's
// limits. Views are built by pure functions and golden-file tested. The invite work itself lives
// in package invite, who may do what in package access, requests for testers in package
// approval, and access that ends in package expiry.
package bot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack/socketmode"
	"golang.org/x/time/rate"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/access"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/cache"
	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/mapping"
	"github.com/testerbot/testerbot/internal/outbox"
	"github.com/testerbot/testerbot/internal/store"
)

// Mappings says which channels invite into which store and apps; *mapping.Live has it. A
// channel's Source says whether the mapping file manages it or it was linked from Slack (then
// LinkedBy says by whom). Channel and All read what this process last loaded, without waiting,
// for acks; the others ask the database.
type Mappings interface {
	Channel(id string) (config.Channel, bool)
	All() []config.Channel
	Lookup(ctx context.Context, id string) (config.Channel, bool, error)
	Changes(ctx context.Context, id string) ([]mapping.Change, error)
	Save(ctx context.Context, link config.Channel) (*config.Channel, error)
	Remove(ctx context.Context, channelID, by string) (*config.Channel, error)
}

// History reads the audit log.
type History interface {
	Recent(ctx context.Context, q store.Query) ([]store.Entry, error)
}

// Envelopes remembers which envelopes some process already handled; *store.Store has it.
type Envelopes interface {
	FirstToHandle(ctx context.Context, id string) (bool, error)
}

// Ends says when testers' access ends; *store.Store has it.
type Ends interface {
	AccessEnds(ctx context.Context, storeID string, otpUserIDs []string) (map[string]time.Time, error)
	UpcomingEnds(ctx context.Context, channelIDs []string, limit int) ([]expiry.End, error)
}

// Metrics is told what happens, for operators; *ops.Metrics has it.
type Metrics interface {
	Outcome(o invite.Outcome)
	AckLatency(envelopeType string, d time.Duration)
	SlackError(method, code string)
	Reconnect()
	InFlight(delta int)
}

// noMetrics stands in when Deps has no Metrics.
type noMetrics struct{}

func (noMetrics) Outcome(invite.Outcome)           {}
func (noMetrics) AckLatency(string, time.Duration) {}
func (noMetrics) SlackError(string, string)        {}
func (noMetrics) Reconnect()                       {}
func (noMetrics) InFlight(int)                     {}

// Deps are what the bot needs; package app builds them.
type Deps struct {
	// Sockets are the bot's Socket Mode connections (NewSocket), at least one. With two or more,
	// one being refreshed by Slack leaves the others serving (see connection.go).
	Sockets     []Socket
	Slack       SlackAPI
	Mappings    Mappings
	MappingFile string // named in messages about unmapped channels
	Invites     *invite.Service
	Asks        *approval.Service // requests for testers put to the QA leads; nil: none
	Expiry      *expiry.Service   // ends access on time; nil: nothing ends
	Ends        Ends              // when testers' access ends, for list and the App Home
	Catalog     Catalog           // Applivery's stores and apps, for /invite-tester setup
	Access      *access.Policy
	History     History   // may be nil: no history shown
	Envelopes   Envelopes // may be nil: duplicates are caught in this process only
	Logger      *slog.Logger
	Metrics     Metrics      // may be nil
	HTTPClient  *http.Client // for response_url posts
	// Outbox keeps the Slack writes after acks until they are sent (*store.Store has it), sent
	// through OutboxSlack (default Slack): a client that does not wait out 429s itself, since the
	// sender paces each channel and method and must never sleep in one for the others.
	Outbox          outbox.Store
	OutboxSlack     SlackAPI
	Pace            outbox.Pace
	OutboxObserver  outbox.Observer // may be nil
	MaxCommandBytes int             // longer command text is refused in the ack
	ListLimit       int             // most testers one list shows
	Command         string          // the slash command's name, "/invite-tester"
}

// Bot serves one Slack app over Socket Mode.
type Bot struct {
	d     Deps
	log   *slog.Logger
	slack *slackCalls
	out   *outbox.Outbox
	names *cache.Cache[string] // channel id → "#name"
	// namePace keeps channel-name look-ups (conversations.info, Tier 3: 50 a minute per
	// workspace) under Slack's limit, so a mapping of many channels is named over time rather
	// than answered with 429s.
	namePace *rate.Limiter

	storesCache *cache.Cache[[]applivery.Store]        // Applivery's stores, for setup
	appsCache   *cache.Cache[[]applivery.PublishedApp] // each store's publications, by store id
	seen        *envelopeLog
	metrics     Metrics
	routes      map[routeKey]func(socketmode.Event) reply

	conns         []*connection // Deps.Sockets, see connection.go
	draining      atomic.Bool   // shutting down: refuse new work
	work          workTracker
	workCtx       context.Context
	abortWork     context.CancelFunc
	scanCtx       context.Context // looking for unfinished invites to resume
	stopScanning  context.CancelFunc
	sendCtx       context.Context // the outbox's sender
	stopSending   context.CancelFunc
	senderDone    chan struct{} // closed once the outbox's sender has stopped and given its lanes up
	senderStarted atomic.Bool   // Run started the sender
}

// New builds a Bot from its dependencies.
func New(d Deps) *Bot {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if d.MaxCommandBytes <= 0 {
		d.MaxCommandBytes = 8000
	}
	if d.ListLimit <= 0 {
		d.ListLimit = 50
	}
	if d.Command == "" {
		d.Command = "/invite-tester"
	}
	if d.Metrics == nil {
		d.Metrics = noMetrics{}
	}
	b := &Bot{d: d, log: d.Logger, metrics: d.Metrics, seen: newEnvelopeLog(10*time.Minute, 10000),
		names:       cache.New[string](time.Hour, time.Minute),
		namePace:    newNamePace(d.Pace.Minute),
		storesCache: cache.New[[]applivery.Store](time.Minute, 10*time.Second),
		appsCache:   cache.New[[]applivery.PublishedApp](time.Minute, 10*time.Second)}
	b.slack = &slackCalls{api: d.Slack, httpClient: d.HTTPClient,
		onError: func(method string, err error) { d.Metrics.SlackError(method, slackErrorCode(err)) }}
	if d.OutboxSlack == nil {
		d.OutboxSlack = d.Slack
	}
	sender := slackWriter{&slackCalls{api: d.OutboxSlack, httpClient: d.HTTPClient, onError: b.slack.onError}}
	b.out = outbox.New(d.Outbox, sender, outbox.Options{Pace: d.Pace, Logger: d.Logger,
		Observe: d.OutboxObserver, Failed: b.outboxFailed})
	b.workCtx, b.abortWork = context.WithCancel(context.Background())
	b.sendCtx, b.stopSending = context.WithCancel(context.Background())
	b.senderDone = make(chan struct{})
	b.scanCtx, b.stopScanning = context.WithCancel(b.workCtx)
	for i, s := range d.Sockets {
		b.conns = append(b.conns, newConnection(i+1, s))
	}
	b.routes = routeTable(b.commandRoutes(), b.inviteModalRoutes(), b.shortcutRoutes(), b.homeRoutes(),
		b.findRoutes(), b.revokeRoutes(), b.targetRoutes(), b.setupRoutes(), b.askRoutes())
	return b
}

// Run connects to Slack and serves envelopes until ctx ends; meanwhile it finishes the invites
// that a stopped process left unfinished. In-flight work is not waited for here: call Drain
// and Wait first for a graceful stop.
func (b *Bot) Run(ctx context.Context) error {
	if len(b.conns) == 0 {
		return errors.New("bot: no Socket Mode connection in Deps.Sockets")
	}
	b.senderStarted.Store(true)
	go func() {
		defer close(b.senderDone)
		b.out.Run(b.sendCtx)
	}()
	if b.d.Invites != nil {
		go b.d.Invites.Supervise(b.scanCtx, b.workCtx, &resultsThread{b: b})
	}
	if b.d.Expiry != nil {
		go b.d.Expiry.Supervise(b.scanCtx, b.workCtx, endsThread{b})
	}
	if b.d.Asks != nil {
		go b.d.Asks.Supervise(b.scanCtx, b)
	}
	return b.serveConnections(ctx)
}

// appTokenAdvice is what to do when Slack refuses SLACK_APP_TOKEN.
const appTokenAdvice = "Slack refused SLACK_APP_TOKEN: create an app-level token (xapp-…) with the connections:write scope " +
	"on your Slack app's Basic Information page, set it as SLACK_APP_TOKEN, check that Socket Mode is on, " +
	"and run `testerbot check` to try it"

// Ready reports whether the bot has a live connection to Slack and Slack takes its bot token.
func (b *Bot) Ready() bool { return b.connectedToSlack() && b.out.Ready() }

// Outbox is the bot's outbox, for operators (metrics) and tests.
func (b *Bot) Outbox() *outbox.Outbox { return b.out }

// Drain makes the bot refuse new work ("restarting, try again in a moment") and stop resuming
// others' invites, while the socket stays up, so in-flight invites can still post their results.
func (b *Bot) Drain() {
	b.draining.Store(true)
	b.stopScanning()
}

// drainWait is how long a graceful stop gives the outbox to send what it holds. Not longer: what
// is left is in the database, and the next process sends it; DMs paced under Tier 3 may take
// minutes.
const drainWait = 2 * time.Second

// Wait blocks until in-flight work is done or ctx ends; then the remaining work is cancelled,
// and what an invite could not finish stays in the database for the next process to resume.
// It reports whether everything finished in time.
func (b *Bot) Wait(ctx context.Context) bool {
	defer b.stopSender() // what the outbox still holds is sent by the next process
	if b.waitIdle(ctx) {
		drainCtx, cancel := context.WithTimeout(ctx, drainWait)
		_ = b.out.Drain(drainCtx) // best effort: unsent messages are safe in the database
		cancel()
		return true
	}
	b.abortWork() // everything in flight watches the work context and returns promptly
	b.waitIdle(context.Background())
	return false
}

// stopSender stops the outbox's sender and waits until it has given its lanes up, so that the
// database it writes to is not closed under it. The sender gives up on its own after 20 s.
func (b *Bot) stopSender() {
	b.stopSending()
	if !b.senderStarted.Load() {
		return
	}
	select {
	case <-b.senderDone:
	case <-time.After(30 * time.Second):
		b.log.Warn("the outbox's sender did not stop in time")
	}
}

// waitIdle waits for the work after acks and the invites resumed here.
func (b *Bot) waitIdle(ctx context.Context) bool {
	select {
	case <-b.work.idle():
	case <-ctx.Done():
		return false
	}
	return (b.d.Invites == nil || b.d.Invites.Wait(ctx)) && (b.d.Expiry == nil || b.d.Expiry.Wait(ctx))
}

func errString(data any) string {
	if e, ok := data.(interface{ Error() string }); ok {
		return e.Error()
	}
	if e, ok := data.(interface{ Err() error }); ok && e.Err() != nil {
		return e.Err().Error()
	}
	return ""
}
