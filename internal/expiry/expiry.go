// Package expiry ends testers' access on time, free of Slack. An invite made "for 14d" has its
// end scheduled with each tester's outcome (package invite, in the same transaction); when the
// time comes a Service removes the OTP user, audits it, and has a Reporter say so in the
// original invite's thread: exactly once, across restarts, deploys and replicas.
//
// An end is worked like a small request. A process takes it with a lease (of several scanning
// at once exactly one gets each end), deletes the tester, and records the outcome with its audit
// row, fenced by the lease. Then it tells people and records that it did. A process that dies
// holding an end leaves it to whoever scans once the lease has expired. Deleting twice does no
// harm: a second DELETE finds the tester gone, which counts as ended.
package expiry

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/lease"
)

// Applivery is the part of the Applivery API ending access needs; *applivery.Client has it. A
// DELETE that finds no such tester fails with applivery.ErrNotFound.
type Applivery interface {
	DeleteOTPUser(ctx context.Context, storeID, id string) error
}

// State is where an end stands.
type State string

const (
	Scheduled State = "scheduled" // waiting for its time, or for another try
	Ended     State = "ended"     // the bot removed the tester
	Gone      State = "gone"      // the tester was already gone from Applivery: ended all the same
	Failed    State = "failed"    // Applivery kept failing: someone must remove the tester by hand
)

// Origin is how the audit log names what ended an access.
const Origin = "access_ended"

// Key names the tester whose access ends: one OTP user of one app.
type Key struct {
	StoreID, AppID, OTPUserID string
}

// End is one tester's access that ends, with what people are told about it.
type End struct {
	Key
	Email        string
	AppName      string
	ChannelID    string // the mapped channel the invite used
	ReplyChannel string // where the invite's results are
	ReplyThread  string // their thread
	EndsAt       time.Time
	RequestID    string // the invite that gave the access (the latest, when the tester was invited again)
	InvitedBy    string // the Slack user who made that invite
	RequestedBy  string // who asked the QA lead for it, when the lead invited on their behalf
	State        State
	EndedAt      time.Time      // when it ended, or was given up
	Attempts     int            // removals that failed
	Problem      invite.Problem // the last failure
	PostAttempts int            // times the Reporter could not tell people
}

// AuditOutcome is the end's outcome in the audit log.
func (e End) AuditOutcome() invite.Outcome {
	if e.State == Failed {
		return invite.Failed
	}
	return invite.Removed
}

// AuditDetail says in a few words what happened, for the audit log.
func (e End) AuditDetail() string {
	switch e.State {
	case Gone:
		return "access ended as scheduled; the tester was already gone from Applivery"
	case Failed:
		return fmt.Sprintf("access could not be ended after %d attempts: %s: %s", e.Attempts, e.Problem.Kind, e.Problem.Detail)
	}
	return "access ended as scheduled"
}

// Store keeps the ends; package store implements it for SQLite and PostgreSQL. Every write is
// fenced by the end's lease: it fails with invite.ErrLeaseLost, and changes nothing, when the
// caller no longer holds the lease or the end is no longer in the state the write expects.
type Store interface {
	// TakeDue leases to owner until until up to limit ends that need work by now, soonest
	// first: scheduled ends due by now, and finished ends people were not yet told about, whose
	// lease has expired. Of several processes taking at once, exactly one gets each end.
	TakeDue(ctx context.Context, owner string, now, until time.Time, limit int) ([]End, error)
	// FinishEnd records a scheduled end's outcome (State, EndedAt, Attempts, Problem) with its
	// audit row, and keeps the lease so that owner tells people next.
	FinishEnd(ctx context.Context, e End, owner string) error
	// MarkPosted records that people were told, and releases the end for good.
	MarkPosted(ctx context.Context, key Key, owner string) error
	// Release gives the end up until notBefore, recording Attempts, Problem and PostAttempts.
	Release(ctx context.Context, e End, owner string, notBefore time.Time) error
}

// Reporter tells people about ends. An End is offered again after an error, so a method must
// return one only when trying again later may help. A crash after a method returned nil and
// before that was recorded repeats it once, when another process takes the end over.
type Reporter interface {
	// Ended says in the original invite's thread that the tester's access ended (State Ended
	// or Gone).
	Ended(ctx context.Context, e End) error
	// Failed says that the bot could not remove the tester, so that someone does.
	Failed(ctx context.Context, e End, problem invite.Problem) error
}

// Options tune a Service; zero values take the defaults.
type Options struct {
	// ScanInterval is how often to look for due ends (default 10 s). An end is acted on within
	// 30 s of its time: the scan that sees it comes at most ScanInterval later, which leaves
	// the removal itself (Applivery answers in well under a second, retries take a few) the
	// rest of the 30 s.
	ScanInterval time.Duration
	// LeaseTTL is how long a taken end stays with a process that stopped working on it
	// (default 3 min). The removal and the telling each get a third of it, so a live process
	// never loses an end it is working on; an end taken by a process that died waits this long.
	LeaseTTL time.Duration
	// RetryPause paces the retries of a failed removal or post: the nth failure waits n ×
	// RetryPause (default 30 s).
	RetryPause time.Duration
	// MaxAttempts is how many failed removals end in Failed, and failed posts in giving up
	// (default 20: an hour and a half of retries).
	MaxAttempts int
	Logger      *slog.Logger
	Now         func() time.Time
}

func withDefaults(o Options) Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.ScanInterval, 10*time.Second)
	def(&o.LeaseTTL, 3*time.Minute)
	def(&o.RetryPause, 30*time.Second)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Service ends access on time. It is safe for concurrent use.
type Service struct {
	api   Applivery
	store Store
	opts  Options
	owner string // this process's name in leases

	supervisor lease.Supervisor
}

// NewService builds a Service.
func NewService(api Applivery, store Store, opts Options) *Service {
	return &Service{api: api, store: store, opts: withDefaults(opts), owner: lease.NewOwner("e")}
}
