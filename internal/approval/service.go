package approval

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/lease"
)

// Options tune a Service; zero values take the defaults.
type Options struct {
	TTL          time.Duration // how long an ask waits for a decision: REQUEST_TTL (default 7 days)
	ScanInterval time.Duration // how often Supervise expires the asks past their TTL (default 1 minute)
	StartGrace   time.Duration // how long an approval may wait for its invite to be recorded before Supervise starts it (default 1 minute)
	// MaxPending is how many of their own asks one person may have waiting at once:
	// MAX_OPEN_REQUESTS (default DefaultMaxPending). Each ask calls the leads.
	MaxPending int
	Logger     *slog.Logger
	Now        func() time.Time
}

// DefaultMaxPending is how many of their own asks one person may have waiting at once unless
// configured otherwise: enough for real work, too few to flood the leads or hold addresses.
const DefaultMaxPending = 5

// TooManyError refuses an ask from someone who already has Limit asks waiting.
type TooManyError struct{ Limit int }

func (e *TooManyError) Error() string {
	return fmt.Sprintf("approval: %d asks are already waiting, the most one person may have", e.Limit)
}

// Limits on how many asks Pending and Mine return, sized for an App Home.
const (
	defaultLimit = 20
	maxLimit     = 200
)

// Service creates asks and decides them. It is safe for concurrent use, and several processes
// may each run one on the same database.
type Service struct {
	store      Store
	opts       Options
	supervisor lease.Supervisor
}

// NewService builds a Service.
func NewService(store Store, opts Options) *Service {
	if opts.TTL <= 0 {
		opts.TTL = 7 * 24 * time.Hour
	}
	if opts.ScanInterval <= 0 {
		opts.ScanInterval = time.Minute
	}
	if opts.StartGrace <= 0 {
		opts.StartGrace = time.Minute
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = DefaultMaxPending
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: store, opts: opts}
}

// now is the current instant as the store keeps it, so an ask returned by a call equals the
// same ask read back later.
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// Create validates and saves an ask, pending until ExpiresAt. Its addresses are normalized and
// merged whatever their letter case; an invalid one refuses the whole ask with an *AddressError
// (allowed domains depend on the channel: checking them is the caller's job). Someone with
// MaxPending asks waiting is refused with a *TooManyError. Addresses already pending in another
// ask for the same app are left out and returned, and the requester joins those asks that are
// someone else's; when that leaves none, no ask is created and Created.Ask is nil.
func (s *Service) Create(ctx context.Context, a Ask) (Created, error) {
	emails, err := normalize(a.Emails)
	if err != nil {
		return Created{}, err
	}
	if a.RequesterID == "" || a.StoreID == "" || a.AppID == "" {
		return Created{}, errors.New("approval: an ask needs a requester, a store and an app")
	}
	now := s.now()
	open, err := s.store.CountPendingAsks(ctx, a.RequesterID, now)
	if err != nil {
		return Created{}, err
	}
	if open >= s.opts.MaxPending {
		s.opts.Logger.Info("ask refused: too many waiting", "requester", a.RequesterID, "pending", open)
		return Created{}, &TooManyError{Limit: s.opts.MaxPending}
	}
	ask := Ask{
		ID: "a" + rand.Text(), RequesterID: a.RequesterID, ChannelID: a.ChannelID, StoreID: a.StoreID,
		AppID: a.AppID, AppName: a.AppName, Emails: emails, Downloads: a.Downloads,
		AccessFor: a.AccessFor, Reason: a.Reason, State: Pending, CreatedAt: now, ExpiresAt: now.Add(s.opts.TTL),
	}
	created, err := s.store.CreateAsk(ctx, ask)
	if err != nil {
		return Created{}, err
	}
	for _, j := range created.Joined {
		s.opts.Logger.Info("ask joined", "ask_id", j.ID, "requester", a.RequesterID)
	}
	if created.Ask == nil {
		s.opts.Logger.Info("ask not created: every address is pending in another ask", "requester", a.RequesterID,
			"app_id", a.AppID, "already_pending", len(created.Pending))
		return created, nil
	}
	saved := created.Ask
	s.opts.Logger.Info("ask created", "ask_id", saved.ID, "requester", saved.RequesterID, "channel", saved.ChannelID,
		"app_id", saved.AppID, "emails", len(saved.Emails), "already_pending", len(created.Pending))
	return created, nil
}

// normalize returns the addresses as the bot sends them, each once whatever its letter case, in
// the order given.
func normalize(raw []string) ([]string, error) {
	var emails []string
	var invalid []InvalidAddress
	seen := map[string]bool{}
	for _, r := range raw {
		email, err := address.Normalize(r)
		if err != nil {
			invalid = append(invalid, InvalidAddress{Address: r, Why: err.Error()})
			continue
		}
		if key := strings.ToLower(email); !seen[key] {
			seen[key] = true
			emails = append(emails, email)
		}
	}
	switch {
	case len(invalid) > 0:
		return nil, &AddressError{Invalid: invalid}
	case len(emails) == 0:
		return nil, ErrNoAddresses
	}
	return emails, nil
}

// Get returns an ask; ErrNotFound when there is none.
func (s *Service) Get(ctx context.Context, id string) (*Ask, error) {
	return s.store.LoadAsk(ctx, id)
}

// SetMessage records where the ask is shown, once the caller has posted it.
func (s *Service) SetMessage(ctx context.Context, id string, m Message) error {
	return s.store.SetAskMessage(ctx, id, m)
}

// SetRequest records the invite request that approving the ask started (or NotInvited), so
// Supervise no longer starts it.
func (s *Service) SetRequest(ctx context.Context, id, requestID string) error {
	if requestID == "" {
		return errors.New("approval: an ask's request needs an id")
	}
	return s.store.SetAskRequest(ctx, id, requestID)
}

// Approve approves a pending ask for leadID and releases its addresses; the caller then starts
// the invite. Of several decisions at once, on any replica, exactly one wins: the others get a
// *DecidedError carrying the ask as decided. An ask past ExpiresAt is expired instead (the
// caller shows it as expired: Supervise will not report it) and approving fails with a
// *DecidedError too. ErrNotFound for an unknown id.
func (s *Service) Approve(ctx context.Context, id, leadID string) (*Ask, error) {
	return s.decide(ctx, id, Decision{State: Approved, By: leadID, At: s.now()})
}

// Deny denies a pending ask for leadID, with an optional reason, and releases its addresses;
// it fails as Approve does.
func (s *Service) Deny(ctx context.Context, id, leadID, reason string) (*Ask, error) {
	reason = strings.TrimSpace(reason)
	detail := "denied"
	if reason != "" {
		detail += ": " + reason
	}
	return s.decide(ctx, id, Decision{State: Denied, By: leadID, At: s.now(), Reason: reason, Detail: detail})
}

func (s *Service) decide(ctx context.Context, id string, d Decision) (*Ask, error) {
	a, decided, err := s.store.DecideAsk(ctx, id, d)
	if err != nil {
		return nil, err
	}
	if !decided && a.State == Pending { // past ExpiresAt: nobody may decide it any more
		if a, _, err = s.expire(ctx, *a, d.At); err != nil {
			return nil, err
		}
	}
	if !decided {
		return nil, &DecidedError{Ask: a}
	}
	s.opts.Logger.Info("ask "+string(a.State), "ask_id", a.ID, "lead", a.DecidedBy, "requester", a.RequesterID)
	return a, nil
}

// expire moves a due ask to Expired, unless another call did first.
func (s *Service) expire(ctx context.Context, a Ask, now time.Time) (*Ask, bool, error) {
	detail := "no QA lead decided within " + span(a.ExpiresAt.Sub(a.CreatedAt))
	exp, decided, err := s.store.DecideAsk(ctx, a.ID, Decision{State: Expired, At: now, Detail: detail})
	if err == nil && decided {
		s.opts.Logger.Info("ask expired", "ask_id", a.ID, "requester", a.RequesterID)
	}
	return exp, decided, err
}

// span says how long an ask waited, in the unit its TTL was most likely set in.
func span(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d > 0 && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d > 0 && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d > 0 && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	}
	return d.String()
}

// ExpireDue expires the pending asks past their ExpiresAt at now, releasing their addresses,
// and returns those this call expired: of several processes expiring at once, each ask goes
// to exactly one.
func (s *Service) ExpireDue(ctx context.Context, now time.Time) ([]Ask, error) {
	due, err := s.store.DueAsks(ctx, now)
	if err != nil {
		return nil, err
	}
	var expired []Ask
	for _, a := range due {
		exp, decided, err := s.expire(ctx, a, now)
		if err != nil {
			return expired, err
		}
		if decided {
			expired = append(expired, *exp)
		}
	}
	return expired, nil
}

// Pending returns up to limit asks waiting for a decision, oldest first, for a QA lead: those
// of channelIDs, or of every channel when channelIDs is nil (an empty, non-nil channelIDs
// returns none). Asks past ExpiresAt, about to be expired, are left out. A limit <= 0 means 20;
// it is capped at 200.
func (s *Service) Pending(ctx context.Context, channelIDs []string, limit int) ([]Ask, error) {
	return s.store.PendingAsks(ctx, channelIDs, s.now(), clamp(limit))
}

// Mine returns up to limit of a requester's latest asks, newest first, in any state. A limit
// <= 0 means 20; it is capped at 200.
func (s *Service) Mine(ctx context.Context, requesterID string, limit int) ([]Ask, error) {
	return s.store.AsksBy(ctx, requesterID, clamp(limit))
}

func clamp(limit int) int {
	switch {
	case limit <= 0:
		return defaultLimit
	case limit > maxLimit:
		return maxLimit
	}
	return limit
}
