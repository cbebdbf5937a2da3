package invite

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/lease"
	"github.com/testerbot/testerbot/internal/wait"
)

// run continues a request until it is done or abandoned, or until ctx ends or another process
// takes it over: then what is left stays in the store for whoever resumes it.
func (s *Service) run(ctx context.Context, id string, rep Reporter, resumed bool) {
	if !s.claimRun(id) {
		return // already running in this process
	}
	defer s.releaseRun(id)
	ctx, stopRenewing := lease.Keep(applivery.WithShare(ctx, id), s.opts.LeaseTTL/3, func(ctx context.Context) error {
		return s.renewLease(ctx, id)
	})
	defer stopRenewing()

	rec, err := s.store.LoadRequest(ctx, id)
	if err != nil {
		s.opts.Logger.Error("could not load a request", "request_id", id, "error", err)
		s.giveBack(id)
		return
	}
	r := &runner{s: s, rep: rep, rec: rec, changed: make(chan struct{}, 1)}
	if resumed {
		s.opts.Logger.Info("resuming a request", "request_id", id, "done", rec.done(), "emails", len(rec.EmailStates))
	}
	if !r.execute(ctx) && !errors.Is(context.Cause(ctx), ErrLeaseLost) {
		s.giveBack(id)
	}
}

// claimRun makes sure one process runs a request at most once at a time.
func (s *Service) claimRun(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[id] {
		return false
	}
	s.running[id] = true
	return true
}

func (s *Service) releaseRun(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, id)
}

// renewLease renews the request's lease while it runs; ErrLeaseLost, which ends the run, once
// another process has taken it over.
func (s *Service) renewLease(ctx context.Context, id string) error {
	err := s.store.RenewLease(ctx, id, s.owner, s.leaseEnd())
	if errors.Is(err, ErrLeaseLost) {
		s.opts.Logger.Warn("another process took the request over", "request_id", id)
		return ErrLeaseLost
	}
	if err != nil && ctx.Err() == nil {
		s.opts.Logger.Warn("could not renew a request's lease", "request_id", id, "error", err)
	}
	return nil
}

// giveBack releases an unfinished request's lease, so that any process resumes it at once
// rather than after the lease expires.
func (s *Service) giveBack(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.store.ReleaseLease(ctx, id, s.owner); err != nil && !errors.Is(err, ErrLeaseLost) {
		s.opts.Logger.Warn("could not release a request's lease; it will expire", "request_id", id, "error", err)
	}
}

// runner carries one run of one request.
type runner struct {
	s   *Service
	rep Reporter

	mu      sync.Mutex
	rec     *Record
	changed chan struct{} // an email finished
	plan    *lookupPlan

	delivering bool // false once the reporter could not show results: stop trying
}

// retryPause is how long a run waits before trying again the emails it could not finish
// (the store failed for a moment).
const retryPause = 2 * time.Second

// execute shows the request started, invites every email left, shows the results as they come,
// and sums up. It reports whether the request is closed (done or abandoned).
func (r *runner) execute(ctx context.Context) bool {
	if r.rec.ParentRef == "" && !r.begin(ctx) {
		return ctx.Err() == nil
	}
	r.delivering = true
	for {
		pending := r.pending()
		if len(pending) == 0 {
			break
		}
		r.planLookups(ctx, pending)
		r.inviteAll(ctx, pending)
		if ctx.Err() != nil {
			return false
		}
		if len(r.pending()) > 0 && wait.Sleep(ctx, retryPause) != nil {
			return false
		}
	}
	return r.finish(ctx)
}

// begin shows that the request started; when nobody can be told, the request is abandoned.
func (r *runner) begin(ctx context.Context) bool {
	id, owner := r.rec.ID, r.s.owner
	ref, err := r.rep.Begin(ctx, r.rec.report(""), r.rec.Reply)
	if err != nil {
		if ctx.Err() == nil {
			r.s.opts.Logger.Warn("nobody could be told about a request: abandoned", "request_id", id, "error", err)
			r.s.logStoreError(r.s.store.CloseRequest(ctx, id, owner, Abandoned), id)
		}
		return false
	}
	err = wait.Record(ctx, func(ctx context.Context) error { return r.s.store.SetParent(ctx, id, owner, ref) })
	if err != nil {
		r.s.logStoreError(err, id)
		return false
	}
	r.rec.ParentRef = ref
	return true
}

// inviteAll invites the pending emails, a few at a time, while showing progress and results.
func (r *runner) inviteAll(ctx context.Context, pending []EmailState) {
	var g errgroup.Group
	g.SetLimit(r.s.opts.Concurrency)
	workersDone := make(chan struct{})
	go func() {
		for _, e := range pending {
			g.Go(func() error {
				if res, ok := r.inviteOne(ctx, e); ok {
					r.record(ctx, e.Position, res)
				}
				return nil
			})
		}
		_ = g.Wait()
		close(workersDone)
	}()
	r.report(ctx, workersDone)
}

// report shows progress at most once per interval and results as soon as they can be shown in
// order, until the workers are done.
func (r *runner) report(ctx context.Context, workersDone <-chan struct{}) {
	var lastProgress time.Time
	pace := time.NewTimer(0)
	<-pace.C
	due := false
	for {
		select {
		case <-workersDone:
			return
		case <-r.changed:
			due = true
		case <-pace.C:
		}
		r.deliver(ctx, false)
		if !due {
			continue
		}
		if wait := r.s.opts.ProgressInterval - r.s.opts.Now().Sub(lastProgress); wait > 0 {
			pace.Reset(wait)
			continue
		}
		due, lastProgress = false, r.s.opts.Now()
		if done := r.done(); done < len(r.rec.EmailStates) {
			r.rep.Progress(ctx, r.snapshot(), r.rec.ParentRef, done)
		}
	}
}

// deliver shows the results finished in order since the last shown, and records how far it got.
func (r *runner) deliver(ctx context.Context, final bool) {
	if !r.delivering {
		return
	}
	snap := r.snapshot()
	from := r.delivered()
	upTo := from
	for upTo < len(snap.Results) && snap.Results[upTo].Final() {
		upTo++
	}
	if upTo == from {
		return
	}
	shown, err := r.rep.Deliver(ctx, snap, r.rec.ParentRef, snap.Results[from:upTo], final)
	if shown > 0 {
		r.setDelivered(ctx, from+shown)
	}
	if err != nil && ctx.Err() == nil {
		// The reporter has told the person; showing more would fail the same way.
		r.s.opts.Logger.Warn("could not show results; the rest stay in the audit log", "request_id", r.rec.ID, "error", err)
		r.delivering = false
	}
}

// finish shows the last results and the summary, and closes the request.
func (r *runner) finish(ctx context.Context) bool {
	r.deliver(ctx, true)
	url, _ := r.s.apps.Get(ctx, r.rec.StoreID+"/"+r.rec.AppID, func(ctx context.Context) (string, error) {
		app, err := r.s.api.GetPublishedApp(ctx, r.rec.StoreID, r.rec.AppID)
		if err != nil {
			return "", err // not cached: the next request asks again
		}
		return app.DistributionURL, nil
	})
	if ctx.Err() != nil {
		return false
	}
	if err := r.rep.Finish(ctx, r.rec.report(url), r.rec.ParentRef); err != nil && ctx.Err() == nil {
		r.s.opts.Logger.Warn("could not show a request's summary", "request_id", r.rec.ID, "error", err)
	}
	if ctx.Err() != nil {
		return false
	}
	if err := r.s.store.CloseRequest(ctx, r.rec.ID, r.s.owner, Done); err != nil {
		r.s.logStoreError(err, r.rec.ID)
		return false
	}
	return true
}

// record keeps an email's outcome: in the store (with its audit row) first, then in memory for
// the reporter. A write the store refuses is tried again until it lands, the lease is lost or
// the run is stopped: what happened is known and must not be worked out again from a look-up,
// which could call this request's own new tester "already a tester". An outcome never written
// leaves the email pending with its send time, so whoever resumes it looks the tester up before
// any create.
func (r *runner) record(ctx context.Context, pos int, res Result) {
	res.FinishedAt = r.s.opts.Now()
	res.AccessEnds = r.rec.AccessEnd(res)
	write := func(ctx context.Context) error { return r.s.store.Finish(ctx, r.rec.ID, r.s.owner, pos, res) }
	for attempt := 0; ; attempt++ {
		err := wait.Record(ctx, write)
		if err == nil {
			break
		}
		if attempt == 0 || errors.Is(err, ErrLeaseLost) {
			r.s.logStoreError(err, r.rec.ID)
		}
		if errors.Is(err, ErrLeaseLost) || wait.Sleep(ctx, r.s.recordRetryPause(attempt)) != nil {
			return
		}
	}
	r.mu.Lock()
	r.rec.EmailStates[pos].Result = res
	r.mu.Unlock()
	r.s.observed(r.rec.Request, res)
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// recordRetryPause is the wait before writing an outcome again: RecordRetryPause doubled per
// attempt, up to 5 s, for as long as the store takes to come back.
func (s *Service) recordRetryPause(attempt int) time.Duration {
	return min(s.opts.RecordRetryPause<<min(attempt, 6), 5*time.Second)
}

func (r *runner) setDelivered(ctx context.Context, n int) {
	r.mu.Lock()
	r.rec.Delivered = n
	r.mu.Unlock()
	r.s.logStoreError(wait.Record(ctx, func(ctx context.Context) error {
		return r.s.store.SetDelivered(ctx, r.rec.ID, r.s.owner, n)
	}), r.rec.ID)
}

// snapshot copies the request's state for the reporter, which runs alongside the workers.
func (r *runner) snapshot() Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec.report("")
}

func (r *runner) pending() []EmailState {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []EmailState
	for _, e := range r.rec.EmailStates {
		if !e.Final() {
			out = append(out, e)
		}
	}
	return out
}

func (r *runner) done() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec.done()
}

func (r *runner) delivered() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec.Delivered
}

func (rec *Record) done() int {
	n := 0
	for _, e := range rec.EmailStates {
		if e.Final() {
			n++
		}
	}
	return n
}

// observed logs one outcome and counts it.
func (s *Service) observed(req Request, res Result) {
	attrs := []any{
		slog.String("request_id", req.ID), slog.String("user", req.UserID),
		slog.String("channel", req.ChannelID), slog.String("origin", req.Origin),
		slog.String("store", req.StoreID), slog.String("app", req.AppID),
		slog.String("email", res.Email), slog.String("outcome", string(res.Outcome)),
	}
	if res.Tester != nil {
		attrs = append(attrs, slog.String("otp_user_id", res.Tester.ID))
	}
	if res.Problem.Kind != "" {
		attrs = append(attrs, slog.String("problem", string(res.Problem.Kind)), slog.String("detail", res.Problem.Detail))
	}
	if res.ErrorCode != 0 {
		attrs = append(attrs, slog.Int("applivery_code", res.ErrorCode))
	}
	if res.Recovered {
		attrs = append(attrs, slog.Bool("recovered_unknown_outcome", true))
	}
	s.opts.Logger.Info("invite", attrs...)
	s.opts.Observe.Outcome(res.Outcome)
}

func (s *Service) logStoreError(err error, id string) {
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, ErrLeaseLost) {
		s.opts.Logger.Error("store write failed", "request_id", id, "error", err)
	}
}
