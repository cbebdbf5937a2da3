package invite

import (
	"context"
	"errors"
	"fmt"

	"github.com/testerbot/testerbot/applivery"
)

// create invites one valid email: it first asks Applivery whether the tester already exists for
// this app (so nobody is invited twice), then creates them.
func (s *Service) create(ctx context.Context, req Request, email string) Result {
	existing, err := s.api.FindOTPUser(ctx, req.StoreID, req.AppID, email)
	if err != nil {
		return failure(email, fmt.Errorf("look up %s: %w", email, err))
	}
	if existing != nil {
		return Result{Email: email, Status: AlreadyInvited, User: existing}
	}
	return s.createNew(ctx, req, email)
}

// createNew creates the OTP user. A create is not idempotent: when its outcome is unknown (a
// timeout, a dropped connection, a 5xx) the user may exist already, so before trying again the
// email is looked up and an existing user counts as success. One invite, never two.
func (s *Service) createNew(ctx context.Context, req Request, email string) Result {
	body := applivery.OTPUserRequest{Email: email, AllowedDownloadsNum: req.Downloads, PublishedApplicationID: req.AppID}
	delay := s.opts.RetryDelay
	var lastErr error
	for attempt := 0; attempt <= s.opts.CreateRetries; attempt++ {
		if attempt > 0 {
			if err := s.opts.Sleep(ctx, delay); err != nil {
				return failure(email, fmt.Errorf("create otp user %s: %w (after %w)", email, err, lastErr))
			}
			delay *= 2
			found, err := s.api.FindOTPUser(ctx, req.StoreID, req.AppID, email)
			if err != nil {
				lastErr = err // cannot tell whether the last create landed: creating again could duplicate
				continue
			}
			if found != nil {
				return Result{Email: email, Status: Invited, User: found, Recovered: true}
			}
		}
		user, err := s.api.CreateOTPUser(ctx, req.StoreID, body)
		if err == nil {
			return Result{Email: email, Status: Invited, User: user, Recovered: attempt > 0}
		}
		lastErr = err
		if !applivery.OutcomeUnknown(err) || ctx.Err() != nil {
			break
		}
		s.opts.Logger.Warn("create outcome unknown, will check before retrying",
			"request_id", req.ID, "email", email, "attempt", attempt+1, "error", err.Error())
	}
	return failure(email, fmt.Errorf("create otp user %s: %w", email, lastErr))
}

// failure turns an error into a Result that says what to do about it.
func failure(email string, err error) Result {
	res := Result{Email: email, Status: Failed, Err: err, Reason: Explain(err)}
	var apiErr *applivery.ErrorResponse
	if errors.As(err, &apiErr) {
		res.ErrorCode = apiErr.Code
		res.APIMessage = apiErr.Message
	}
	return res
}

// Explain says, in one sentence for the person who asked, what an Applivery error means and
// what to do about it. It branches on Applivery's error code through the client's sentinels.
func Explain(err error) string {
	switch {
	case errors.Is(err, applivery.ErrUnauthorized):
		return "The bot's Applivery token was refused: ask an admin to check APPLIVERY_API_TOKEN."
	case errors.Is(err, applivery.ErrNotFound):
		return "Applivery does not know this store or app: ask an admin to check the ids in the channel mapping file."
	case errors.Is(err, applivery.ErrValidation):
		return "Applivery rejected the data for this tester: check the address and the allowed downloads."
	case errors.Is(err, applivery.ErrLimitExceeded):
		return "The Applivery plan's limit was reached: remove unused testers or raise the limit."
	case errors.Is(err, applivery.ErrFilterTooLong):
		return fmt.Sprintf("That search text is too long for Applivery: use at most %d characters.", applivery.MaxFilterLength)
	case errors.Is(err, applivery.ErrRateLimited):
		return "Applivery is receiving too many requests: try again in a minute."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "The bot stopped waiting for Applivery: try again in a moment."
	default:
		return "Applivery could not be reached or failed: try again in a few minutes."
	}
}
