package approval

import (
	"context"
	"time"
)

// Handler shows people what became of asks, and starts the invites approvals allow.
type Handler interface {
	// Expired shows that an ask expired, e.g. by updating its message. It is called once, by
	// whichever process expired the ask.
	Expired(ctx context.Context, a Ask) error
	// Approved starts the invite of an ask approved StartGrace ago or more whose request is not
	// recorded: the process that approved it stopped first, or its database failed. It is called
	// again, on any process, until SetRequest records the request, so a second start must be
	// harmless (an invite id chosen per ask makes it so).
	Approved(ctx context.Context, a Ask) error
}

// unstartedBatch bounds the approvals one scan starts.
const unstartedBatch = 20

// Supervise, at once (start-up) and then every ScanInterval until ctx ends or Shutdown is
// called, expires the asks past their ExpiresAt and reports each to h once, from whichever
// process expired it; then it hands h the approvals whose invite was never recorded, so no
// approval is lost to a crash. A report that fails is not repeated: the ask's message keeps its
// buttons, and a lead who clicks one is told that the ask expired (a *DecidedError), so the
// caller can update it then.
func (s *Service) Supervise(ctx context.Context, h Handler) {
	s.supervisor.Run(ctx, s.opts.ScanInterval, func(ctx context.Context, _ func(func(context.Context))) {
		now := s.now() // one instant per scan: what it expires and what it starts agree
		s.expireAndReport(ctx, h, now)
		s.startUnstarted(ctx, h, now)
	})
}

// Shutdown stops Supervise and waits for the scan in hand, whose context ends at once: h sees
// it and starts nothing more. When ctx ends first, Shutdown returns its error.
func (s *Service) Shutdown(ctx context.Context) error { return s.supervisor.Shutdown(ctx) }

func (s *Service) expireAndReport(ctx context.Context, h Handler, now time.Time) {
	expired, err := s.ExpireDue(ctx, now)
	if err != nil && ctx.Err() == nil {
		s.opts.Logger.Warn("could not expire the asks past their time", "error", err)
	}
	for _, a := range expired { // those expired before an error are reported all the same
		if err := h.Expired(ctx, a); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("could not show that an ask expired", "ask_id", a.ID, "error", err)
		}
	}
}

func (s *Service) startUnstarted(ctx context.Context, h Handler, now time.Time) {
	asks, err := s.store.UnstartedAsks(ctx, now.Add(-s.opts.StartGrace), unstartedBatch)
	if err != nil && ctx.Err() == nil {
		s.opts.Logger.Warn("could not look for approvals whose invite never started", "error", err)
	}
	for _, a := range asks {
		s.opts.Logger.Info("starting the invite of an earlier approval", "ask_id", a.ID, "approved_by", a.DecidedBy)
		if err := h.Approved(ctx, a); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("could not start the invite of an approval", "ask_id", a.ID, "error", err)
		}
	}
}
