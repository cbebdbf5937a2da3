package lease_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/lease"
)

func TestNewOwnerIsPrefixedAndRandom(t *testing.T) {
	t.Parallel()
	a, b := lease.NewOwner("p"), lease.NewOwner("p")
	assert.True(t, strings.HasPrefix(a, "p"), a)
	assert.Len(t, a, 1+26, "the prefix and 128 random bits in base32")
	assert.NotEqual(t, a, b)
}

// The tests below run in a synctest bubble: time moves only once every goroutine waits, so
// "an hour later" takes no time and nothing sleeps.

// A supervisor scans at start-up, then once per interval.
func TestSupervisorScansAtOnceThenEveryInterval(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var s lease.Supervisor
		var scans atomic.Int32
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Run(ctx, time.Hour, func(context.Context, func(func(context.Context))) { scans.Add(1) })
		}()
		synctest.Wait()
		assert.Equal(t, int32(1), scans.Load(), "at start-up")
		time.Sleep(time.Hour - time.Nanosecond) // the bubble's clock: no real time passes
		synctest.Wait()
		assert.Equal(t, int32(1), scans.Load(), "not before the interval")
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		assert.Equal(t, int32(2), scans.Load(), "once the interval has passed")
		cancel()
		<-done
	})
}

// Shutdown stops the scans and waits for the runs they started, which keep their context: they
// finish what they were doing. Run returns only after them.
func TestShutdownWaitsForTheRunsInHand(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var s lease.Supervisor
		release, scans := make(chan struct{}), 0
		var finished atomic.Bool
		runReturned := make(chan struct{})
		go func() {
			defer close(runReturned)
			s.Run(t.Context(), time.Minute, func(_ context.Context, start func(func(context.Context))) {
				if scans++; scans == 1 {
					start(func(ctx context.Context) {
						select {
						case <-release:
							finished.Store(ctx.Err() == nil)
						case <-ctx.Done():
						}
					})
				}
			})
		}()
		synctest.Wait()
		shutdown := make(chan error, 1)
		go func() { shutdown <- s.Shutdown(t.Context()) }()
		time.Sleep(time.Hour) // no scan meanwhile, and Shutdown still waits
		synctest.Wait()
		assert.Equal(t, 1, scans, "no scan after Shutdown")
		select {
		case <-runReturned:
			t.Fatal("Run returned before its run ended")
		case <-shutdown:
			t.Fatal("Shutdown returned before the run ended")
		default:
		}
		close(release)
		require.NoError(t, <-shutdown)
		<-runReturned
		assert.True(t, finished.Load(), "the run finished on a live context")

		s.Run(t.Context(), time.Minute, func(context.Context, func(func(context.Context))) { t.Error("scanned after Shutdown") })
	})
}

// When Shutdown cannot wait any longer, the runs are cancelled; Shutdown returns once they have
// returned, with its context's error.
func TestShutdownCancelsTheRunsWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var s lease.Supervisor
		var cause atomic.Value
		runReturned := make(chan struct{})
		go func() {
			defer close(runReturned)
			s.Run(t.Context(), time.Minute, func(_ context.Context, start func(func(context.Context))) {
				start(func(ctx context.Context) {
					<-ctx.Done()
					cause.Store(ctx.Err())
				})
			})
		}()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		require.ErrorIs(t, s.Shutdown(ctx), context.DeadlineExceeded)
		<-runReturned
		assert.Equal(t, context.Canceled, cause.Load(), "the run was cancelled")
	})
}

func TestShutdownBeforeRunReturnsAtOnce(t *testing.T) {
	t.Parallel()
	var s lease.Supervisor
	require.NoError(t, s.Shutdown(t.Context()))
	s.Run(t.Context(), time.Minute, func(context.Context, func(func(context.Context))) { t.Error("scanned after Shutdown") })
}

var errLost = errors.New("lost")

// Keep renews at every interval while the work runs, and stops when told to.
func TestKeepRenewsUntilStopped(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var renewals atomic.Int32
		ctx, stop := lease.Keep(t.Context(), 10*time.Second, func(context.Context) error {
			renewals.Add(1)
			return nil
		})
		time.Sleep(35 * time.Second)
		synctest.Wait()
		assert.Equal(t, int32(3), renewals.Load())
		assert.NoError(t, ctx.Err())
		stop()
		require.ErrorIs(t, ctx.Err(), context.Canceled)
		time.Sleep(time.Minute)
		assert.Equal(t, int32(3), renewals.Load(), "no renewal after stop")
	})
}

// A lease lost ends the work, which can tell why from its context's cause.
func TestKeepEndsTheWorkOnceTheLeaseIsLost(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var renewals atomic.Int32
		ctx, stop := lease.Keep(t.Context(), 10*time.Second, func(context.Context) error {
			if renewals.Add(1) == 2 {
				return errLost
			}
			return nil
		})
		defer stop()
		<-ctx.Done()
		require.ErrorIs(t, context.Cause(ctx), errLost)
		time.Sleep(time.Minute)
		assert.Equal(t, int32(2), renewals.Load(), "no renewal once lost")
	})
}
