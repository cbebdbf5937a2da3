package testclock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/testclock"
)

func TestTheClockMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	c := testclock.New(start)
	require.Equal(t, start, c.Now())
	require.Equal(t, start, c.Now(), "time does not pass by itself")
	c.Advance(time.Minute)
	require.Equal(t, start.Add(time.Minute), c.Now())
	c.Set(start)
	require.Equal(t, start, c.Now())
}
