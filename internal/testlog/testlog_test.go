package testlog_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/testlog"
)

func TestConcurrentWritesAreAllKept(t *testing.T) {
	var b testlog.Buffer
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { fmt.Fprintf(&b, "line %02d\n", i) })
	}
	wg.Wait()
	require.Len(t, b.String(), 50*len("line 00\n"))
}

func TestWaitForWakesOnTheWriteThatBringsTheText(t *testing.T) {
	var b testlog.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.WaitFor(ctx, "ready") }()
	fmt.Fprint(&b, "starting\n")
	fmt.Fprint(&b, "ready\n")
	require.NoError(t, <-done)
}

func TestWaitForGivesUpWithTheContext(t *testing.T) {
	var b testlog.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, b.WaitFor(ctx, "never"), context.Canceled)
}
