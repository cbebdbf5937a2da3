package slackfake

import (
	"context"
	"errors"
	"fmt"
)

// errClosed is returned by waiters once the test's cleanup closed the fake.
var errClosed = errors.New("slackfake: server closed")

// waitFor blocks until find reports a value or ctx ends. find is re-run after
// every state change, so waiters react to signals instead of polling. It runs
// without s.mu held (it reads through the public snapshot methods), so test
// callbacks inside it may call back into the server. what names the awaited
// thing in the error.
func waitFor[T any](ctx context.Context, s *Server, what string, find func() (T, bool)) (T, error) {
	for {
		// Take the change signal before looking, so a change that lands
		// between the look and the select still wakes us.
		s.mu.Lock()
		closed, changed := s.closed, s.changed
		s.mu.Unlock()

		if found, ok := find(); ok {
			return found, nil
		}
		var zero T
		if closed {
			return zero, fmt.Errorf("waiting for %s: %w", what, errClosed)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return zero, fmt.Errorf("slackfake: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// first returns the first item satisfying match; a nil match accepts any.
// matching returns the items match accepts, in order.
func matching[T any](items []T, match func(T) bool) []T {
	var out []T
	for _, item := range items {
		if match(item) {
			out = append(out, item)
		}
	}
	return out
}

func first[T any](items []T, match func(T) bool) (T, bool) {
	for _, item := range items {
		if match == nil || match(item) {
			return item, true
		}
	}
	var zero T
	return zero, false
}

// WaitUntil blocks until cond holds, checking it after every change of the fake's state, for
// conditions over many conversations at once (every tester told, every id shown). cond runs
// without the fake's lock and may read through its methods. what names it in the error.
func (s *Server) WaitUntil(ctx context.Context, what string, cond func() bool) error {
	_, err := waitFor(ctx, s, what, func() (struct{}, bool) { return struct{}{}, cond() })
	return err
}
