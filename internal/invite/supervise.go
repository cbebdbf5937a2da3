package invite

import (
	"context"
)

// takeOverBatch bounds how many requests one scan takes over, so one process does not grab a
// dead replica's whole backlog while others could share it.
const takeOverBatch = 10

// Supervise finishes the requests whose process stopped — a crash, an OOM kill, a deploy, a
// replica that died — once their lease has expired: at once (start-up) and then every
// ScanInterval, until ctx ends or Shutdown is called. It returns once the runs it started have
// ended too.
func (s *Service) Supervise(ctx context.Context, rep Reporter) {
	atStartUp := true
	s.supervisor.Run(ctx, s.opts.ScanInterval, func(ctx context.Context, start func(func(context.Context))) {
		s.takeOver(ctx, start, rep, atStartUp)
		atStartUp = false
	})
}

// Shutdown stops Supervise looking for requests and waits for the runs it started. When ctx
// ends first, they are cancelled, what they could not finish stays in the store for whoever
// resumes it, and Shutdown returns ctx's error once they have returned.
func (s *Service) Shutdown(ctx context.Context) error { return s.supervisor.Shutdown(ctx) }

func (s *Service) takeOver(ctx context.Context, start func(func(context.Context)), rep Reporter, atStartUp bool) {
	now := s.opts.Now()
	taken, err := s.store.TakeOver(ctx, s.owner, now, now.Add(s.opts.LeaseTTL), takeOverBatch)
	if err != nil {
		if ctx.Err() == nil {
			s.opts.Logger.Warn("could not look for requests to resume", "error", err)
		}
		return
	}
	for _, t := range taken {
		s.opts.Logger.Info("taking over an unfinished request", "request_id", t.ID, "previous_owner", t.PrevOwner, "at_start_up", atStartUp)
		s.opts.Observe.Resumed(!atStartUp)
		start(func(work context.Context) { s.run(work, t.ID, rep, true) })
	}
}
