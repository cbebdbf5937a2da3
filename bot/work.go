package bot

import (
	"context"
	"sync"

	"github.com/slack-go/slack/socketmode"
)

// Slow work runs after the ack, and is counted so that a graceful stop (Shutdown) can wait for
// it.

// goWork runs slow work on ctx, Run's work context, counted so shutdown can wait for it. Work
// that another process already did for the same envelope (Slack delivered it twice, to two
// replicas) is skipped. Work that opens a view asks the database only once the view is open
// (handledHere): a trigger_id is single use, so whichever process opens the view is the one
// that handles the envelope.
func (b *Bot) goWork(ctx context.Context, evt socketmode.Event, r reply) {
	b.metrics.InFlight(1)
	b.work.Go(func() {
		defer b.metrics.InFlight(-1)
		work := ctx
		if r.opens {
			work = context.WithValue(ctx, firstKey{}, sync.OnceValue(func() bool { return b.firstToHandle(ctx, evt) }))
		} else if !b.firstToHandle(ctx, evt) {
			b.log.Info("envelope already handled by another process", "envelope_id", evt.Request.EnvelopeID)
			return
		}
		b.safely(ctx, evt, func() reply { r.after(work); return reply{} })
	})
}

// firstKey carries, in the context of work that opens a view, whether this process is the
// first to handle the envelope.
type firstKey struct{}

// handledHere records that this process handles the envelope whose trigger opened a view, and
// reports whether no other process did so first. Called after views.open: when it failed
// because another replica used the trigger, that replica told the person, so this one stays
// quiet. Outside such work (tests calling handlers) it is always true.
func handledHere(ctx context.Context) bool {
	first, ok := ctx.Value(firstKey{}).(func() bool)
	return !ok || first()
}

// workTracker counts work running after acks, and holds the context it runs on: Run's work
// context, which Shutdown cancels when it cannot wait any longer. Unlike a sync.WaitGroup it may
// gain work while someone waits for it to be idle: envelopes keep arriving during a graceful
// shutdown. Each surface that starts work of its own (an approval's invite, type-ahead) holds it.
type workTracker struct {
	mu      sync.Mutex
	n       int
	waiters []chan struct{}
	ctx     context.Context // nil until Run starts
}

// Go runs f on a goroutine of its own, counted.
func (t *workTracker) Go(f func()) {
	t.start()
	go func() {
		defer t.done()
		f()
	}()
}

func (t *workTracker) start() {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
}

func (t *workTracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 {
		for _, w := range t.waiters {
			close(w)
		}
		t.waiters = nil
	}
}

// idle is closed once no work is running.
func (t *workTracker) idle() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch := make(chan struct{})
	if t.n == 0 {
		close(ch)
	} else {
		t.waiters = append(t.waiters, ch)
	}
	return ch
}

// runOn sets the context the work runs on, once Run has one.
func (t *workTracker) runOn(ctx context.Context) {
	t.mu.Lock()
	t.ctx = ctx
	t.mu.Unlock()
}

// context is what the work after acks runs on. Outside Run (tests calling handlers), one that
// never ends.
func (t *workTracker) context() context.Context {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx == nil {
		return context.Background()
	}
	return t.ctx
}
