// Package together makes tests' replicas race: it starts calls at one moment, as two processes
// that receive the same click, or scan at the same second, would.
package together

import "sync"

// Run calls f(0), f(1) … f(n-1), each in its own goroutine, releasing them all at once, and
// returns when every call has.
func Run(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}
