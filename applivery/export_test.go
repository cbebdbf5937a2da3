package applivery

import (
	"context"
	"time"
)

// Pause and Acquire let the gate's tests drive a Gate without HTTP.

func (g *Gate) Pause(d time.Duration) { g.pause(d) }

func (g *Gate) Acquire(ctx context.Context) (release func(), err error) { return g.acquire(ctx) }
