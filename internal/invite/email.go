package invite

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/wait"
)

// inviteOne takes one email from its claim to a created (or found) tester. ok is false when the
// run must stop without an outcome (ctx ended, the lease was lost, the store failed): the email
// stays as it is in the store, for this run's next attempt or for whoever resumes the request.
func (r *runner) inviteOne(ctx context.Context, e EmailState) (res Result, ok bool) {
	key := ClaimKey{StoreID: r.rec.StoreID, AppID: r.rec.AppID, EmailKey: strings.ToLower(e.Email)}
	waitedFor, err := r.claim(ctx, key)
	if err != nil {
		return Result{}, false
	}
	if !e.SentAt.IsZero() {
		// A create was sent before this process (or the last pass) stopped: it may still land,
		// and a tester found afterwards is this request's invite.
		return r.afterUnknownCreate(ctx, e, e.SentAt)
	}
	// Another request may have invited this address since this one began (while we waited for
	// its claim, or just before we took ours): its record says who, and Applivery, asked afresh,
	// says whether the tester is still there. The record alone never decides.
	earlier, by, err := r.s.store.LatestInvite(ctx, key, r.rec.CreatedAt)
	if err != nil {
		return Result{}, false
	}
	fresh := waitedFor != "" || earlier != nil
	existing, err := r.lookup(ctx, e.Email, fresh)
	switch {
	case ctx.Err() != nil:
		return Result{}, false
	case err != nil:
		return failure(e.Email, err), true
	case existing != nil:
		res := Result{Email: e.Email, Outcome: AlreadyInvited, Tester: existing}
		if earlier != nil {
			res.InvitedBy = by
		}
		return res, true
	}
	res, ok = r.create(ctx, e)
	if earlier != nil && earlier.Tester != nil && res.Outcome == Invited {
		res.WasGone = true // the record knew a tester Applivery no longer has
	}
	return res, ok
}

// claim takes the address for this request, waiting while another request holds it. It returns
// who asked for that other request when it had to wait, "" when it did not.
func (r *runner) claim(ctx context.Context, key ClaimKey) (waitedFor string, err error) {
	mine := Claim{ClaimKey: key, RequestID: r.rec.ID, UserID: r.rec.UserID}
	for {
		holder, won, err := r.s.store.Claim(ctx, mine)
		if err != nil {
			r.s.logStoreError(err, r.rec.ID)
			return "", err
		}
		if won {
			return waitedFor, nil
		}
		if waitedFor == "" {
			r.s.opts.Logger.Info("address is being invited by another request; waiting", "request_id", r.rec.ID,
				"other_request_id", holder.RequestID, "email_key", key.EmailKey)
		}
		waitedFor = holder.UserID
		if err := wait.Sleep(ctx, r.s.opts.ClaimPoll); err != nil {
			return "", err
		}
	}
}

// create sends the create, and when its outcome is unknown finds out before creating again:
// one invite, never two. An answer from Applivery, even a 5xx, means it is done with the
// request, so the address is looked up at once and the create retried after a short backoff;
// only a create that got no answer waits out the window in which it may still land.
func (r *runner) create(ctx context.Context, e EmailState) (Result, bool) {
	body := applivery.OTPUserRequest{Email: e.Email, AllowedDownloadsNum: r.rec.Downloads, PublishedApplicationID: r.rec.AppID}
	sentBefore := e.Attempts > 0 || !e.SentAt.IsZero()
	var lastErr error
	for attempt := 0; attempt <= r.s.opts.CreateRetries; attempt++ {
		sentAt := r.s.opts.Now()
		if !r.markSending(ctx, e.Position, sentAt) {
			return Result{}, false
		}
		user, err := r.s.api.CreateOTPUser(ctx, r.rec.StoreID, body)
		switch {
		case err == nil:
			return Result{Email: e.Email, Outcome: Invited, Tester: user, Recovered: attempt > 0 || sentBefore}, true
		case ctx.Err() != nil:
			return Result{}, false // the create may land: whoever resumes looks it up in time
		case mayMeanExists(err):
			return r.afterRefusal(ctx, e.Email, err, sentBefore || attempt > 0)
		case !applivery.OutcomeUnknown(err):
			return failure(e.Email, err), true
		}
		lastErr = err
		r.s.opts.Logger.Warn("create outcome unknown; will look the address up before trying again",
			"request_id", r.rec.ID, "email", e.Email, "attempt", attempt+1, "answered", !applivery.MayStillLand(err), "error", err)
		landsBy := sentAt // answered: nothing is still on its way
		if applivery.MayStillLand(err) {
			landsBy = sentAt.Add(r.s.opts.CreateTimeout)
		}
		if res, ok := r.settleUnknown(ctx, e.Email, landsBy); !ok || res.Final() {
			return res, ok
		}
		if attempt < r.s.opts.CreateRetries && wait.Sleep(ctx, r.s.createBackoff(attempt, err)) != nil {
			return Result{}, false
		}
	}
	return failure(e.Email, lastErr), true
}

// markSending records, in the store and in this run's memory, that a create is about to be
// sent: whatever happens next, no pass and no process creates again without looking first.
func (r *runner) markSending(ctx context.Context, pos int, at time.Time) bool {
	if err := r.s.store.MarkSending(ctx, r.rec.ID, r.s.owner, pos, at); err != nil {
		r.s.logStoreError(err, r.rec.ID)
		return false
	}
	r.mu.Lock()
	r.rec.EmailStates[pos].SentAt = at
	r.rec.EmailStates[pos].Attempts++
	r.mu.Unlock()
	return true
}

// createBackoff is the wait before creating again after attempt (0-based) was answered without
// a tester: CreateBackoff doubled per attempt with jitter, or the Retry-After Applivery asked
// for, up to maxCreateBackoff.
func (s *Service) createBackoff(attempt int, err error) time.Duration {
	d := s.opts.CreateBackoff << attempt
	if apiErr, ok := errors.AsType[*applivery.ErrorResponse](err); ok && apiErr.RetryAfter > d {
		d = apiErr.RetryAfter
	}
	d = min(d, maxCreateBackoff)
	return d/2 + rand.N(d/2+1)
}

// maxCreateBackoff caps the wait between creates, so a person sees the result in seconds.
const maxCreateBackoff = 5 * time.Second

// afterUnknownCreate resolves a create sent by an earlier run: once it can no longer land, the
// address is looked up; only when Applivery has no such tester is it created again.
func (r *runner) afterUnknownCreate(ctx context.Context, e EmailState, sentAt time.Time) (Result, bool) {
	if res, ok := r.settleUnknown(ctx, e.Email, sentAt.Add(r.s.opts.CreateTimeout)); !ok || res.Final() {
		return res, ok
	}
	return r.create(ctx, e)
}

// settleUnknown settles a create whose outcome is unknown by looking the address up once it
// can no longer land (at landsBy): invited (recovered) when Applivery has the tester, failed
// when the look-up fails, and still Pending when Applivery has no such tester, so the caller
// creates it again. It returns false when ctx ended first.
func (r *runner) settleUnknown(ctx context.Context, email string, landsBy time.Time) (Result, bool) {
	if err := wait.Sleep(ctx, landsBy.Sub(r.s.opts.Now())); err != nil {
		return Result{}, false
	}
	found, err := r.s.api.FindOTPUser(ctx, r.rec.StoreID, r.rec.AppID, email)
	switch {
	case ctx.Err() != nil:
		return Result{}, false
	case err != nil:
		return Result{Email: email, Outcome: Failed, Problem: Problem{Kind: Undetermined, Detail: err.Error()}}, true
	case found != nil:
		return Result{Email: email, Outcome: Invited, Tester: found, Recovered: true}, true
	}
	return Result{Email: email}, true
}

// afterRefusal handles a create Applivery refused in a way that can mean the tester exists
// (mayMeanExists): usually they were invited meanwhile from elsewhere. A miss of the filtered
// look-up is checked once more against every tester of the app, with no filter, before anyone
// is told the invite failed. sentBefore: this request sent an earlier create for the address,
// so a tester found now is its own invite.
func (r *runner) afterRefusal(ctx context.Context, email string, createErr error, sentBefore bool) (Result, bool) {
	found, err := r.s.api.FindOTPUser(ctx, r.rec.StoreID, r.rec.AppID, email)
	if err == nil && found == nil {
		found, err = r.s.api.ScanForOTPUser(ctx, r.rec.StoreID, r.rec.AppID, email)
	}
	switch {
	case ctx.Err() != nil:
		return Result{}, false
	case err == nil && found != nil && sentBefore:
		return Result{Email: email, Outcome: Invited, Tester: found, Recovered: true}, true
	case err == nil && found != nil:
		return Result{Email: email, Outcome: AlreadyInvited, Tester: found}, true
	}
	return failure(email, createErr), true
}

// mayMeanExists reports a refusal that can mean "this tester already exists": Applivery's
// database validation error (code 6001, which it answers to a second tester with the same
// address), or a 400, 409 or 422, whose meaning the reference leaves open.
func mayMeanExists(err error) bool {
	apiErr, ok := errors.AsType[*applivery.ErrorResponse](err)
	if !ok {
		return false
	}
	switch apiErr.StatusCode {
	case http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity:
		return true
	}
	return apiErr.Code == applivery.CodeDatabaseValidationError
}

// failure turns an Applivery error into a Failed result.
func failure(email string, err error) Result {
	p, code := Classify(err)
	return Result{Email: email, Outcome: Failed, Problem: p, ErrorCode: code}
}
