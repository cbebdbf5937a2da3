package expiry

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/wait"
)

// batch bounds how many ends one process works on at once. A scan that took any looks again at
// once, so a backlog drains batch after batch rather than one batch per interval; a batch short
// of full does not mean nothing is left, as other processes may have taken part of it.
const batch = 10

// Supervise ends access when its time comes: at once (start-up, which also finishes what a
// stopped process released) and then every ScanInterval, until ctx ends or Shutdown is called.
// It returns once the ends in hand are done with.
func (s *Service) Supervise(ctx context.Context, rep Reporter) {
	s.supervisor.Run(ctx, s.opts.ScanInterval, func(ctx context.Context, start func(func(context.Context))) {
		s.scan(ctx, start, rep)
	})
}

// Shutdown stops Supervise looking for ends and waits for the ends in hand. When ctx ends first,
// their work is cancelled and each is given back for the next process, and Shutdown returns
// ctx's error once they have been.
func (s *Service) Shutdown(ctx context.Context) error { return s.supervisor.Shutdown(ctx) }

// scan takes the ends that need work now and works on them together, batch after batch, each
// started with start.
func (s *Service) scan(ctx context.Context, start func(func(context.Context)), rep Reporter) {
	for ctx.Err() == nil {
		now := s.opts.Now()
		due, err := s.store.TakeDue(ctx, s.owner, now, now.Add(s.opts.LeaseTTL), batch)
		if err != nil {
			if ctx.Err() == nil {
				s.opts.Logger.Warn("could not look for access to end", "error", err)
			}
			return
		}
		var wg sync.WaitGroup
		for _, e := range due {
			wg.Add(1)
			start(func(work context.Context) {
				defer wg.Done()
				s.handle(work, e, rep)
			})
		}
		wg.Wait()
		if len(due) == 0 {
			return
		}
	}
}

// handle removes the tester when that is still to do, then tells people.
func (s *Service) handle(ctx context.Context, e End, rep Reporter) {
	ctx = applivery.WithShare(ctx, Origin) // ends take their turn with invites at a shared Gate
	if e.State == Scheduled && !s.remove(ctx, &e) {
		return
	}
	s.tell(ctx, e, rep)
}

// remove deletes the tester and records the outcome with its audit row. It reports whether the
// end is finished and still this process's to tell people about.
func (s *Service) remove(ctx context.Context, e *End) bool {
	err := s.delete(ctx, e.Key)
	now := s.opts.Now()
	switch {
	case err == nil:
		e.State = Ended
	case errors.Is(err, applivery.ErrNotFound):
		e.State = Gone // removed by hand, or by an earlier DELETE whose answer was lost
	case ctx.Err() != nil:
		// Stopping: whoever scans next removes the tester, or finds them gone if this DELETE landed.
		s.release(*e, now)
		return false
	default:
		e.Attempts++
		e.Problem = problemOf(err)
		if e.Attempts < s.opts.MaxAttempts {
			s.opts.Logger.Warn("could not remove a tester whose access ended; will try again",
				append(attrs(*e), "attempt", e.Attempts, "error", err)...)
			s.release(*e, now.Add(time.Duration(e.Attempts)*s.opts.RetryPause))
			return false
		}
		e.State = Failed
	}
	e.EndedAt = now
	err = wait.Record(ctx, func(ctx context.Context) error { return s.store.FinishEnd(ctx, *e, s.owner) })
	if err != nil {
		// The end is another process's now; or the store failed, the lease will expire, and the
		// next DELETE finds the tester gone.
		s.logStoreError(err, *e)
		return false
	}
	if e.State == Failed {
		s.opts.Logger.Error("could not remove a tester whose access ended; giving up", append(attrs(*e),
			"attempts", e.Attempts, "problem", string(e.Problem.Kind), "detail", e.Problem.Detail)...)
	} else {
		s.opts.Logger.Info("access ended", attrs(*e)...)
	}
	return true
}

// delete removes the OTP user within a third of the lease.
func (s *Service) delete(ctx context.Context, key Key) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.LeaseTTL/3)
	defer cancel()
	return s.api.DeleteOTPUser(ctx, key.StoreID, key.OTPUserID)
}

// problemOf classifies a failed removal. Running out of its third of the lease is Applivery being
// too slow, not the bot stopping.
func problemOf(err error) invite.Problem {
	p, _ := invite.Classify(err)
	if p.Kind == invite.Stopped {
		p.Kind = invite.Unreachable
	}
	return p
}

// tell has the reporter tell people about a finished end, and records that it did. A crash (or
// a store failure) between the two lets the next process tell them again: once more at most.
func (s *Service) tell(ctx context.Context, e End, rep Reporter) {
	err := s.report(ctx, e, rep)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		s.release(e, s.opts.Now()) // stopping: whoever scans next tells them
		return
	default:
		e.PostAttempts++
		if e.PostAttempts < s.opts.MaxAttempts {
			s.opts.Logger.Warn("could not tell people that a tester's access ended; will try again",
				append(attrs(e), "attempt", e.PostAttempts, "error", err)...)
			s.release(e, s.opts.Now().Add(time.Duration(e.PostAttempts)*s.opts.RetryPause))
			return
		}
		s.opts.Logger.Error("gave up telling people that a tester's access ended; the audit log has it",
			append(attrs(e), "error", err)...)
	}
	s.logStoreError(wait.Record(ctx, func(ctx context.Context) error { return s.store.MarkPosted(ctx, e.Key, s.owner) }), e)
}

// report calls the reporter within a third of the lease.
func (s *Service) report(ctx context.Context, e End, rep Reporter) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.LeaseTTL/3)
	defer cancel()
	if e.State == Failed {
		return rep.Failed(ctx, e, e.Problem)
	}
	return rep.Ended(ctx, e)
}

// release gives an end up until notBefore; when even that fails, the lease simply expires.
func (s *Service) release(e End, notBefore time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.logStoreError(s.store.Release(ctx, e, s.owner, notBefore), e)
}

func (s *Service) logStoreError(err error, e End) {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
	case errors.Is(err, invite.ErrLeaseLost):
		s.opts.Logger.Info("another process has taken the end over", attrs(e)...)
	default:
		s.opts.Logger.Error("store write failed", append(attrs(e), "error", err)...)
	}
}

// attrs name an end in logs.
func attrs(e End) []any {
	return []any{
		slog.String("request_id", e.RequestID), slog.String("store", e.StoreID), slog.String("app", e.AppID),
		slog.String("otp_user_id", e.OTPUserID), slog.String("email", e.Email), slog.Time("ends_at", e.EndsAt),
		slog.String("state", string(e.State)),
	}
}
