package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/testerbot/testerbot/internal/lease"
	"github.com/testerbot/testerbot/internal/wait"
)

// Store keeps the outbox; *store.Store has it, in SQLite and in PostgreSQL.
type Store interface {
	// EnqueueMessage saves r unless its key is saved already. With r.Replace, a saved message
	// takes r's text and blocks, a new version, and is pending again. It returns what is saved.
	EnqueueMessage(ctx context.Context, r Record) (Record, error)
	// PendingMessages returns up to limit pending messages, by priority then order, each with
	// the state and ts of the message it depends on (Dep…).
	PendingMessages(ctx context.Context, limit int) ([]Queued, error)
	// LoadMessage returns the message saved under key, or ErrNotFound.
	LoadMessage(ctx context.Context, key string) (Record, error)
	// MessageSent records that version of the message was sent as ts; a newer version stays pending.
	MessageSent(ctx context.Context, key string, version int, ts string, at time.Time) error
	// MessageFinal makes a pending message final (Failed, Dropped) with Slack's error code.
	MessageFinal(ctx context.Context, key string, state State, code string, at time.Time) error
	// RetryMessage leaves a message pending until notBefore, with its attempts so far.
	RetryMessage(ctx context.Context, key string, attempts int, notBefore time.Time) error
	// SplitMessage replaces a pending message by its parts, at once.
	SplitMessage(ctx context.Context, key string, parts []Record) error
	// TakeLane leases lane to owner until until, unless another owner holds a current lease.
	TakeLane(ctx context.Context, lane, owner string, now, until time.Time) (bool, error)
	// ReleaseLanes gives up every lane owner holds.
	ReleaseLanes(ctx context.Context, owner string) error
	// OutboxStats counts pending messages and says when the oldest was enqueued.
	OutboxStats(ctx context.Context) (depth int, oldest time.Time, err error)
	// PruneMessages deletes the messages settled (sent, failed, dropped, split) before before
	// that no pending message depends on, and returns how many went.
	PruneMessages(ctx context.Context, before time.Time) (int, error)
}

// Queued is a pending message with the message it depends on (ThreadOf or EditOf).
type Queued struct {
	Record
	DepState State  // "" when it depends on nothing, or on a key not saved (yet)
	DepTS    string // the ts it was posted as
	DepError string
}

// ErrNotFound says no message is saved under a key.
var ErrNotFound = errors.New("outbox: no such message")

// Slack is what the sender calls; see NewSlack for slack-go's client.
type Slack interface {
	Post(ctx context.Context, channel, thread, text string, blocks json.RawMessage) (ts string, err error)
	Update(ctx context.Context, channel, ts, text string, blocks json.RawMessage) error
	Respond(ctx context.Context, url, text string, blocks json.RawMessage) error
	// LookupEmail returns the workspace member with the address, "" when there is none.
	LookupEmail(ctx context.Context, email string) (userID string, err error)
	// AuthTest checks that the bot token works.
	AuthTest(ctx context.Context) error
}

// Observer is told the backlog about once a second, for metrics. (Slack's 429s are counted where
// every Web API error is, by the Slack client.)
type Observer interface {
	Backlog(depth int, oldestAge time.Duration)
}

// Options tune an Outbox; zero values take the defaults.
type Options struct {
	Pace Pace
	// Failed is told about a message that can never be posted (the channel is out of reach, Slack
	// refused it), or that waits on a refused bot token: code says which. It runs on the sender's
	// goroutine and should only enqueue.
	Failed     func(ctx context.Context, r Record, code string)
	Logger     *slog.Logger
	Observe    Observer
	Now        func() time.Time
	Poll       time.Duration // how often to look for messages other replicas enqueued (default 1 s)
	ProbeEvery time.Duration // how often to try a refused token again (default 30 s)
	LaneTTL    time.Duration // how long a lane stays with a sender that stopped (default 15 s)
	Backoff    time.Duration // first wait after a failed send (default 1 s), doubled up to a minute
	LookupTTL  time.Duration // how long an address's member is remembered, misses too (default a day)
	// Keep is how long a settled message is kept: its key makes a repeated enqueue a no-op for
	// that long. The default, 120 days, outlasts anything that enqueues a key again or depends
	// on an old message (a request waits at most REQUEST_TTL, 90 days, for the edit that
	// decides it). Older ones are deleted every PruneEvery (default an hour), so the table
	// does not grow for as long as the bot runs.
	Keep       time.Duration
	PruneEvery time.Duration
}

// DefaultKeep is Options.Keep's default.
const DefaultKeep = 120 * 24 * time.Hour

// Outbox saves and sends Slack writes. It is safe for concurrent use.
type Outbox struct {
	store Store
	slack Slack
	opts  Options
	pace  *pacer
	owner string

	wake    chan struct{}
	seq     atomic.Uint64
	refused atomic.Value // string: the code Slack refused the token with, "" when it works

	mu      sync.Mutex
	busy    map[string]bool      // lanes with a send in flight
	changed chan struct{}        // closed and replaced when a message settles
	members map[string]lookedUp  // address → member, misses included
	told    map[string]time.Time // groups told about a refused token, to tell each once
}

type lookedUp struct {
	userID string
	until  time.Time
}

// New builds an Outbox; Run sends.
func New(store Store, slack Slack, opts Options) *Outbox {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&opts.Poll, time.Second)
	def(&opts.ProbeEvery, 30*time.Second)
	def(&opts.LaneTTL, 15*time.Second)
	def(&opts.Backoff, time.Second)
	def(&opts.LookupTTL, 24*time.Hour)
	def(&opts.Keep, DefaultKeep)
	def(&opts.PruneEvery, time.Hour)
	o := &Outbox{store: store, slack: slack, opts: opts, pace: newPacer(opts.Pace), owner: lease.NewOwner("o"),
		wake: make(chan struct{}, 1), busy: map[string]bool{}, changed: make(chan struct{}),
		members: map[string]lookedUp{}, told: map[string]time.Time{}}
	o.refused.Store("")
	return o
}

// Enqueue saves m before anything is sent, and wakes the sender. Enqueuing a key again changes
// nothing unless m.Replace. It returns what is saved under the key.
func (o *Outbox) Enqueue(ctx context.Context, m Message) (Record, error) {
	if m.Key == "" || m.Text == "" {
		return Record{}, fmt.Errorf("outbox: a message needs a key and a text")
	}
	if m.Kind == "" {
		m.Kind = Post
	}
	if m.Priority == 0 && m.Kind != Post {
		m.Priority = defaultPriority
	}
	now := o.opts.Now()
	r := Record{Message: m, Ord: fmt.Sprintf("%016x%08x", now.UnixNano(), o.seq.Add(1)%(1<<32)),
		State: Pending, CreatedAt: now}
	var saved Record
	err := wait.Record(ctx, func(ctx context.Context) (err error) {
		saved, err = o.store.EnqueueMessage(ctx, r)
		return err
	})
	if err != nil {
		return Record{}, fmt.Errorf("outbox: save %s: %w", m.Key, err)
	}
	o.poke()
	return saved, nil
}

// Wait blocks until the message saved under key is no longer pending, and returns it.
func (o *Outbox) Wait(ctx context.Context, key string) (Record, error) {
	for {
		changed := o.changedChan()
		r, err := o.store.LoadMessage(ctx, key)
		if err != nil && ctx.Err() != nil {
			return Record{}, ctx.Err()
		}
		if err == nil && r.State != Pending {
			return r, nil
		}
		if err := o.waitChange(ctx, changed); err != nil {
			return Record{}, err
		}
	}
}

// Drain blocks until no message is pending (tests, and a graceful stop that can wait).
func (o *Outbox) Drain(ctx context.Context) error {
	for {
		changed := o.changedChan()
		depth, _, err := o.store.OutboxStats(ctx)
		if err == nil && depth == 0 {
			return nil
		}
		if err := o.waitChange(ctx, changed); err != nil {
			return err
		}
	}
}

func (o *Outbox) waitChange(ctx context.Context, changed <-chan struct{}) error {
	t := time.NewTimer(o.opts.Poll)
	defer t.Stop()
	select {
	case <-changed:
	case <-t.C: // another replica may have sent it
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Ready reports whether Slack takes the bot token, as far as the sender knows.
func (o *Outbox) Ready() bool { return o.refused.Load().(string) == "" }

func (o *Outbox) changedChan() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.changed
}

func (o *Outbox) settled() {
	o.mu.Lock()
	close(o.changed)
	o.changed = make(chan struct{})
	o.mu.Unlock()
	o.poke()
}

func (o *Outbox) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}
