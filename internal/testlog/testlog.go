// Package testlog gives tests one log buffer that many goroutines (or a child process) may
// write while the test reads it, and that a test can wait on instead of polling.
package testlog

import (
	"bytes"
	"context"
	"strings"
	"sync"
)

// Buffer is a log written concurrently and read by tests. The zero value is ready to use.
type Buffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

// Write appends p and wakes whoever waits in WaitFor.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitFor blocks until the log contains text, or ctx ends.
func (b *Buffer) WaitFor(ctx context.Context, text string) error {
	for {
		b.mu.Lock()
		found := strings.Contains(b.buf.String(), text)
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		if found {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
