// Package invite is the product's heart, free of Slack: it turns one request (who asked, which
// store and app, which emails) into one result per email. It validates, checks the channel's
// domain allowlist, looks for an existing tester so nobody is invited twice, creates the OTP user
// with bounded concurrency, survives a create whose outcome is unknown without duplicating it,
// and records every attempt in the audit log. It never formats Slack messages.
package invite

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/testerbot/testerbot/address"
	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/store"
)

// Applivery is the part of the Applivery API the invite flow needs; *applivery.Client has it.
type Applivery interface {
	CreateOTPUser(ctx context.Context, storeID string, req applivery.OTPUserRequest) (*applivery.OTPUser, error)
	FindOTPUser(ctx context.Context, storeID, publishedAppID, email string) (*applivery.OTPUser, error)
	DeleteOTPUser(ctx context.Context, storeID, id string) error
	ListOTPUsers(ctx context.Context, storeID string, opts applivery.ListOTPUsersOptions) (*applivery.OTPUserPage, error)
	ListAllOTPUsers(ctx context.Context, storeID string, opts applivery.ListOTPUsersOptions, max int) ([]applivery.OTPUser, int, error)
	GetPublishedApp(ctx context.Context, storeID, id string) (*applivery.PublishedApp, error)
}

// Recorder keeps the audit trail; *store.Store has it.
type Recorder interface {
	Record(ctx context.Context, entries ...store.Entry) error
}

// Status is what happened to one email.
type Status string

const (
	Invited        Status = "invited"
	AlreadyInvited Status = "already_invited"
	Refused        Status = "refused" // the bot would not send it (bad address, domain not allowed)
	Failed         Status = "failed"  // Applivery (or the network) said no
)

// Request is one person's ask to invite a list of emails into one published app.
type Request struct {
	ID        string // correlates logs, audit rows and what the person sees
	UserID    string
	ChannelID string
	Surface   store.Surface
	StoreID   string
	AppID     string
	AppName   string
	Emails    []string // as parsed; validated again here
	Downloads int      // allowedDownloadsNum, -1 = unlimited
	Domains   []string // allowed email domains; empty = any
}

// Result is the outcome for one email.
type Result struct {
	Email      string // as sent to Applivery (a domain in punycode); as given when not an address
	Status     Status
	User       *applivery.OTPUser // the created or existing tester
	Reason     string             // for Refused and Failed: a sentence for people
	ErrorCode  int                // Applivery's error code, when it gave one
	APIMessage string             // Applivery's own error message, when it gave one
	Err        error              // the underlying error, for logs
	Recovered  bool               // the create's answer was lost but the user exists: one invite, not two
}

// Report is everything the bot needs to tell people how a request went.
type Report struct {
	Request         Request
	Results         []Result // in the order of Request.Emails
	DistributionURL string   // where testers download the app; empty when Applivery has none
}

// Count returns how many results have the given status.
func (r *Report) Count(s Status) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == s {
			n++
		}
	}
	return n
}

// Progress is told after each email is done, from whichever goroutine finished it.
type Progress func(done, total int)

// Options tune a Service; zero values take the defaults.
type Options struct {
	Concurrency   int           // parallel Applivery calls per request (default 4)
	MaxEmails     int           // largest request accepted (default 100)
	CreateRetries int           // extra create attempts after an unknown outcome (default 3)
	RetryDelay    time.Duration // first wait before retrying a create (default 1 s, doubling)
	AppCacheTTL   time.Duration // how long a published app's link is cached (default 10 min)
	Logger        *slog.Logger
	Sleep         func(ctx context.Context, d time.Duration) error // tests avoid real waits
	Observe       func(Status)                                     // metrics hook, once per email
}

// Service runs invites. It is safe for concurrent use.
type Service struct {
	api   Applivery
	audit Recorder
	opts  Options
	apps  *appCache
}

// NewService builds a Service. recorder may be nil when no audit log is wanted.
func NewService(api Applivery, recorder Recorder, opts Options) *Service {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxEmails <= 0 {
		opts.MaxEmails = 100
	}
	if opts.CreateRetries <= 0 {
		opts.CreateRetries = 3
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Second
	}
	if opts.AppCacheTTL <= 0 {
		opts.AppCacheTTL = 10 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	return &Service{api: api, audit: recorder, opts: opts, apps: newAppCache(api, opts.AppCacheTTL)}
}

// MaxEmails is the largest number of emails one request may carry.
func (s *Service) MaxEmails() int { return s.opts.MaxEmails }

// TooManyError refuses a request before any API call because it names more emails than allowed.
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

// Invite invites every email of req and reports each outcome. One email's failure never stops
// the others. It returns an error only when the request as a whole is refused (too many emails).
func (s *Service) Invite(ctx context.Context, req Request, progress Progress) (*Report, error) {
	if err := s.CheckSize(len(req.Emails)); err != nil {
		return nil, err
	}
	report := &Report{Request: req, Results: make([]Result, len(req.Emails))}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		done  int
		slots = make(chan struct{}, s.opts.Concurrency)
	)
	for i, email := range req.Emails {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			report.Results[i] = s.inviteOne(ctx, req, email)
			mu.Lock()
			done++
			n := done
			mu.Unlock()
			if progress != nil {
				progress(n, len(req.Emails))
			}
		}()
	}
	wg.Wait()
	report.DistributionURL = s.apps.distributionURL(ctx, req.StoreID, req.AppID)
	s.record(ctx, req, report.Results)
	return report, nil
}

// inviteOne takes one email from validation to a created (or found) tester.
func (s *Service) inviteOne(ctx context.Context, req Request, email string) Result {
	res := s.check(req, email)
	if res.Status == "" {
		res = s.create(ctx, req, res.Email)
	}
	s.log(req, res)
	if s.opts.Observe != nil {
		s.opts.Observe(res.Status)
	}
	return res
}

// check refuses what must never reach Applivery; an empty Status means "go ahead" with
// res.Email, the address as Applivery is to be sent it.
func (s *Service) check(req Request, email string) Result {
	addr, err := address.Normalize(email)
	if err != nil {
		return Result{Email: email, Status: Refused, Reason: "this is not a valid email address (" + err.Error() + ")"}
	}
	if !address.DomainAllowed(addr, req.Domains) {
		return Result{Email: addr, Status: Refused,
			Reason: "only addresses at " + strings.Join(req.Domains, ", ") + " may be invited from this channel"}
	}
	return Result{Email: addr}
}

func (s *Service) log(req Request, res Result) {
	attrs := []any{
		slog.String("request_id", req.ID), slog.String("user", req.UserID),
		slog.String("channel", req.ChannelID), slog.String("surface", string(req.Surface)),
		slog.String("store", req.StoreID), slog.String("app", req.AppID),
		slog.String("email", res.Email), slog.String("outcome", string(res.Status)),
	}
	if res.User != nil {
		attrs = append(attrs, slog.String("otp_user_id", res.User.ID))
	}
	if res.ErrorCode != 0 {
		attrs = append(attrs, slog.Int("applivery_code", res.ErrorCode))
	}
	if res.Err != nil {
		attrs = append(attrs, slog.String("error", res.Err.Error()))
	}
	if res.Recovered {
		attrs = append(attrs, slog.Bool("recovered_unknown_outcome", true))
	}
	s.opts.Logger.Info("invite", attrs...)
}

func (s *Service) record(ctx context.Context, req Request, results []Result) {
	if s.audit == nil {
		return
	}
	entries := make([]store.Entry, 0, len(results))
	for _, res := range results {
		entries = append(entries, auditEntry(req, res))
	}
	// The invites happened whatever the audit log says; a write failure is logged, not shown.
	if err := s.audit.Record(context.WithoutCancel(ctx), entries...); err != nil {
		s.opts.Logger.Error("audit write failed", slog.String("request_id", req.ID), slog.String("error", err.Error()))
	}
}

func auditEntry(req Request, res Result) store.Entry {
	e := store.Entry{
		RequestID: req.ID, UserID: req.UserID, ChannelID: req.ChannelID, Surface: req.Surface,
		StoreID: req.StoreID, AppID: req.AppID, AppName: req.AppName, Email: res.Email,
		Outcome: store.Outcome(res.Status), ErrorCode: res.ErrorCode, Detail: res.Reason,
	}
	if res.User != nil {
		e.OTPUserID = res.User.ID
	}
	return e
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
