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
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack/socketmode"
	"golang.org/x/sync/errgroup"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/access"
	"github.com/testerbot/testerbot/internal/approval"
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

// Store is what the bot keeps in the database; *store.Store has it.
type Store interface {
	outbox.Store
	History
	Ends
	Envelopes
}

// Metrics is told what happens, for operators, the outbox's backlog included; *ops.Metrics has
// it.
type Metrics interface {
	outbox.Observer
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
func (noMetrics) Backlog(int, time.Duration)       {}

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
	Catalog     Catalog           // Applivery's stores and apps, for /invite-tester setup
	Access      *access.Policy
	// Store keeps the Slack writes after acks until they are sent (the outbox), and holds the
	// audit log, when testers' access ends, and which envelopes some process handled already.
	// Nothing is posted after an ack without it; tests of the acks alone may leave it nil.
	Store      Store
	Logger     *slog.Logger
	Metrics    Metrics      // may be nil
	HTTPClient *http.Client // for response_url posts
	// OutboxSlack (default Slack) sends the outbox's messages: a client that does not wait out
	// 429s itself, since the sender paces each channel and method and must never sleep in one
	// for the others.
	OutboxSlack     SlackAPI
	Pace            outbox.Pace
	MaxCommandBytes int    // longer command text is refused in the ack
	ListLimit       int    // most testers one list shows
	Command         string // the slash command's name, "/invite-tester"
}

// Bot serves one Slack app over Socket Mode. It owns the connections, the routing and the
// lifetime of the work; each surface (command, form, home, find, revoke, setup, asks) is a value
// of its own that holds the dependencies it uses, built in New.
type Bot struct {
	d       Deps
	replies // the bot's slack calls and log, for answering envelopes
	posts   *posts
	seen    *envelopeLog
	metrics Metrics
	routes  map[routeKey]func(socketmode.Event) reply

	// What Run supervises besides the connections: the results threads of resumed invites, the
	// notes when access ends, the requests for testers, and the naming of channels that forms
	// could not wait for.
	inviter *inviter
	ends    endsThread
	asks    *askFlow
	names   *channelNames

	socks    *sockets     // Deps.Sockets, see connection.go
	draining *atomic.Bool // shutting down: refuse new work
	work     *workTracker // envelopes being handled and the work after their acks
	life     lifetime     // what Run shares with Shutdown
}

// New builds a Bot from its dependencies.
func New(d Deps) *Bot {
	d = d.withDefaults()
	r := replies{log: d.Logger, slack: &slackCalls{api: d.Slack, httpClient: d.HTTPClient,
		onError: func(method string, err error) { d.Metrics.SlackError(method, slackErrorCode(err)) }}}
	sender := slackWriter{&slackCalls{api: d.OutboxSlack, httpClient: d.HTTPClient, onError: r.slack.onError}}
	b := &Bot{d: d, replies: r, metrics: d.Metrics, seen: newEnvelopeLog(10*time.Minute, 10000),
		posts:    newPosts(r, d.Store, sender, outbox.Options{Pace: d.Pace, Logger: d.Logger, Observe: d.Metrics}),
		draining: new(atomic.Bool), work: new(workTracker)}
	b.life.init()
	b.socks = newSockets(d.Sockets, d.Logger, d.Metrics, func(sock acker, evt socketmode.Event) {
		b.work.Go(func() { b.dispatch(sock, evt) })
	})
	b.routes = b.surfaces()
	return b
}

// withDefaults fills in what Deps may leave out.
func (d Deps) withDefaults() Deps {
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
	if d.OutboxSlack == nil {
		d.OutboxSlack = d.Slack
	}
	return d
}

// surfaces builds each surface with the dependencies it uses, and returns their routes.
func (b *Bot) surfaces() map[routeKey]func(socketmode.Event) reply {
	d, r := b.d, b.replies
	g := &gate{replies: r, access: d.Access, mappings: d.Mappings, command: d.Command, mappingFile: d.MappingFile}
	reads := &testerReads{invites: d.Invites, history: d.Store, ends: d.Store, log: d.Logger}
	b.inviter = &inviter{replies: r, invites: d.Invites, posts: b.posts, reads: reads}
	b.ends = endsThread{posts: b.posts, command: d.Command}
	b.asks = &askFlow{replies: r, asks: d.Asks, invites: d.Invites, inviter: b.inviter, mappings: d.Mappings, gate: g,
		posts: b.posts, metrics: d.Metrics, work: b.work}
	b.names = newChannelNames(r.slack, d.Pace.Minute)
	targets := &targetPicker{replies: r, mappings: d.Mappings, gate: g, names: b.names, work: b.work}
	form := &inviteForm{replies: r, gate: g, targets: targets, mappings: d.Mappings, invites: d.Invites, asks: b.asks,
		draining: b.draining}
	revoke := &revokeFlow{replies: r, gate: g, mappings: d.Mappings, invites: d.Invites, posts: b.posts, command: d.Command}
	find := &findFlow{replies: r, gate: g, targets: targets, reads: reads, revoke: revoke}
	home := &homeTab{replies: r, gate: g, reads: reads, invites: d.Invites, asks: d.Asks, form: form, find: find}
	setup := newSetupFlow(d, r, b.posts, b.work)
	commands := &commandFlow{replies: r, gate: g, mappings: d.Mappings, invites: d.Invites, reads: reads, posts: b.posts,
		form: form, asks: b.asks, setup: setup, draining: b.draining, command: d.Command, maxBytes: d.MaxCommandBytes,
		listLimit: d.ListLimit}
	return routeTable(commands.routes(), form.routes(), home.routes(), find.routes(), revoke.routes(), targets.routes(),
		setup.routes(), b.asks.routes())
}

// Run connects to Slack and serves envelopes; meanwhile it finishes the invites that a stopped
// process left unfinished, ends access on time and expires asks. It owns every goroutine it
// starts, and returns once they have all ended: after Shutdown, once the work in flight is done
// (nil); when its connections to Slack fail for good (link_disabled, a refused app token), once
// the work in flight is done too (why, also signalled at once by Failed); or, at once, when ctx
// ends, cancelling the work in flight: what it could not finish stays in the database for the
// next process. A Bot runs once.
func (b *Bot) Run(ctx context.Context) error {
	if len(b.socks.conns) == 0 {
		b.life.fail()
		return errors.New("bot: no Socket Mode connection in Deps.Sockets")
	}
	work, err := b.life.start(ctx)
	if work == nil {
		return err // ran already, or shut down before it started
	}
	defer b.life.finish()
	b.work.runOn(work)
	// The sender and the connections outlive the work: results go out, and new commands are
	// answered "restarting", until the work is done. Not derived from work, which Shutdown
	// cancels when it cannot wait any longer.
	sendCtx, stopSending := context.WithCancel(ctx)
	defer stopSending()
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()

	// A plain group, not errgroup.WithContext: a connection failing for good must not cancel the
	// work in flight, and the other goroutines return no errors.
	var g errgroup.Group
	g.Go(func() error { b.posts.out.Run(sendCtx); return nil })
	g.Go(func() error { b.names.run(serveCtx); return nil })
	if b.d.Invites != nil {
		g.Go(func() error { b.d.Invites.Supervise(work, b.inviter.thread(who{}, nil)); return nil })
	}
	if b.d.Expiry != nil {
		g.Go(func() error { b.d.Expiry.Supervise(work, b.ends); return nil })
	}
	if b.d.Asks != nil {
		g.Go(func() error { b.d.Asks.Supervise(work, b.asks); return nil })
	}
	g.Go(func() error {
		select {
		case <-b.life.stopping:
			b.finishWork(work)
		case <-ctx.Done():
		}
		stopSending()
		stopServing()
		return nil
	})
	err = b.socks.serveConnections(serveCtx)
	if err != nil {
		b.life.fail() // stop as Shutdown would, without a deadline unless the caller sets one
	}
	_ = g.Wait()
	<-b.work.idle() // what the last envelopes started; done, or cancelled with ctx
	return err
}

// Failed is closed once Run has failed: it could not start, or its connections to Slack failed
// for good. Run then stops as Shutdown would, and returns why once the work in flight is done;
// call Shutdown to bound that wait.
func (b *Bot) Failed() <-chan struct{} { return b.life.failed }

// appTokenAdvice is what to do when Slack refuses SLACK_APP_TOKEN.
const appTokenAdvice = "Slack refused SLACK_APP_TOKEN: create an app-level token (xapp-…) with the connections:write scope " +
	"on your Slack app's Basic Information page, set it as SLACK_APP_TOKEN, check that Socket Mode is on, " +
	"and run `testerbot check` to try it"

// Ready reports whether the bot has a live connection to Slack and Slack takes its bot token.
func (b *Bot) Ready() bool { return b.socks.connectedToSlack() && b.posts.out.Ready() }

// Outbox is the bot's outbox, for operators (metrics) and tests.
func (b *Bot) Outbox() *outbox.Outbox { return b.posts.out }

// Shutdown stops the bot gracefully, as net/http's Server.Shutdown does: new work is refused
// ("restarting, try again in a moment") while the connections stay up, nobody's unfinished
// invites, ends or asks are looked for any more, and the work in flight (after acks, resumed
// invites, ends in hand) is waited for, then the outbox gets a short while to send what it
// holds. Then the connections close and Run returns. When ctx ends first, the work still in
// flight is cancelled, and what it could not finish stays in the database for the next process
// to resume; Shutdown returns ctx's error once Run has returned.
func (b *Bot) Shutdown(ctx context.Context) error {
	b.draining.Store(true)
	// Said once new work is refused, not before: whoever reads it (an operator, a test) may
	// count on it.
	var attrs []any
	if deadline, ok := ctx.Deadline(); ok {
		attrs = append(attrs, "timeout", time.Until(deadline).Round(time.Second).String())
	}
	b.log.Info("shutting down: finishing in-flight work", attrs...)
	l := &b.life
	if !l.stop() {
		return nil // not running
	}
	var err error
	select {
	case <-l.idle:
	case <-l.done: // Run has returned already
	case <-ctx.Done():
		err = ctx.Err()
	}
	select {
	case <-l.done:
	case <-ctx.Done():
		l.abort() // everything in flight watches the work context and returns promptly
		<-l.done
	}
	return err
}

// drainWait is how long a graceful stop gives the outbox to send what it holds. Not longer: what
// is left is in the database, and the next process sends it; DMs paced under Tier 3 may take
// minutes.
const drainWait = 2 * time.Second

// finishWork is the graceful stop: no new work, no more scans, the work in flight done (or
// cancelled with work), and a short drain of the outbox.
func (b *Bot) finishWork(work context.Context) {
	b.draining.Store(true)
	var wg sync.WaitGroup
	if b.d.Invites != nil {
		wg.Go(func() { _ = b.d.Invites.Shutdown(work) })
	}
	if b.d.Expiry != nil {
		wg.Go(func() { _ = b.d.Expiry.Shutdown(work) })
	}
	if b.d.Asks != nil {
		wg.Go(func() { _ = b.d.Asks.Shutdown(work) })
	}
	wg.Go(func() { <-b.work.idle() })
	wg.Wait()
	close(b.life.idle)
	if work.Err() == nil {
		drainCtx, cancel := context.WithTimeout(work, drainWait)
		_ = b.posts.out.Drain(drainCtx) // best effort: unsent messages are safe in the database
		cancel()
	}
}

// lifetime is what Run shares with Shutdown and Failed.
type lifetime struct {
	mu       sync.Mutex
	started  bool
	stopped  bool               // stopping is closed
	abort    context.CancelFunc // cancels Run's work: after acks (workTracker.context), and the supervisors' runs
	stopping chan struct{}      // closed to stop gracefully (Shutdown, or Run failing)
	failed   chan struct{}      // closed once Run failed
	idle     chan struct{}      // closed once the work in flight is done, when stopping
	done     chan struct{}      // closed once Run has returned
}

func (l *lifetime) init() {
	l.stopping, l.failed, l.idle, l.done = make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{})
}

// start begins Run and returns its work context; none when Run ran already (an error) or
// Shutdown came first (nothing to do).
func (l *lifetime) start(ctx context.Context) (context.Context, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.started:
		return nil, errors.New("bot: Run called twice")
	case l.stopped:
		return nil, nil
	}
	l.started = true
	work, abort := context.WithCancel(ctx)
	l.abort = abort
	return work, nil
}

func (l *lifetime) finish() {
	l.abort()
	close(l.done)
}

// stop asks a Run in progress to stop gracefully, and reports whether one is.
func (l *lifetime) stop() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.stopped = true
		close(l.stopping)
	}
	return l.started
}

// fail records that Run failed, and stops it.
func (l *lifetime) fail() {
	l.mu.Lock()
	select {
	case <-l.failed:
	default:
		close(l.failed)
	}
	l.mu.Unlock()
	l.stop()
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
