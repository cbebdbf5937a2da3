// Package wait holds the ways the long-running loops of the bot meet time and cancellation:
// sleeping unless stopped, and writing down what already happened although stopped.
package wait

import (
	"context"
	"time"
)

// Sleep waits for d unless ctx ends first, and then returns ctx's error. A d of zero or less
// does not wait.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recordTimeout bounds a record written after its work was stopped.
const recordTimeout = 10 * time.Second

// Record runs write with a context that ignores ctx's cancellation for up to 10 s. It is for
// recording something that has already happened (a tester created, a message posted): the
// record must be written even when the work is being stopped, or the next process would do
// it again.
func Record(ctx context.Context, write func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	return write(ctx)
}
