package invite

import (
	"context"
	"errors"
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
	// Another request may have invited this address since this one began (while we waited for
	// its claim, or just before we took ours): report theirs rather than trust an older look-up.
	found, by, err := r.s.store.LatestInvite(ctx, key, r.rec.CreatedAt)
	if err != nil {
		return Result{}, false
	}
	if found != nil && found.Tester != nil {
		return Result{Email: e.Email, Outcome: AlreadyInvited, Tester: found.Tester, InvitedBy: by}, true
	}
	if !e.SentAt.IsZero() {
		// A create was sent before this process (or the last run) stopped: it may still land.
		return r.afterUnknownCreate(ctx, e, e.SentAt)
	}
	existing, err := r.lookup(ctx, e.Email, waitedFor != "")
	switch {
	case ctx.Err() != nil:
		return Result{}, false
	case err != nil:
		return failure(e.Email, err), true
	case existing != nil:
		return Result{Email: e.Email, Outcome: AlreadyInvited, Tester: existing}, true
	}
	return r.create(ctx, e)
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
// one invite, never two.
func (r *runner) create(ctx context.Context, e EmailState) (Result, bool) {
	body := applivery.OTPUserRequest{Email: e.Email, AllowedDownloadsNum: r.rec.Downloads, PublishedApplicationID: r.rec.AppID}
	var lastErr error
	for attempt := 0; attempt <= r.s.opts.CreateRetries; attempt++ {
		sentAt := r.s.opts.Now()
		if err := r.s.store.MarkSending(ctx, r.rec.ID, r.s.owner, e.Position, sentAt); err != nil {
			r.s.logStoreError(err, r.rec.ID)
			return Result{}, false
		}
		user, err := r.s.api.CreateOTPUser(ctx, r.rec.StoreID, body)
		switch {
		case err == nil:
			return Result{Email: e.Email, Outcome: Invited, Tester: user, Recovered: attempt > 0}, true
		case ctx.Err() != nil:
			return Result{}, false // the create may land: whoever resumes looks it up in time
		case isDuplicate(err):
			return r.afterDuplicate(ctx, e.Email, err)
		case !applivery.OutcomeUnknown(err):
			return failure(e.Email, err), true
		}
		lastErr = err
		r.s.opts.Logger.Warn("create outcome unknown; will look the address up before trying again",
			"request_id", r.rec.ID, "email", e.Email, "attempt", attempt+1, "error", err.Error())
		if res, ok := r.settleUnknown(ctx, e.Email, sentAt); !ok || res.Final() {
			return res, ok
		}
	}
	return failure(e.Email, lastErr), true
}

// afterUnknownCreate resolves a create sent by an earlier run: once it can no longer land, the
// address is looked up; only when Applivery has no such tester is it created again.
func (r *runner) afterUnknownCreate(ctx context.Context, e EmailState, sentAt time.Time) (Result, bool) {
	if res, ok := r.settleUnknown(ctx, e.Email, sentAt); !ok || res.Final() {
		return res, ok
	}
	return r.create(ctx, e)
}

// settleUnknown settles a create whose outcome is unknown by looking the address up once it
// can no longer land: invited (recovered) when Applivery has the tester, failed when the
// look-up fails, and still Pending when Applivery has no such tester, so the caller creates it
// again. It returns false when ctx ended first.
func (r *runner) settleUnknown(ctx context.Context, email string, sentAt time.Time) (Result, bool) {
	found, err := r.lookAfter(ctx, email, sentAt)
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

// lookAfter looks an address up once a create sent at sentAt can no longer land: Applivery
// may still commit a create whose answer was lost until the client's timeout has passed.
func (r *runner) lookAfter(ctx context.Context, email string, sentAt time.Time) (*applivery.OTPUser, error) {
	if err := wait.Sleep(ctx, sentAt.Add(r.s.opts.CreateTimeout).Sub(r.s.opts.Now())); err != nil {
		return nil, err
	}
	return r.s.api.FindOTPUser(ctx, r.rec.StoreID, r.rec.AppID, email)
}

// afterDuplicate handles a create Applivery refused because the data clashes with what it has
// (code 6001): usually the tester exists, invited meanwhile from elsewhere.
func (r *runner) afterDuplicate(ctx context.Context, email string, createErr error) (Result, bool) {
	found, err := r.s.api.FindOTPUser(ctx, r.rec.StoreID, r.rec.AppID, email)
	switch {
	case ctx.Err() != nil:
		return Result{}, false
	case err == nil && found != nil:
		return Result{Email: email, Outcome: AlreadyInvited, Tester: found}, true
	}
	return failure(email, createErr), true
}

// isDuplicate reports Applivery's "database validation" error, which it answers to a second
// tester with the same address.
func isDuplicate(err error) bool {
	apiErr, ok := errors.AsType[*applivery.ErrorResponse](err)
	return ok && apiErr.Code == applivery.CodeDatabaseValidationError
}

// failure turns an Applivery error into a Failed result.
func failure(email string, err error) Result {
	p, code := Classify(err)
	return Result{Email: email, Outcome: Failed, Problem: p, ErrorCode: code}
}
