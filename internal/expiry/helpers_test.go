package expiry_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
	"github.com/testerbot/testerbot/internal/testclock"
)

const (
	storeID = "64a1b2c3d4e5f6a7b8c9d0e1"
	appID   = "64a1b2c3d4e5f6a7b8c9d0e2"
)

// t0 is when the testers are invited; instants are whole milliseconds, as stored.
var t0 = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// fixture is package expiry against the fake Applivery over real HTTP and a real database.
type fixture struct {
	t     *testing.T
	fake  *appliverytest.Server
	db    *store.Store
	clock *testclock.Clock // the time every Service of a test reads; tests move it instead of waiting
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureReading(t, appliverytest.FilterAsRegex)
}

// newFixtureReading is newFixture against a fake Applivery that reads the email filter as told.
func newFixtureReading(t *testing.T, reading appliverytest.FilterReading) *fixture {
	t.Helper()
	fake := appliverytest.New(t, appliverytest.ReadFilterAs(reading))
	fake.AddStore(storeID, "Acme beta")
	fake.AddPublishedApp(storeID, appID, "Acme iOS beta", "https://acme.applivery.io/acme-ios")
	return &fixture{t: t, fake: fake, db: storetest.Open(t, storetest.SQLite(t)), clock: testclock.New(t0)}
}

// service is a Service on the fixture's clock whose client makes one attempt per call, so that
// each removal the Service tries is one DELETE.
func (f *fixture) service(opts expiry.Options) *expiry.Service {
	return f.serviceOn(f.db, opts)
}

func (f *fixture) serviceOn(db *store.Store, opts expiry.Options) *expiry.Service {
	opts.Now = f.clock.Now
	return expiry.NewService(f.fake.Client(f.t, applivery.WithRetry(1, 0, 0)), db, opts)
}

// invited records what package invite writes when request id invites email with access for
// access at t0: the tester exists in Applivery, and the end of their access is scheduled.
func (f *fixture) invited(id, email string, access time.Duration) applivery.OTPUser {
	f.t.Helper()
	ctx := context.Background()
	u := f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: email, AllowedDownloadsNum: 1, PublishedApplicationID: appID})
	rec := &invite.Record{
		Request: invite.Request{ID: id, UserID: "U0LEAD", ChannelID: "C1", Origin: "command", StoreID: storeID,
			AppID: appID, AppName: "Acme iOS beta", Emails: []string{email}, Downloads: 1,
			Reply: invite.Reply{Channel: "C1", Thread: "1700000000.000100"}, AccessFor: access, RequestedBy: "U0ASKER"},
		CreatedAt:   t0,
		EmailStates: []invite.EmailState{{Position: 0, Result: invite.Result{Email: email}}},
	}
	require.NoError(f.t, f.db.CreateRequest(ctx, rec, "p-inviter", t0.Add(time.Minute)))
	require.NoError(f.t, f.db.Finish(ctx, id, "p-inviter", 0,
		invite.Result{Email: email, Outcome: invite.Invited, Tester: &u, FinishedAt: t0}))
	return u
}

// inApplivery reports whether the OTP user still exists.
func (f *fixture) inApplivery(id string) bool {
	for _, u := range f.fake.OTPUsers(storeID) {
		if u.ID == id {
			return true
		}
	}
	return false
}

// deletes counts the DELETEs of one OTP user Applivery received.
func (f *fixture) deletes(otpUserID string) int {
	return f.fake.Count("DELETE", "/otp-users/"+otpUserID)
}

// endAudit returns the audit rows of ended access, newest first, with their ids cleared.
// requireOneAuditRow checks that ending access wrote one audit row, with this outcome and detail.
func (f *fixture) requireOneAuditRow(outcome invite.Outcome, detail string) {
	f.t.Helper()
	audit := f.endAudit()
	require.Len(f.t, audit, 1)
	assert.Equal(f.t, outcome, audit[0].Outcome)
	assert.Equal(f.t, detail, audit[0].Detail)
}

func (f *fixture) endAudit() []store.Entry {
	f.t.Helper()
	rows, err := f.db.Recent(context.Background(), store.Query{Limit: store.MaxLimit})
	require.NoError(f.t, err)
	var out []store.Entry
	for _, e := range rows {
		if e.Origin == expiry.Origin {
			e.ID = 0
			out = append(out, e)
		}
	}
	return out
}

// reporter records what the Service asks a Reporter to tell, as Slack would show it.
type reporter struct {
	mu       sync.Mutex
	ended    []expiry.End
	failed   []expiry.End
	problems []invite.Problem
	refuse   int             // calls to refuse before telling, as when Slack is down
	told     chan expiry.End // gets every End told, when not nil
}

var errSlackDown = errors.New("slack is down")

func (r *reporter) Ended(_ context.Context, e expiry.End) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refuse > 0 {
		r.refuse--
		return errSlackDown
	}
	r.ended = append(r.ended, e)
	r.signal(e)
	return nil
}

func (r *reporter) Failed(_ context.Context, e expiry.End, problem invite.Problem) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, e)
	r.problems = append(r.problems, problem)
	r.signal(e)
	return nil
}

func (r *reporter) signal(e expiry.End) {
	if r.told != nil {
		r.told <- e
	}
}

func (r *reporter) endedEmails() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.ended {
		out = append(out, e.Email)
	}
	return out
}
