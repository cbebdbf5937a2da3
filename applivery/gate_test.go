package applivery_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
)

// gateFixture is a fake with one store and one publication.
type gateFixture struct {
	srv     *appliverytest.Server
	storeID string
	appID   string
}

func newGateFixture(t *testing.T) gateFixture {
	t.Helper()
	f := gateFixture{srv: appliverytest.New(t), storeID: appliverytest.NewID(), appID: appliverytest.NewID()}
	f.srv.AddStore(f.storeID, "Beta")
	f.srv.AddPublishedApp(f.storeID, f.appID, "Rocket", "")
	return f
}

// holdFirst makes the fake keep the first request until the returned
// release is called; held is closed once that request has arrived.
func holdFirst(t *testing.T, srv *appliverytest.Server) (held <-chan struct{}, release func()) {
	t.Helper()
	arrived, done := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	srv.Inject(func(r *http.Request) *appliverytest.Fault {
		if first.CompareAndSwap(false, true) {
			close(arrived)
			select {
			case <-done:
			case <-r.Context().Done():
			}
		}
		return nil
	})
	var once sync.Once
	release = func() { once.Do(func() { close(done) }) }
	t.Cleanup(release)
	return arrived, release
}

// noWait is a wait between retries that returns at once.
func noWait(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func waitingReaches(t *testing.T, g *applivery.Gate, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return g.Stats().Waiting == n }, 5*time.Second, time.Millisecond,
		"%d attempts should be waiting at the gate", n)
}

func TestGateBoundsAttemptsAcrossClients(t *testing.T) {
	f := newGateFixture(t)
	const slots, goroutines, calls = 8, 30, 4
	gate := applivery.NewGate(slots)
	clients := []*applivery.Client{f.srv.Client(t, applivery.WithGate(gate)), f.srv.Client(t, applivery.WithGate(gate))}
	// The first eight requests wait for one another at the fake, so the peak
	// reaches the limit whenever the gate allows it; any ninth would show.
	var arrivals atomic.Int32
	full := make(chan struct{})
	f.srv.Inject(func(r *http.Request) *appliverytest.Fault {
		switch n := arrivals.Add(1); {
		case n == slots:
			close(full)
		case n < slots:
			select {
			case <-full:
			case <-r.Context().Done():
			}
		}
		return nil
	})

	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			for range calls {
				_, err := clients[i%2].GetStore(context.Background(), f.storeID)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()

	assert.Equal(t, slots, f.srv.MaxInFlight())
	assert.Equal(t, goroutines*calls, f.srv.Count(http.MethodGet, ""))
	assert.Equal(t, applivery.GateStats{}, gate.Stats())
}

func TestGateServesANewShareWithinTheNextRound(t *testing.T) {
	f := newGateFixture(t)
	gate := applivery.NewGate(1)
	client := f.srv.Client(t, applivery.WithGate(gate))
	held, release := holdFirst(t, f.srv)
	bulk := applivery.WithShare(context.Background(), "bulk request")
	single := applivery.WithShare(context.Background(), "single request")

	var wg sync.WaitGroup
	getStore := func() {
		_, err := client.GetStore(bulk, f.storeID)
		assert.NoError(t, err)
	}
	wg.Go(getStore)
	<-held
	for range 20 {
		wg.Go(getStore)
	}
	waitingReaches(t, gate, 20)
	wg.Go(func() {
		_, err := client.GetPublishedApp(single, f.storeID, f.appID)
		assert.NoError(t, err)
	})
	waitingReaches(t, gate, 21)
	release()
	wg.Wait()

	reqs := f.srv.Requests()
	require.Len(t, reqs, 22)
	position := slices.IndexFunc(reqs, func(r appliverytest.Request) bool { return r.Path != reqs[0].Path })
	assert.Equal(t, 2, position, "after the held call and one more turn of the bulk, not after its whole queue")
}

func TestGateHoldsEveryAttemptBackAfterA429(t *testing.T) {
	f := newGateFixture(t)
	gate := applivery.NewGate(4)
	limited := make(chan struct{})
	var once sync.Once
	// The pause after a 429 is capped by the longest wait of the retry
	// policy, a second here; the client itself retries at once, so only the
	// gate holds its retry back.
	first := f.srv.Client(t, applivery.WithGate(gate), applivery.WithRetry(4, 0, time.Second), applivery.WithSleep(noWait),
		applivery.WithObserver(func(_, _ string, status int, _ time.Duration) {
			if status == http.StatusTooManyRequests {
				once.Do(func() { close(limited) })
			}
		}))
	other := f.srv.Client(t, applivery.WithGate(gate))
	f.srv.FailWith(http.MethodGet, "/stores/"+f.storeID, 1, appliverytest.RateLimited("1"))

	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := first.GetStore(context.Background(), f.storeID)
		assert.NoError(t, err, "retried once the pause is over")
	})
	<-limited // the gate is paused before the observer hears of the 429
	for range 5 {
		wg.Go(func() {
			_, err := other.GetPublishedApp(context.Background(), f.storeID, f.appID)
			assert.NoError(t, err)
		})
	}
	wg.Wait()

	reqs := f.srv.Requests()
	require.Len(t, reqs, 7)
	windowEnd := reqs[0].Arrived.Add(time.Second)
	for _, r := range reqs[1:] {
		assert.False(t, r.Arrived.Before(windowEnd), "%s %s arrived %v before the pause ended", r.Method, r.Path, windowEnd.Sub(r.Arrived))
	}
	assert.Equal(t, time.Second, gate.Stats().Paused)
}

func TestGateSlotIsFreeDuringBackoff(t *testing.T) {
	f := newGateFixture(t)
	gate := applivery.NewGate(1)
	sleeping, wake := make(chan struct{}), make(chan struct{})
	retrying := f.srv.Client(t, applivery.WithGate(gate), applivery.WithSleep(func(ctx context.Context, _ time.Duration) error {
		close(sleeping)
		<-wake
		return ctx.Err()
	}))
	other := f.srv.Client(t, applivery.WithGate(gate))
	f.srv.Fail(http.MethodGet, "/stores/"+f.storeID, 1, http.StatusServiceUnavailable, 0, "maintenance")

	done := make(chan error, 1)
	go func() {
		_, err := retrying.GetStore(context.Background(), f.storeID)
		done <- err
	}()
	<-sleeping
	_, err := other.GetPublishedApp(context.Background(), f.storeID, f.appID)
	require.NoError(t, err, "the only slot is free while the other call waits to retry")
	close(wake)
	require.NoError(t, <-done)
	assert.Equal(t, 3, f.srv.Count("", ""))
}

func TestGateWaitEndsWithTheCallersContext(t *testing.T) {
	f := newGateFixture(t)
	gate := applivery.NewGate(1)
	client := f.srv.Client(t, applivery.WithGate(gate))
	held, release := holdFirst(t, f.srv)

	go func() { _, _ = client.GetStore(context.Background(), f.storeID) }()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := client.GetStore(ctx, f.storeID)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, f.srv.Count("", ""), "the second call never reached Applivery")
	assert.Equal(t, applivery.GateStats{InFlight: 1}, gate.Stats())
	release()
}

func TestGateSharesAreServedInTurn(t *testing.T) {
	f := newGateFixture(t)
	gate := applivery.NewGate(1)
	client := f.srv.Client(t, applivery.WithGate(gate))
	held, release := holdFirst(t, f.srv)

	var wg sync.WaitGroup
	wg.Go(func() { _, _ = client.GetStore(context.Background(), f.storeID) })
	<-held
	// Three shares queue three calls each, one share after the other. Each
	// call's email filter starts with its share, so the order shows at the fake.
	for i, share := range []string{"a", "b", "c"} {
		for range 3 {
			wg.Go(func() {
				ctx := applivery.WithShare(context.Background(), share)
				_, err := client.ListOTPUsers(ctx, f.storeID, applivery.ListOTPUsersOptions{Email: share})
				assert.NoError(t, err)
			})
		}
		waitingReaches(t, gate, 3*(i+1))
	}
	release()
	wg.Wait()

	var order string
	for _, r := range f.srv.Requests()[1:] {
		order += r.Query.Get("email")
	}
	assert.Equal(t, "abcabcabc", order)
}

func TestGatePauseIsExtendedNeverShortened(t *testing.T) {
	g := applivery.NewGate(2)
	start := time.Now()
	g.Pause(100 * time.Millisecond)
	g.Pause(10 * time.Millisecond)
	g.Pause(150 * time.Millisecond)

	release, err := g.Acquire(context.Background())
	require.NoError(t, err)
	release()
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "the longest pause was waited out")
	stats := g.Stats()
	assert.Equal(t, applivery.GateStats{Paused: stats.Paused}, stats)
	assert.InDelta(t, 150*time.Millisecond, stats.Paused, float64(10*time.Millisecond), "overlapping pauses count once")

	g.Pause(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = g.Acquire(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	stats = g.Stats()
	assert.Zero(t, stats.Waiting, "a caller that gave up no longer waits")
	assert.Less(t, stats.Paused, time.Second+150*time.Millisecond, "only time already spent paused counts")
}
