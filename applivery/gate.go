package applivery

import (
	"context"
	"slices"
	"sync"
	"time"
)

// defaultRateLimitPause is how long a 429 without a usable Retry-After
// holds the gate.
const defaultRateLimitPause = time.Second

// Gate is shared by the clients of one process to treat Applivery as the
// single, rate-limited service it is:
//
//   - at most maxInFlight HTTP attempts are in flight at once; an attempt
//     takes a slot before it starts and gives it back once its response has
//     been read, and waiting between retries holds no slot;
//   - waiting attempts are served round-robin across units of work (see
//     WithShare), so a one-email invite never waits behind the queued calls
//     of a hundred-email bulk invite;
//   - a 429 holds every attempt back until its Retry-After has passed.
//
// Give the same Gate to every client with WithGate. It is safe for
// concurrent use.
type Gate struct {
	max int

	mu          sync.Mutex
	inFlight    int
	waiting     int
	queues      map[string][]*waiter // waiting attempts by share, oldest first
	ring        []string             // shares with waiting attempts, in serving order
	cursor      int                  // index in ring of the share served next
	pausedUntil time.Time
	pausedTotal time.Duration // includes the rest of a pause still running
	timer       *time.Timer   // ends the current pause for waiting attempts
}

// waiter is one attempt waiting for a slot.
type waiter struct {
	share   string
	granted bool          // it holds a slot; set under the gate's lock
	ready   chan struct{} // closed when granted
}

// GateStats is a snapshot of a Gate, for metrics.
type GateStats struct {
	InFlight int // attempts holding a slot
	Waiting  int // attempts waiting for one
	// Paused is the total time attempts have been held back after 429s.
	Paused time.Duration
}

// NewGate returns a gate letting at most maxInFlight attempts through at
// once. It panics when maxInFlight is less than one, which would let
// nothing through.
func NewGate(maxInFlight int) *Gate {
	if maxInFlight < 1 {
		panic("applivery: NewGate needs at least one slot")
	}
	return &Gate{max: maxInFlight, queues: make(map[string][]*waiter)}
}

type shareKey struct{}

// WithShare tags the calls made with ctx as one unit of work, such as one
// invite request, named by key. A gate serves the waiting calls of
// different keys in turn; calls without a key share one.
func WithShare(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, shareKey{}, key)
}

// Stats returns the gate's current state.
func (g *Gate) Stats() GateStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return GateStats{
		InFlight: g.inFlight,
		Waiting:  g.waiting,
		Paused:   g.pausedTotal - max(time.Until(g.pausedUntil), 0),
	}
}

// acquire waits, unless ctx ends first, until the attempt may start: a slot
// is free, its share's turn has come and no pause is running. The caller
// calls release once the response has been read. A nil gate lets every
// attempt through at once.
func (g *Gate) acquire(ctx context.Context) (release func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	share, _ := ctx.Value(shareKey{}).(string)
	g.mu.Lock()
	now := time.Now()
	if g.waiting == 0 && g.inFlight < g.max && !g.pausedUntil.After(now) {
		g.inFlight++
		g.mu.Unlock()
		return g.release, nil
	}
	w := &waiter{share: share, ready: make(chan struct{})}
	g.enqueue(w)
	g.dispatch(now)
	g.mu.Unlock()

	select {
	case <-w.ready:
		return g.release, nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		if w.granted { // the slot came as ctx ended: pass it on
			g.inFlight--
			g.dispatch(time.Now())
		} else {
			g.remove(w)
		}
		return nil, ctx.Err()
	}
}

func (g *Gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight--
	g.dispatch(time.Now())
}

// pause holds every attempt back for d from now. A pause already running
// that ends later is kept: pauses are extended, never shortened.
func (g *Gate) pause(d time.Duration) {
	if g == nil || d <= 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	until := now.Add(d)
	if !until.After(g.pausedUntil) {
		return
	}
	g.pausedTotal += until.Sub(later(now, g.pausedUntil))
	g.pausedUntil = until
	g.dispatch(now)
}

// enqueue adds w behind its share's earlier attempts; a share that had none
// joins the end of the round. Callers hold g.mu.
func (g *Gate) enqueue(w *waiter) {
	if _, queued := g.queues[w.share]; !queued {
		g.ring = append(g.ring, w.share)
	}
	g.queues[w.share] = append(g.queues[w.share], w)
	g.waiting++
}

// remove takes back a waiter whose caller gave up. Callers hold g.mu.
func (g *Gate) remove(w *waiter) {
	q := g.queues[w.share]
	i := slices.Index(q, w)
	if i < 0 {
		return
	}
	g.waiting--
	if len(q) > 1 {
		g.queues[w.share] = slices.Delete(q, i, i+1)
		return
	}
	delete(g.queues, w.share)
	r := slices.Index(g.ring, w.share)
	g.ring = slices.Delete(g.ring, r, r+1)
	if r < g.cursor {
		g.cursor--
	}
}

// dispatch hands free slots to waiting attempts, one share after another,
// unless a pause is running, in which case it makes sure the end of the
// pause wakes them. Callers hold g.mu.
func (g *Gate) dispatch(now time.Time) {
	if g.waiting == 0 {
		return
	}
	if g.pausedUntil.After(now) {
		if g.timer == nil {
			g.timer = time.AfterFunc(g.pausedUntil.Sub(now), g.resume)
		}
		return
	}
	for g.inFlight < g.max && g.waiting > 0 {
		w := g.next()
		w.granted = true
		g.inFlight++
		close(w.ready)
	}
}

// resume runs when a pause may have ended; if it was extended meanwhile,
// dispatch waits again.
func (g *Gate) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.timer = nil
	g.dispatch(time.Now())
}

// next takes the oldest waiter of the share whose turn it is and moves the
// turn on. Callers hold g.mu and know someone is waiting.
func (g *Gate) next() *waiter {
	if g.cursor >= len(g.ring) {
		g.cursor = 0
	}
	share := g.ring[g.cursor]
	q := g.queues[share]
	w := q[0]
	g.waiting--
	if len(q) > 1 {
		g.queues[share] = q[1:]
		g.cursor++
		return w
	}
	// The share leaves the round; the cursor now points at the one after.
	delete(g.queues, share)
	g.ring = slices.Delete(g.ring, g.cursor, g.cursor+1)
	return w
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
