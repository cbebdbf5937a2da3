// Package lease is what the bot's leased background jobs share (invites taken over, access that
// ends, asks that expire, the outbox's lanes): an owner id naming this process in the leases
// (NewOwner); a Supervisor that scans for work at once at start-up and then every interval until
// it is shut down, tracking the runs its scans start so that Run returns only after them and
// Shutdown can wait for them, or cancel them when it cannot wait longer; and Keep, which renews a
// lease while its work runs and ends the work once the lease is lost. The leases themselves are
// rows that package store takes, renews and releases.
package lease

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/testerbot/testerbot/internal/wait"
)

// NewOwner returns a random id, prefix first (it says which job holds a lease), that names this
// process in the leases it takes. It is also fit for any other id that must not collide.
func NewOwner(prefix string) string { return prefix + rand.Text() }

// Scan looks for work once. Its ctx ends when scanning stops. start runs a piece of work on its
// own goroutine, on a context that outlives scanning: it ends when Run's ctx does, or when
// Shutdown stops waiting for the work. start must be called before Scan returns.
type Scan func(ctx context.Context, start func(run func(ctx context.Context)))

// Supervisor runs one job's scans. Its zero value is ready; it is safe for concurrent use.
type Supervisor struct {
	mu         sync.Mutex
	stopped    context.Context // ends at Shutdown: scan no more
	stop       context.CancelFunc
	abort      context.CancelFunc // cancels the work of the Run in progress
	done       chan struct{}      // closed once the Run in progress has returned
	inProgress bool
}

func (s *Supervisor) init() {
	if s.stopped == nil {
		s.stopped, s.stop = context.WithCancel(context.Background())
	}
}

// Run scans at once and then every interval, until ctx ends or Shutdown is called, and returns
// once the runs its scans started have ended too. It returns at once after Shutdown, or while
// another Run is in progress.
func (s *Supervisor) Run(ctx context.Context, every time.Duration, scan Scan) {
	s.mu.Lock()
	s.init()
	if s.inProgress || s.stopped.Err() != nil {
		s.mu.Unlock()
		return
	}
	work, abort := context.WithCancel(ctx)
	done := make(chan struct{})
	s.inProgress, s.abort, s.done = true, abort, done
	s.mu.Unlock()
	defer func() {
		abort()
		s.mu.Lock()
		s.inProgress = false
		s.mu.Unlock()
		close(done)
	}()

	scanning, stopScanning := context.WithCancel(work)
	defer stopScanning()
	defer context.AfterFunc(s.stopped, stopScanning)()
	var runs sync.WaitGroup
	start := func(run func(context.Context)) { runs.Go(func() { run(work) }) }
	for {
		scan(scanning, start)
		if wait.Sleep(scanning, every) != nil {
			break
		}
	}
	runs.Wait()
}

// Shutdown stops scanning and waits for the scan in hand and the runs started to end. When ctx
// ends first it cancels them, waits for them to return, and returns ctx's error: what they could
// not finish stays leased in the database, for whoever scans after the lease expires (or at once,
// when a run gives its lease back). Nothing scans again after Shutdown.
func (s *Supervisor) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.init()
	s.stop()
	done, abort := s.done, s.abort
	s.mu.Unlock()
	if done == nil {
		return nil // never ran
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	abort()
	<-done
	return ctx.Err()
}

// Keep renews a lease every interval while work runs on the context it returns. renew returns
// nil while the lease is held, and an error once it is lost (another process took it over): the
// context then ends with that error as its cause, so the work stops and can tell why. A renewal
// that fails but may leave the lease held (the database did not answer) is renew's to log; it
// returns nil then, since the lease holds until it expires and the next renewal may work. stop
// ends the renewing, and the context; it must be called once the work is done.
func Keep(ctx context.Context, interval time.Duration, renew func(ctx context.Context) error) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	var renewing sync.WaitGroup
	renewing.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := renew(ctx); err != nil {
				cancel(err)
				return
			}
		}
	})
	return ctx, func() {
		cancel(nil)
		renewing.Wait()
	}
}
