package invite

import (
	"context"
	"errors"
	"time"
)

// Store keeps requests, outcomes, claims and leases; package store implements it for SQLite and
// PostgreSQL. Every write that continues a request is fenced by its lease: it fails with
// ErrLeaseLost once another process has taken the request over, and the run stops there.
type Store interface {
	// CreateRequest saves a new request and its emails (refused ones already final, with their
	// audit rows), leased to owner until leaseUntil; ErrRequestExists when its id is taken.
	CreateRequest(ctx context.Context, rec *Record, owner string, leaseUntil time.Time) error
	// LoadRequest reads a request with the state of each email.
	LoadRequest(ctx context.Context, id string) (*Record, error)
	// SetParent records where the request's progress is shown.
	SetParent(ctx context.Context, id, owner, ref string) error
	// SetDelivered records how many results have been shown.
	SetDelivered(ctx context.Context, id, owner string, n int) error
	// CloseRequest ends a request: done, or abandoned when nobody could be told.
	CloseRequest(ctx context.Context, id, owner string, state RequestState) error

	// Claim takes (store, app, email) for the request, unless another request holds it: then
	// it returns that request's claim and false. A request's own claim is won again.
	Claim(ctx context.Context, c Claim) (holder Claim, won bool, err error)
	// MarkSending records that a create for the email is about to be sent.
	MarkSending(ctx context.Context, id, owner string, position int, at time.Time) error
	// Finish records an email's outcome with its audit row and releases its claim, at once. When
	// the access it gave ends (Request.AccessEnd), the end is scheduled in the same transaction,
	// so no crash can leave a tester in for good; a tester's end scheduled before is replaced.
	Finish(ctx context.Context, id, owner string, position int, res Result) error
	// LatestInvite returns the newest invited or already-invited outcome of (store, app, email)
	// finished at or after since, with who asked for it; nil when there is none.
	LatestInvite(ctx context.Context, key ClaimKey, since time.Time) (*Result, string, error)

	// RenewLease extends the request's lease while its run goes on.
	RenewLease(ctx context.Context, id, owner string, until time.Time) error
	// ReleaseLease gives an unfinished request up at once, so any process takes it over now.
	ReleaseLease(ctx context.Context, id, owner string) error
	// TakeOver leases to owner up to limit unfinished requests whose lease has expired, and
	// returns their ids with the owner each had.
	TakeOver(ctx context.Context, owner string, now, until time.Time, limit int) ([]TakenOver, error)

	// RecordRemoval writes the audit row of a tester whose access was removed.
	RecordRemoval(ctx context.Context, r Removal) error
}

// Removal is a tester whose access was removed, for the audit log.
type Removal struct {
	RequestID, UserID, ChannelID, Origin string
	StoreID, AppID, AppName              string
	Email, OTPUserID                     string
	Detail                               string // why, when it was not someone's click or command
}

// ErrRequestExists means a request with that id was saved before: whoever saved it runs it, so
// a caller that chose the id (say, one per approved ask) starts it at most once.
var ErrRequestExists = errors.New("invite: a request with that id exists")

// ErrLeaseLost means another process has taken the request over: this one must stop.
var ErrLeaseLost = errors.New("invite: the request's lease was taken over")

// RequestState is where a request stands.
type RequestState string

const (
	Running   RequestState = "running"
	Done      RequestState = "done"
	Abandoned RequestState = "abandoned" // nobody could be told, so nobody was invited
)

// Record is a request as stored, with the state of each of its emails.
type Record struct {
	Request
	CreatedAt   time.Time
	State       RequestState
	ParentRef   string // where progress is shown, once Begin succeeded
	Delivered   int    // how many results have been shown, in order
	EmailStates []EmailState
}

// EmailState is one email of a stored request.
type EmailState struct {
	Position int // index in Request.Emails
	Result
	SentAt   time.Time // when the last create was sent; zero when none was
	Attempts int       // creates sent
}

// ClaimKey is what one invite claims: a tester of one app, whatever the address's letter case.
type ClaimKey struct {
	StoreID, AppID, EmailKey string
}

// Claim is a request's hold on a ClaimKey while it invites that address.
type Claim struct {
	ClaimKey
	RequestID string
	UserID    string // who asked, to say who is inviting them right now
}

// TakenOver is a request this process has just taken over.
type TakenOver struct {
	ID        string
	PrevOwner string
}

func (r *Record) report(url string) Report {
	rep := Report{Request: r.Request, DistributionURL: url, Results: make([]Result, len(r.EmailStates))}
	for i, e := range r.EmailStates {
		rep.Results[i] = e.Result
	}
	return rep
}
