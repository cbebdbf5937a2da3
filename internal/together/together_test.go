package together_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/together"
)

func TestRunCallsEachIndexOnceAndWaits(t *testing.T) {
	var calls [8]atomic.Int32
	together.Run(len(calls), func(i int) { calls[i].Add(1) })
	for i := range calls {
		require.Equal(t, int32(1), calls[i].Load(), "call %d", i)
	}
}

// Every call has started before any of them finishes: none runs ahead of the others.
func TestRunReleasesTheCallsTogether(t *testing.T) {
	const n = 4
	var arrived sync.WaitGroup
	arrived.Add(n)
	together.Run(n, func(int) {
		arrived.Done()
		arrived.Wait() // would deadlock unless all n run at once
	})
}
