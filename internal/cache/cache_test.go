package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests run in a testing/synctest bubble: time.Sleep moves the bubble's clock at once, so
// a TTL passes without waiting for it.

func TestBurstSharesOneFetchUntilTheValueExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string](time.Minute, 0)
		var calls atomic.Int32
		release := make(chan struct{})
		fetch := func(context.Context) (string, error) {
			calls.Add(1)
			<-release
			return "members", nil
		}
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				v, err := c.Get(context.Background(), "S1", fetch)
				assert.NoError(t, err)
				assert.Equal(t, "members", v)
			})
		}
		// Let the burst pile up on the one fetch in flight, then answer it.
		synctest.Wait()
		require.EqualValues(t, 1, calls.Load())
		close(release)
		wg.Wait()
		assert.EqualValues(t, 1, calls.Load())

		time.Sleep(2 * time.Minute)
		_, err := c.Get(context.Background(), "S1", fetch)
		require.NoError(t, err)
		assert.EqualValues(t, 2, calls.Load(), "fetched again once expired")
	})
}

func TestACallerThatMissedJustBeforeAFlightLandedDoesNotFetchAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string](time.Minute, 0)
		var calls atomic.Int32
		fetch := func(context.Context) (string, error) { calls.Add(1); return "members", nil }
		// The late caller misses, then the first caller's whole flight runs and stores its value
		// before the late one joins any flight.
		c.missed = func() {
			c.missed = nil
			_, err := c.Get(context.Background(), "S1", fetch)
			assert.NoError(t, err)
		}
		v, err := c.Get(context.Background(), "S1", fetch)
		require.NoError(t, err)
		assert.Equal(t, "members", v)
		assert.EqualValues(t, 1, calls.Load(), "the value stored a moment ago is used")
	})
}

func TestFailuresAreRememberedBriefly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string](time.Minute, 10*time.Second)
		var calls int
		boom := errors.New("ratelimited")
		fetch := func(context.Context) (string, error) { calls++; return "", boom }

		for range 3 {
			_, err := c.Get(context.Background(), "S1", fetch)
			require.ErrorIs(t, err, boom)
		}
		assert.Equal(t, 1, calls, "an outage is asked once per failTTL, not once per request")

		time.Sleep(11 * time.Second)
		_, _ = c.Get(context.Background(), "S1", fetch)
		assert.Equal(t, 2, calls)
	})
}

func TestPeekKeepsTheLastGoodValueThroughAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string](time.Minute, time.Second)
		_, ok := c.Peek("C1")
		assert.False(t, ok)

		_, err := c.Get(context.Background(), "C1", func(context.Context) (string, error) { return "#beta", nil })
		require.NoError(t, err)
		time.Sleep(2 * time.Minute)
		_, err = c.Get(context.Background(), "C1", func(context.Context) (string, error) { return "", errors.New("down") })
		require.Error(t, err)

		v, ok := c.Peek("C1")
		assert.True(t, ok)
		assert.Equal(t, "#beta", v)
	})
}

func TestACallerStopsWaitingWhenItsContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string](time.Minute, 0)
		release := make(chan struct{})
		defer close(release)
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		go func() {
			<-started
			cancel()
		}()
		_, err := c.Get(ctx, "slow", func(context.Context) (string, error) {
			close(started)
			<-release
			return "late", nil
		})
		assert.ErrorIs(t, err, context.Canceled)
	})
}
