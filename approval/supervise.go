package approval

import (
	"context"
	"time"
)

// Reporter shows people that an ask expired, e.g. by updating its message.
type Reporter interface {
	Expired(ctx context.Context, a Ask) error
}

// Supervise expires the asks past their ExpiresAt, at once (start-up) and then every
// ScanInterval until ctx ends, and reports each to rep once, from whichever process expired it.
// A report that fails is not repeated: the ask's message keeps its buttons, and a lead who
// clicks one is told that the ask expired (a *DecidedError), so the caller can update it then.
func (s *Service) Supervise(ctx context.Context, rep Reporter) {
	for {
		s.expireAndReport(ctx, rep)
		if sleep(ctx, s.opts.ScanInterval) != nil {
			return
		}
	}
}

func (s *Service) expireAndReport(ctx context.Context, rep Reporter) {
	expired, err := s.ExpireDue(ctx, s.now())
	if err != nil && ctx.Err() == nil {
		s.opts.Logger.Warn("could not expire the asks past their time", "error", err.Error())
	}
	for _, a := range expired { // those expired before an error are reported all the same
		if err := rep.Expired(ctx, a); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("could not show that an ask expired", "ask_id", a.ID, "error", err.Error())
		}
	}
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
