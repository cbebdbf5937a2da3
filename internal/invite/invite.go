// Package invite is the product's heart, free of Slack: it turns one request (who asked, which
// store and app, which emails) into one result per email, and keeps every promise durable.
//
// A request is written to the store before its first Applivery call and leased to the process
// running it. Each email's outcome and audit row are written the moment they are known. An
// email being invited is claimed in the store, so two requests — in one process or in several
// replicas — never invite the same tester twice: the second waits and reports "already
// invited". A create is not idempotent, so the time it is sent is recorded first; a create
// whose outcome is unknown (a timeout, a crash) is looked up once it can no longer land, and
// never simply repeated. A process that dies leaves its lease to expire, and any process takes
// the request over and finishes it: results not yet shown are shown, none twice.
//
// Showing progress and results is the caller's business, through a Reporter.
package invite

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/cache"
	"github.com/testerbot/testerbot/internal/lease"
)

// Applivery is the part of the Applivery API the invite flow needs; *applivery.Client has it.
type Applivery interface {
	CreateOTPUser(ctx context.Context, storeID string, req applivery.OTPUserRequest) (*applivery.OTPUser, error)
	FindOTPUser(ctx context.Context, storeID, publishedAppID, email string) (*applivery.OTPUser, error)
	DeleteOTPUser(ctx context.Context, storeID, id string) error
	ListOTPUsers(ctx context.Context, storeID string, opts applivery.ListOTPUsersOptions) (*applivery.OTPUserPage, error)
	ListAllOTPUsers(ctx context.Context, storeID string, opts applivery.ListOTPUsersOptions, max int) ([]applivery.OTPUser, int, error)
	ScanForOTPUser(ctx context.Context, storeID, publishedAppID, email string) (*applivery.OTPUser, error)
	GetPublishedApp(ctx context.Context, storeID, id string) (*applivery.PublishedApp, error)
}

// Outcome is what happened to one email. The audit log, metrics and people see the same words.
type Outcome string

const (
	Pending        Outcome = ""                // not decided yet
	Invited        Outcome = "invited"         // a new tester was created
	AlreadyInvited Outcome = "already_invited" // the address already was a tester of the app
	Refused        Outcome = "refused"         // the bot would not send it (bad address, domain not allowed)
	Failed         Outcome = "failed"          // Applivery (or the network) said no
	Removed        Outcome = "removed"         // a tester was revoked
	Asked          Outcome = "asked"           // someone who may not invite asked the QA leads to (package approval)
	Approved       Outcome = "approved"        // a QA lead allowed such an ask: the invite it starts follows
	Denied         Outcome = "denied"          // a QA lead turned such an ask down
	AskExpired     Outcome = "ask_expired"     // no QA lead decided on the ask in time
)

// Outcomes lists every final outcome, for metrics that show each from the start.
var Outcomes = []Outcome{Invited, AlreadyInvited, Refused, Failed, Removed, Asked, Approved, Denied, AskExpired}

// Request is one person's ask to invite a list of emails into one published app.
type Request struct {
	ID        string // correlates logs, audit rows and what the person sees
	UserID    string // who asked
	ChannelID string // the mapped channel whose store and app are used
	Origin    string // where the request came from ("command", "modal", …), for the audit log
	StoreID   string
	AppID     string
	AppName   string
	Emails    []string // as parsed; validated again here
	Downloads int      // allowedDownloadsNum, applivery.Unlimited for no cap
	Domains   []string // allowed email domains; empty = any
	Reply     Reply    // where results are shown
	// AccessFor is how long each tester's access lasts from the moment they are invited: the
	// bot then removes them (package expiry). 0: the access does not end.
	AccessFor time.Duration
	// RequestedBy is who asked, when a QA lead invites on someone's behalf after approving
	// their ask (UserID is then the lead); "" otherwise.
	RequestedBy string
	// NotifyTesters says whether invited workspace members get a direct message, as the channel's
	// mapping or link said when the request was made.
	NotifyTesters bool
}

// Access that ends lasts at least MinAccess and at most MaxAccess.
const (
	MinAccess = time.Minute
	MaxAccess = 365 * 24 * time.Hour
)

// AccessError refuses a request before any work because its access would end too soon or too
// late (or before it began).
type AccessError struct{ Got time.Duration }

func (e *AccessError) Error() string {
	return fmt.Sprintf("access for %s is not possible: it lasts from 1 minute to 365 days", e.Got)
}

// CheckAccess refuses an access duration outside [MinAccess, MaxAccess]; 0 (no end) is fine.
func CheckAccess(d time.Duration) error {
	if d != 0 && (d < MinAccess || d > MaxAccess) {
		return &AccessError{Got: d}
	}
	return nil
}

// AccessEnd is when the access res gave ends: its FinishedAt plus AccessFor, for a tester
// invited by a request whose access ends; zero otherwise, and then a tester keeps the access
// they had. Someone already a tester gets the new end only when the person inviting chose it
// themselves: an approval invites what someone else asked for (RequestedBy), and never changes
// an existing tester's access, permanent or not.
func (r Request) AccessEnd(res Result) time.Time {
	if r.AccessFor <= 0 || res.Tester == nil {
		return time.Time{}
	}
	if res.Outcome != Invited && (res.Outcome != AlreadyInvited || r.RequestedBy != "") {
		return time.Time{}
	}
	return res.FinishedAt.Add(r.AccessFor)
}

// Reply says where a request's results are shown. The invite core only keeps it; a Reporter
// uses it.
type Reply struct {
	Channel string // where progress and results are posted
	Thread  string // an existing thread to post into; "" starts a new one
	Note    string // shown with the progress, e.g. which of several apps was used
}

// Problem says why an email was refused or failed, in a form that outlives the process: the
// audit log and a resumed request show it again.
type Problem struct {
	Kind   ProblemKind
	Detail string // for refusals, what was wrong; for failures, Applivery's own message
}

// ProblemKind classifies a refusal or a failure; people are told what to do about each.
type ProblemKind string

const (
	BadAddress       ProblemKind = "bad_address"        // not an address the bot sends
	DomainNotAllowed ProblemKind = "domain_not_allowed" // outside the channel's allowlist
	Unauthorized     ProblemKind = "unauthorized"       // the token was refused
	NotFound         ProblemKind = "not_found"          // the store or app does not exist
	Rejected         ProblemKind = "rejected"           // Applivery refused the data
	LimitReached     ProblemKind = "limit_reached"      // the plan's limit
	RateLimited      ProblemKind = "rate_limited"       // Applivery kept saying "slow down"
	Unreachable      ProblemKind = "unreachable"        // no usable answer
	HostUnusable     ProblemKind = "host_unusable"      // Applivery's host does not resolve, or its certificate is refused: an admin must act
	Undetermined     ProblemKind = "undetermined"       // a create whose outcome could not be learned
	FilterTooLong    ProblemKind = "filter_too_long"    // a search text longer than Applivery takes
	Stopped          ProblemKind = "stopped"            // the bot stopped waiting (shutting down)
)

// Result is the outcome for one email.
type Result struct {
	Email      string
	Outcome    Outcome
	Tester     *applivery.OTPUser // the created or existing tester
	Problem    Problem            // for Refused and Failed
	ErrorCode  int                // Applivery's error code, when it gave one
	Recovered  bool               // the create's answer was lost but the tester exists: one invite, not two
	WasGone    bool               // an earlier invite's tester was no longer in Applivery, so one was created again
	InvitedBy  string             // for AlreadyInvited: who invited them moments ago, when it was another request
	FinishedAt time.Time
	AccessEnds time.Time // when the bot removes the tester again (Request.AccessEnd); zero for never
}

// Final reports whether the email's outcome is decided.
func (r Result) Final() bool { return r.Outcome != Pending }

// Report is everything a Reporter needs to sum a request up.
type Report struct {
	Request         Request
	Results         []Result // in the order of Request.Emails
	DistributionURL string   // where testers download the app; empty when Applivery has none
}

// Count returns how many results have the given outcome.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, res := range r.Results {
		if res.Outcome == o {
			n++
		}
	}
	return n
}

// Reporter shows a request's progress and results to people. Each method may be called again
// for the same request after a restart or a take-over, so each must be safe to repeat where it
// can be: Begin and Deliver are called only for what was not recorded as done.
type Reporter interface {
	// Begin shows that the request started (the parent message) and returns a reference to it,
	// kept with the request. An error means nobody could be told: the request is abandoned and
	// nobody is invited.
	Begin(ctx context.Context, r Report, reply Reply) (ref string, err error)
	// Progress shows how many emails are done; it is called at most once per progress interval.
	Progress(ctx context.Context, r Report, ref string, done int)
	// Deliver shows results in order, continuing after those shown before. It returns how many
	// of them it showed: it may hold back a partial group until more are done or final is set.
	Deliver(ctx context.Context, r Report, ref string, results []Result, final bool) (shown int, err error)
	// Finish replaces the progress with the summary and adds what follows the results.
	Finish(ctx context.Context, r Report, ref string) error
}

// Options tune a Service; zero values take the defaults.
type Options struct {
	Concurrency      int           // emails of one request in flight at once (default 4)
	MaxEmails        int           // largest request accepted (default 100)
	CreateRetries    int           // extra creates after one whose outcome stayed unknown (default 3)
	CreateTimeout    time.Duration // how long a create that got no answer may still land: APPLIVERY_TIMEOUT (default 10 s)
	CreateBackoff    time.Duration // first wait before creating again after an answered failure (default 500 ms)
	RecordRetryPause time.Duration // first wait before writing an outcome the store refused again (default 100 ms)
	LeaseTTL         time.Duration // how long a request stays with a process that stopped renewing it (default 30 s)
	ScanInterval     time.Duration // how often to look for requests to take over (default 5 s)
	ProgressInterval time.Duration // pace of progress reports (default 1 s)
	ClaimPoll        time.Duration // how often to check a claim held by another request (default 500 ms)
	Logger           *slog.Logger
	Observe          Observer
	Now              func() time.Time
}

// Observer is told what happens, for metrics; every method may be called concurrently.
type Observer interface {
	Outcome(o Outcome)
	Resumed(takeOver bool) // a request finished by another process than the one that started it
}

// Service runs invites. It is safe for concurrent use.
type Service struct {
	api   Applivery
	store Store
	opts  Options
	owner string // this process's name in leases
	apps  *cache.Cache[string]

	mu         sync.Mutex
	running    map[string]bool // requests this process is running now
	supervisor lease.Supervisor
}

// NewService builds a Service.
func NewService(api Applivery, store Store, opts Options) *Service {
	opts = withDefaults(opts)
	return &Service{api: api, store: store, opts: opts, owner: lease.NewOwner("p"),
		apps: cache.New[string](10*time.Minute, 0), running: map[string]bool{}}
}

func withDefaults(o Options) Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxEmails <= 0 {
		o.MaxEmails = 100
	}
	if o.CreateRetries <= 0 {
		o.CreateRetries = 3
	}
	def(&o.CreateTimeout, 10*time.Second)
	def(&o.CreateBackoff, 500*time.Millisecond)
	def(&o.RecordRetryPause, 100*time.Millisecond)
	def(&o.LeaseTTL, 30*time.Second)
	def(&o.ScanInterval, 5*time.Second)
	def(&o.ProgressInterval, time.Second)
	def(&o.ClaimPoll, 500*time.Millisecond)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Observe == nil {
		o.Observe = noObserver{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// MaxEmails is the largest number of emails one request may carry.
func (s *Service) MaxEmails() int { return s.opts.MaxEmails }

// TooManyError refuses a request before any work because it names more emails than allowed.
type TooManyError struct{ Got, Max int }

func (e *TooManyError) Error() string {
	return fmt.Sprintf("%d emails is more than the %d one request may invite", e.Got, e.Max)
}

// CheckSize refuses a request that is too large, so callers can say so before doing any work.
func (s *Service) CheckSize(emails int) error {
	if emails > s.opts.MaxEmails {
		return &TooManyError{Got: emails, Max: s.opts.MaxEmails}
	}
	return nil
}

// Start saves req, then runs it: one result per email, one email's failure never stopping the
// others. It returns once the request is done, abandoned (nobody could be told), or left for
// another process to resume (ctx ended). It returns an error only when the request could not
// be saved (too large, an access duration out of range, or the store failed), in which case
// nothing was done.
func (s *Service) Start(ctx context.Context, req Request, rep Reporter) error {
	if err := s.CheckSize(len(req.Emails)); err != nil {
		return err
	}
	if err := CheckAccess(req.AccessFor); err != nil {
		return err
	}
	if req.ID == "" {
		req.ID = "r" + rand.Text()
	}
	rec := newRecord(req, s.opts.Now())
	if err := s.store.CreateRequest(ctx, rec, s.owner, s.leaseEnd()); err != nil {
		return fmt.Errorf("save request %s: %w", req.ID, err)
	}
	for _, e := range rec.EmailStates {
		if e.Final() {
			s.observed(req, e.Result)
		}
	}
	s.run(ctx, req.ID, rep, false)
	return nil
}

// newRecord turns a request into its stored form, deciding at once the emails that must never
// reach Applivery, and merging repeated addresses.
func newRecord(req Request, now time.Time) *Record {
	rec := &Record{Request: req, CreatedAt: now}
	rec.Request.Emails = nil
	seen := map[string]bool{}
	for _, raw := range req.Emails {
		res := check(raw, req.Domains)
		if key := strings.ToLower(res.Email); seen[key] {
			continue
		} else {
			seen[key] = true
		}
		if res.Final() {
			res.FinishedAt = now
		}
		rec.Request.Emails = append(rec.Request.Emails, res.Email)
		rec.EmailStates = append(rec.EmailStates, EmailState{Position: len(rec.EmailStates), Result: res})
	}
	return rec
}

// check refuses what must never reach Applivery; a Pending result means "go ahead", with the
// address as it will be sent.
func check(raw string, domains []string) Result {
	email, err := address.Normalize(raw)
	switch {
	case err != nil:
		return Result{Email: raw, Outcome: Refused, Problem: Problem{Kind: BadAddress, Detail: err.Error()}}
	case !address.DomainAllowed(email, domains):
		return Result{Email: email, Outcome: Refused, Problem: Problem{Kind: DomainNotAllowed, Detail: strings.Join(domains, ", ")}}
	}
	return Result{Email: email}
}

func (s *Service) leaseEnd() time.Time { return s.opts.Now().Add(s.opts.LeaseTTL) }

// Classify turns an Applivery error into a Problem, with Applivery's error code when it gave one.
func Classify(err error) (Problem, int) {
	p := Problem{Kind: Unreachable, Detail: err.Error()}
	code := 0
	if apiErr, ok := errors.AsType[*applivery.ErrorResponse](err); ok {
		p.Detail, code = apiErr.Message, apiErr.Code // Applivery's own words, the token redacted
	}
	for _, k := range problemKinds {
		if errors.Is(err, k.err) {
			p.Kind = k.kind
			break
		}
	}
	return p, code
}

// problemKinds maps the errors Classify recognises to their kind, first match wins; any other
// error means Applivery could not be reached.
var problemKinds = []struct {
	err  error
	kind ProblemKind
}{
	{applivery.ErrUnauthorized, Unauthorized},
	{applivery.ErrHostUnusable, HostUnusable},
	{applivery.ErrNotFound, NotFound},
	{applivery.ErrValidation, Rejected},
	{applivery.ErrLimitExceeded, LimitReached},
	{applivery.ErrRateLimited, RateLimited},
	{applivery.ErrFilterTooLong, FilterTooLong},
	{context.Canceled, Stopped},
	{context.DeadlineExceeded, Stopped},
}

type noObserver struct{}

func (noObserver) Outcome(Outcome) {}
func (noObserver) Resumed(bool)    {}
