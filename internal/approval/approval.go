// Package approval turns an invite by someone who may not invite into an ask to the QA leads,
// free of Slack: the ask is kept until a lead approves or denies it, or until it expires.
//
// An address waits in one pending ask per app at a time: an ask leaves out the addresses
// another pending ask for the same app already holds, so leads are never asked twice for one
// tester. A decision moves a pending ask exactly once, however many leads click at once and on
// however many replicas, and releases its addresses. Asks are never deleted: who asked, who
// decided and when stay in the database, and the audit log shows each step.
//
// Showing asks and decisions to people, and starting the invite an approval allows, is the
// caller's business.
package approval

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// State is where an ask stands.
type State string

const (
	Pending  State = "pending"  // waiting for a QA lead
	Approved State = "approved" // a lead allowed it: the caller starts the invite
	Denied   State = "denied"   // a lead turned it down
	Expired  State = "expired"  // no lead decided before ExpiresAt
)

// Ask is a person's request for testers, put to the QA leads.
type Ask struct {
	ID          string
	RequesterID string // who asked
	ChannelID   string // the mapped channel whose store and app are used
	StoreID     string
	AppID       string
	AppName     string
	Emails      []string      // normalized, one per address whatever its letter case
	Downloads   int           // allowedDownloadsNum for the invite, applivery.Unlimited for no cap
	AccessFor   time.Duration // how long the testers keep access; 0 for no end
	Reason      string        // why the requester needs them, for the leads
	State       State
	CreatedAt   time.Time
	ExpiresAt   time.Time // when the ask expires unless a lead has decided
	Message     Message   // where the ask is shown; set after posting
	DecidedBy   string    // the lead who approved or denied it; "" when pending or expired
	DecidedAt   time.Time // zero while pending
	DenyReason  string
	RequestID   string // the invite request started on approval, or NotInvited
	// AlsoAskedBy are the other people who asked for some of its addresses while it waited, in
	// the order they joined.
	AlsoAskedBy []string
}

// Created is what creating an ask did.
type Created struct {
	Ask *Ask // the new ask; nil when every address was already waiting in another
	// Pending are the addresses already waiting in another ask, left out of this one.
	Pending []string
	// Joined are the other people's asks holding some of those addresses, which the asker
	// joined, as they now stand: their messages need showing again.
	Joined []Ask
}

// NotInvited is the RequestID of an approved ask whose invite could not start, say because its
// channel no longer invites into its store; nothing will start it.
const NotInvited = "-"

// Message says where an ask is shown to the leads, so a decision or its expiry can update it.
type Message struct {
	Channel string
	TS      string
}

// Decision moves a pending ask to its final state.
type Decision struct {
	State  State // Approved, Denied or Expired
	By     string
	At     time.Time
	Reason string // why it was denied
	Detail string // the audit rows' detail
}

// Store keeps asks and the addresses pending in them; package store implements it for SQLite
// and PostgreSQL. Each write is atomic, and correct when several processes share the database.
type Store interface {
	// CreateAsk saves a new pending ask with an "asked" audit row per address, and holds each of
	// its addresses for its store and app, all at once. Addresses another pending ask holds are
	// left out of the saved ask and returned in Pending, and the requester joins each of those
	// asks that is someone else's, with an "asked" audit row per address; when no address is
	// left, no ask is saved and Created.Ask is nil. a.Emails must be distinct whatever their
	// letter case.
	CreateAsk(ctx context.Context, a Ask) (Created, error)
	// CountPendingAsks counts a requester's own asks still pending, not yet due at now.
	CountPendingAsks(ctx context.Context, requesterID string, now time.Time) (int, error)
	// LoadAsk reads an ask; ErrNotFound when there is none.
	LoadAsk(ctx context.Context, id string) (*Ask, error)
	// SetAskMessage records where the ask is shown; ErrNotFound for an unknown id.
	SetAskMessage(ctx context.Context, id string, m Message) error
	// SetAskRequest records the invite request started on approval; ErrNotFound for an unknown id.
	SetAskRequest(ctx context.Context, id, requestID string) error
	// UnstartedAsks returns up to limit approved asks decided at or before decidedBefore whose
	// request is not recorded, oldest decision first.
	UnstartedAsks(ctx context.Context, decidedBefore time.Time, limit int) ([]Ask, error)
	// DecideAsk moves the ask to d.State if it is pending and, at d.At, not yet due to expire —
	// or, for Expired, due — releasing its addresses and writing the decision's audit rows with
	// it. It returns the ask as it then stands and whether this call moved it; ErrNotFound for
	// an unknown id.
	DecideAsk(ctx context.Context, id string, d Decision) (*Ask, bool, error)
	// DueAsks returns the pending asks whose ExpiresAt is at or before now, soonest first.
	DueAsks(ctx context.Context, now time.Time) ([]Ask, error)
	// PendingAsks returns up to limit pending asks not yet due at now, oldest first, in any of
	// channelIDs, or in every channel when channelIDs is nil.
	PendingAsks(ctx context.Context, channelIDs []string, now time.Time, limit int) ([]Ask, error)
	// AsksBy returns up to limit of a requester's asks in any state, newest first.
	AsksBy(ctx context.Context, requesterID string, limit int) ([]Ask, error)
}

// ErrNotFound means there is no ask with that id.
var ErrNotFound = errors.New("approval: no such ask")

// ErrNoAddresses refuses an ask naming nobody.
var ErrNoAddresses = errors.New("approval: an ask needs at least one address")

// AddressError refuses an ask carrying addresses the bot would never send, naming each.
type AddressError struct {
	Invalid []InvalidAddress
}

// InvalidAddress is an address as given, with why it is not one, in a few words for people.
type InvalidAddress struct {
	Address string
	Why     string
}

func (e *AddressError) Error() string {
	parts := make([]string, len(e.Invalid))
	for i, inv := range e.Invalid {
		parts[i] = fmt.Sprintf("%q %s", inv.Address, inv.Why)
	}
	return "approval: not valid addresses: " + strings.Join(parts, "; ")
}

// DecidedError refuses a decision on an ask that is no longer pending. Ask is the ask as it
// stands, so people can be told who decided it and when, or that it expired.
type DecidedError struct {
	Ask *Ask
}

func (e *DecidedError) Error() string {
	if e.Ask.State == Expired {
		return fmt.Sprintf("approval: ask %s expired", e.Ask.ID)
	}
	return fmt.Sprintf("approval: ask %s was already %s by %s", e.Ask.ID, e.Ask.State, e.Ask.DecidedBy)
}
