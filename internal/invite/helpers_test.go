package invite_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

const (
	storeID = "64a1b2c3d4e5f6a7b8c9d0e1"
	appID   = "64a1b2c3d4e5f6a7b8c9d0e2"
	// otherAppID is another publication of the store, for testers who must not show.
	otherAppID = "64a1b2c3d4e5f6a7b8c9d0e3"
)

// fixture is the invite core against the fake Applivery over real HTTP and a real database.
type fixture struct {
	t       *testing.T
	fake    *appliverytest.Server
	db      *store.Store
	service *invite.Service
}

// quick keeps the waits of the core short: a create that got no answer is looked up 50 ms after
// it was sent, and retries wait a millisecond.
func quick(o invite.Options) invite.Options {
	if o.CreateTimeout == 0 {
		o.CreateTimeout = 50 * time.Millisecond
	}
	if o.ProgressInterval == 0 {
		o.ProgressInterval = time.Millisecond
	}
	if o.CreateBackoff == 0 {
		o.CreateBackoff = time.Millisecond
	}
	if o.RecordRetryPause == 0 {
		o.RecordRetryPause = time.Millisecond
	}
	if o.ClaimPoll == 0 {
		o.ClaimPoll = 10 * time.Millisecond
	}
	return o
}

func newFixture(t *testing.T, opts invite.Options, clientOpts ...applivery.Option) *fixture {
	t.Helper()
	return newFixtureReading(t, appliverytest.FilterAsRegex, opts, clientOpts...)
}

// newFixtureReading is newFixture against a fake Applivery that reads the email filter as told.
func newFixtureReading(t *testing.T, reading appliverytest.FilterReading, opts invite.Options, clientOpts ...applivery.Option) *fixture {
	t.Helper()
	fake := newFake(t, reading)
	db := storetest.Open(t, storetest.SQLite(t))
	return &fixture{t: t, fake: fake, db: db, service: invite.NewService(fake.Client(t, clientOpts...), db, quick(opts))}
}

// newFake is a fake Applivery with the store and the app, reading the email filter as told.
func newFake(t *testing.T, reading appliverytest.FilterReading) *appliverytest.Server {
	t.Helper()
	fake := appliverytest.New(t, appliverytest.ReadFilterAs(reading))
	fake.AddStore(storeID, "Acme beta")
	fake.AddPublishedApp(storeID, appID, "Acme iOS beta", "https://acme.applivery.io/acme-ios")
	return fake
}

// resumeElsewhere has a second process, on db, take over and finish what the first one left,
// and returns what it showed.
func resumeElsewhere(t *testing.T, fake *appliverytest.Server, db invite.Store, opts invite.Options) *reporter {
	t.Helper()
	second := invite.NewService(fake.Client(t), db, quick(opts))
	rep := &reporter{done: make(chan struct{})}
	supervised := make(chan struct{})
	go func() {
		defer close(supervised)
		second.Supervise(context.Background(), rep)
	}()
	defer func() { <-supervised }()
	defer func() { require.NoError(t, second.Shutdown(context.Background())) }()
	select {
	case <-rep.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the second process did not finish the request")
	}
	return rep
}

func request(emails ...string) invite.Request {
	return invite.Request{UserID: "U1", ChannelID: "C1", Origin: "command", StoreID: storeID, AppID: appID,
		AppName: "Acme iOS beta", Emails: emails, Downloads: 3, Reply: invite.Reply{Channel: "C1"}}
}

// invite runs a request to its end and returns its final report.
func (f *fixture) invite(req invite.Request) invite.Report {
	f.t.Helper()
	rep := &reporter{}
	require.NoError(f.t, f.service.Start(context.Background(), req, rep))
	require.True(f.t, rep.finished(), "the request was summed up")
	return rep.final
}

func outcomes(r invite.Report) map[string]invite.Outcome {
	out := map[string]invite.Outcome{}
	for _, res := range r.Results {
		out[res.Email] = res.Outcome
	}
	return out
}

// reporter records what the core asks a Reporter to show, as Slack would show it.
type reporter struct {
	mu        sync.Mutex
	begins    int
	progress  []int
	delivered []invite.Result // every result shown, in the order shown
	final     invite.Report
	finishes  int
	failBegin error
	done      chan struct{} // closed at the first Finish, when not nil
}

func (r *reporter) Begin(_ context.Context, _ invite.Report, _ invite.Reply) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.begins++
	return "1700000000.000100", r.failBegin
}

func (r *reporter) Progress(_ context.Context, _ invite.Report, _ string, done int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progress = append(r.progress, done)
}

func (r *reporter) Deliver(_ context.Context, _ invite.Report, _ string, results []invite.Result, _ bool) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delivered = append(r.delivered, results...)
	return len(results), nil
}

func (r *reporter) Finish(_ context.Context, rep invite.Report, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.final = rep
	r.finishes++
	if r.done != nil && r.finishes == 1 {
		close(r.done)
	}
	return nil
}

func (r *reporter) finished() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.finishes > 0
}
