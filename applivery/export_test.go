package applivery

import (
	"context"
	"time"
)

// WithSleep replaces the wait between attempts, so that this package's tests
// can record the delays instead of waiting them out.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) error {
		s.sleep = sleep
		return nil
	}
}

// Pause and Acquire let the gate's tests drive a Gate without HTTP.

func (g *Gate) Pause(d time.Duration) { g.pause(d) }

func (g *Gate) Acquire(ctx context.Context) (release func(), err error) { return g.acquire(ctx) }

// SameOrigin is the client's redirect policy, for tests of what no test server can serve (a
// redirect from https to http).
var SameOrigin = sameOrigin
