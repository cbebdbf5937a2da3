package invite

import (
	"context"

	"github.com/testerbot/testerbot/internal/wait"
)

// takeOverBatch bounds how many requests one scan takes over, so one process does not grab a
// dead replica's whole backlog while others could share it.
const takeOverBatch = 10

// Supervise finishes the requests whose process stopped — a crash, an OOM kill, a deploy, a
// replica that died — once their lease has expired: at once (start-up) and then every
// ScanInterval, until ctx ends. The runs it starts use work, so a graceful shutdown can stop
// scanning, let them drain, and cancel work last; Wait waits for them.
func (s *Service) Supervise(ctx, work context.Context, rep Reporter) {
	atStartUp := true
	for {
		s.takeOver(ctx, work, rep, atStartUp)
		atStartUp = false
		if wait.Sleep(ctx, s.opts.ScanInterval) != nil {
			return
		}
	}
}

func (s *Service) takeOver(ctx, work context.Context, rep Reporter, atStartUp bool) {
	now := s.opts.Now()
	taken, err := s.store.TakeOver(ctx, s.owner, now, now.Add(s.opts.LeaseTTL), takeOverBatch)
	if err != nil {
		if ctx.Err() == nil {
			s.opts.Logger.Warn("could not look for requests to resume", "error", err.Error())
		}
		return
	}
	for _, t := range taken {
		s.opts.Logger.Info("taking over an unfinished request", "request_id", t.ID, "previous_owner", t.PrevOwner, "at_start_up", atStartUp)
		s.opts.Observe.Resumed(!atStartUp)
		s.runs.Add(1)
		go func() {
			defer s.runs.Done()
			s.run(work, t.ID, rep, true)
		}()
	}
}

// Wait blocks until the runs Supervise started have ended, or ctx ends; it reports whether they
// all ended.
func (s *Service) Wait(ctx context.Context) bool {
	return wait.Group(ctx, &s.runs)
}
