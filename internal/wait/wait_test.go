package wait_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/wait"
)

func TestSleepReturnsAtOnceWhenStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, wait.Sleep(ctx, time.Hour), context.Canceled)
	require.ErrorIs(t, wait.Sleep(ctx, 0), context.Canceled, "no wait still reports the stop")
}

func TestSleepWaitsOutTheDuration(t *testing.T) {
	require.NoError(t, wait.Sleep(context.Background(), time.Millisecond))
	require.NoError(t, wait.Sleep(context.Background(), -time.Second))
}

func TestRecordWritesAlthoughStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var deadline time.Time
	err := wait.Record(ctx, func(ctx context.Context) error {
		require.NoError(t, ctx.Err(), "the write's context is live")
		deadline, _ = ctx.Deadline()
		return nil
	})
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(10*time.Second), deadline, time.Second, "but bounded")
}
