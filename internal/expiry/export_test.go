package expiry

import "context"

// ScanOnce is one scan of Supervise, for tests that move the clock instead of waiting: it
// returns once the ends it took are done with.
func (s *Service) ScanOnce(ctx context.Context, rep Reporter) {
	s.scan(ctx, func(run func(context.Context)) { go run(ctx) }, rep)
}
