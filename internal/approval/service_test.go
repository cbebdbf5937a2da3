package approval_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
	"github.com/testerbot/testerbot/internal/testclock"
	"github.com/testerbot/testerbot/internal/together"
)

const week = 7 * 24 * time.Hour

// t0 is when the first ask of a test is created.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// fixture is a Service on a real SQLite database, at t0 until its clock is moved.
type fixture struct {
	t       *testing.T
	path    string
	clock   *testclock.Clock
	db      *store.Store
	service *approval.Service
}

func newFixture(t *testing.T, opts approval.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, path: filepath.Join(t.TempDir(), "invites.db"), clock: testclock.New(t0)}
	f.db, f.service = f.replica(opts)
	return f
}

// replica is another process on the same database, with the same clock.
func (f *fixture) replica(opts approval.Options) (*store.Store, *approval.Service) {
	f.t.Helper()
	db := storetest.Open(f.t, store.Config{SQLitePath: f.path})
	opts.Now = f.clock.Now
	return db, approval.NewService(db, opts)
}

// ask is what the Slack side hands over for Alice in #qa.
func ask(emails ...string) approval.Ask {
	return approval.Ask{
		RequesterID: "U0ALICE", ChannelID: "C0QA", StoreID: "store-1", AppID: "app-42", AppName: "Acme iOS",
		Emails: emails, Downloads: 3, AccessFor: 30 * 24 * time.Hour, Reason: "release candidate",
	}
}

func (f *fixture) create(a approval.Ask) (*approval.Ask, []string) {
	f.t.Helper()
	created, err := f.service.Create(context.Background(), a)
	require.NoError(f.t, err)
	return created.Ask, created.Pending
}

// audit returns the audit rows of an ask as (email, outcome, user, detail), oldest first.
func (f *fixture) audit(askID string) []string {
	f.t.Helper()
	all, err := f.db.Recent(context.Background(), store.Query{Limit: store.MaxLimit})
	require.NoError(f.t, err)
	var out []string
	for _, e := range slices.Backward(all) {
		if e.RequestID == askID {
			require.Equal(f.t, "ask", e.Origin)
			out = append(out, fmt.Sprintf("%s %s by %s: %q", e.Email, e.Outcome, e.UserID, e.Detail))
		}
	}
	return out
}

func decidedError(t *testing.T, err error) *approval.Ask {
	t.Helper()
	de, ok := errors.AsType[*approval.DecidedError](err)
	require.True(t, ok, "a *DecidedError, not %v", err)
	return de.Ask
}

func idsOf(asks []approval.Ask) []string {
	out := []string{}
	for _, a := range asks {
		out = append(out, a.ID)
	}
	return out
}

func TestCreateSavesAPendingAskWithItsAddressesNormalized(t *testing.T) {
	f := newFixture(t, approval.Options{})
	f.clock.Set(t0.Add(123456789 * time.Nanosecond))
	in := ask("Ann@Example.com", "bob@bücher.de", "ann@example.com")
	in.State, in.DecidedBy, in.RequestID = approval.Approved, "U0SNEAKY", "r-1" // not the caller's to set

	saved, pending := f.create(in)

	require.Empty(t, pending)
	require.NotEmpty(t, saved.ID)
	created := t0.Add(123 * time.Millisecond) // as stored
	require.Equal(t, &approval.Ask{
		ID: saved.ID, RequesterID: "U0ALICE", ChannelID: "C0QA", StoreID: "store-1", AppID: "app-42",
		AppName: "Acme iOS", Emails: []string{"Ann@Example.com", "bob@xn--bcher-kva.de"}, Downloads: 3,
		AccessFor: 30 * 24 * time.Hour, Reason: "release candidate", State: approval.Pending,
		CreatedAt: created, ExpiresAt: created.Add(week),
	}, saved)
	got, err := f.service.Get(context.Background(), saved.ID)
	require.NoError(t, err)
	require.Equal(t, saved, got)
	require.Equal(t, []string{
		`Ann@Example.com asked by U0ALICE: ""`,
		`bob@xn--bcher-kva.de asked by U0ALICE: ""`,
	}, f.audit(saved.ID))

	other, _ := f.create(ask("carol@example.com"))
	require.NotEqual(t, saved.ID, other.ID)
}

func TestTTLSetsWhenAnAskExpires(t *testing.T) {
	f := newFixture(t, approval.Options{TTL: 48 * time.Hour})
	saved, _ := f.create(ask("ann@example.com"))
	require.Equal(t, t0.Add(48*time.Hour), saved.ExpiresAt)
}

func TestCreateRefusesAnAskWithAnInvalidAddressOrNone(t *testing.T) {
	f := newFixture(t, approval.Options{})
	ctx := context.Background()

	_, err := f.service.Create(ctx, ask("ann@example.com", "bob", "carol@exa mple.com"))
	addrErr, ok := errors.AsType[*approval.AddressError](err)
	require.True(t, ok, "%v", err)
	require.Equal(t, []approval.InvalidAddress{
		{Address: "bob", Why: "has no @"},
		{Address: "carol@exa mple.com", Why: "contains a space"},
	}, addrErr.Invalid)

	_, err = f.service.Create(ctx, ask())
	require.ErrorIs(t, err, approval.ErrNoAddresses)

	mine, err := f.service.Mine(ctx, "U0ALICE", 0)
	require.NoError(t, err)
	require.Empty(t, mine, "nothing was saved")
	saved, _ := f.create(ask("ann@example.com"))
	require.NotNil(t, saved, "nor held")
}

func TestAnAddressWaitsInOneAskPerAppUntilItIsDecided(t *testing.T) {
	f := newFixture(t, approval.Options{})
	ctx := context.Background()
	first, _ := f.create(ask("ann@example.com", "ben@example.com"))

	second, pending := f.create(ask("carol@example.com", "ANN@example.com"))
	require.Equal(t, []string{"ANN@example.com"}, pending)
	require.Equal(t, []string{"carol@example.com"}, second.Emails)

	none, pending := f.create(ask("ben@example.com", "Carol@Example.com"))
	require.Nil(t, none, "every address is pending already: no ask")
	require.Equal(t, []string{"ben@example.com", "Carol@Example.com"}, pending)

	otherApp := ask("ann@example.com")
	otherApp.AppID = "app-43"
	saved, pending := f.create(otherApp)
	require.NotNil(t, saved, "another app")
	require.Empty(t, pending)

	_, err := f.service.Deny(ctx, first.ID, "U0LEAD", "")
	require.NoError(t, err)
	again, pending := f.create(ask("ann@example.com", "ben@example.com"))
	require.Equal(t, []string{"ann@example.com", "ben@example.com"}, again.Emails, "released by the decision")
	require.Empty(t, pending)
}

func TestApproveRecordsTheLeadAndReleasesTheAddresses(t *testing.T) {
	f := newFixture(t, approval.Options{})
	ctx := context.Background()
	saved, _ := f.create(ask("ann@example.com"))
	require.NoError(t, f.service.SetMessage(ctx, saved.ID, approval.Message{Channel: "C0LEADS", TS: "1700000000.000100"}))
	f.clock.Set(t0.Add(time.Hour))

	approved, err := f.service.Approve(ctx, saved.ID, "U0LEAD")
	require.NoError(t, err)
	require.NoError(t, f.service.SetRequest(ctx, saved.ID, "r-1"))

	want := *saved
	want.Message = approval.Message{Channel: "C0LEADS", TS: "1700000000.000100"}
	want.State, want.DecidedBy, want.DecidedAt = approval.Approved, "U0LEAD", t0.Add(time.Hour)
	require.Equal(t, &want, approved)
	want.RequestID = "r-1"
	got, err := f.service.Get(ctx, saved.ID)
	require.NoError(t, err)
	require.Equal(t, &want, got)
	require.Equal(t, []string{`ann@example.com asked by U0ALICE: ""`, `ann@example.com approved by U0LEAD: ""`},
		f.audit(saved.ID), "who decided, and when, is audited")
	again, _ := f.create(ask("ann@example.com"))
	require.NotNil(t, again, "released")
}

func TestDenyRecordsTheLeadAndWhy(t *testing.T) {
	for name, tc := range map[string]struct{ reason, stored, detail string }{
		"with a reason": {"  not this sprint \n", "not this sprint", "denied: not this sprint"},
		"without":       {" ", "", "denied"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, approval.Options{})
			saved, _ := f.create(ask("ann@example.com", "ben@example.com"))
			f.clock.Set(t0.Add(time.Hour))

			denied, err := f.service.Deny(context.Background(), saved.ID, "U0LEAD", tc.reason)
			require.NoError(t, err)

			require.Equal(t, approval.Denied, denied.State)
			require.Equal(t, "U0LEAD", denied.DecidedBy)
			require.Equal(t, t0.Add(time.Hour), denied.DecidedAt)
			require.Equal(t, tc.stored, denied.DenyReason)
			require.Equal(t, []string{
				`ann@example.com asked by U0ALICE: ""`,
				`ben@example.com asked by U0ALICE: ""`,
				`ann@example.com denied by U0LEAD: "` + tc.detail + `"`,
				`ben@example.com denied by U0LEAD: "` + tc.detail + `"`,
			}, f.audit(saved.ID))
		})
	}
}

// The second lead to click is told who decided first, and nothing changes.
func TestASecondDecisionFailsWithTheAskAsDecided(t *testing.T) {
	f := newFixture(t, approval.Options{})
	ctx := context.Background()
	saved, _ := f.create(ask("ann@example.com"))
	f.clock.Set(t0.Add(time.Hour))
	approved, err := f.service.Approve(ctx, saved.ID, "U0LEAD1")
	require.NoError(t, err)
	f.clock.Set(t0.Add(2 * time.Hour))

	_, err = f.service.Deny(ctx, saved.ID, "U0LEAD2", "no")
	require.Equal(t, approved, decidedError(t, err))
	require.EqualError(t, err, "approval: ask "+saved.ID+" was already approved by U0LEAD1")
	_, err = f.service.Approve(ctx, saved.ID, "U0LEAD2")
	require.Equal(t, approved, decidedError(t, err))

	got, err := f.service.Get(ctx, saved.ID)
	require.NoError(t, err)
	require.Equal(t, approved, got)
	require.Equal(t, []string{`ann@example.com asked by U0ALICE: ""`, `ann@example.com approved by U0LEAD1: ""`},
		f.audit(saved.ID), "the first decision's row only")
}

// Leads on two replicas click Approve and Deny at once: one wins, the other is told so.
func TestConcurrentDecisionsLetOneLeadWin(t *testing.T) {
	f := newFixture(t, approval.Options{})
	_, other := f.replica(approval.Options{})
	saved, _ := f.create(ask("ann@example.com"))

	var approved, denied *approval.Ask
	var approveErr, denyErr error
	together.Run(2, func(i int) {
		if i == 0 {
			approved, approveErr = f.service.Approve(context.Background(), saved.ID, "U0LEAD1")
		} else {
			denied, denyErr = other.Deny(context.Background(), saved.ID, "U0LEAD2", "")
		}
	})

	got, err := f.service.Get(context.Background(), saved.ID)
	require.NoError(t, err)
	if approveErr == nil {
		require.Equal(t, got, approved)
		require.Equal(t, got, decidedError(t, denyErr))
	} else {
		require.Equal(t, got, denied)
		require.Equal(t, got, decidedError(t, approveErr))
	}
}

func TestAnUnknownAskIsNotFound(t *testing.T) {
	f := newFixture(t, approval.Options{})
	ctx := context.Background()
	_, err := f.service.Get(ctx, "a-nope")
	require.ErrorIs(t, err, approval.ErrNotFound)
	_, err = f.service.Approve(ctx, "a-nope", "U0LEAD")
	require.ErrorIs(t, err, approval.ErrNotFound)
	_, err = f.service.Deny(ctx, "a-nope", "U0LEAD", "")
	require.ErrorIs(t, err, approval.ErrNotFound)
	require.ErrorIs(t, f.service.SetMessage(ctx, "a-nope", approval.Message{Channel: "C0LEADS", TS: "1.2"}), approval.ErrNotFound)
	require.ErrorIs(t, f.service.SetRequest(ctx, "a-nope", "r-1"), approval.ErrNotFound)
}

// A lead who clicks after ExpiresAt, before the expiry scan, is told the ask expired; the ask
// is expired there and then, once.
func TestADecisionPastExpiresAtExpiresTheAskInstead(t *testing.T) {
	for _, decide := range []string{"approve", "deny"} {
		t.Run(decide, func(t *testing.T) {
			f := newFixture(t, approval.Options{})
			ctx := context.Background()
			saved, _ := f.create(ask("ann@example.com"))
			f.clock.Set(saved.ExpiresAt)

			var err error
			if decide == "approve" {
				_, err = f.service.Approve(ctx, saved.ID, "U0LEAD")
			} else {
				_, err = f.service.Deny(ctx, saved.ID, "U0LEAD", "")
			}

			expired := decidedError(t, err)
			require.Equal(t, approval.Expired, expired.State)
			require.Empty(t, expired.DecidedBy)
			require.Equal(t, saved.ExpiresAt, expired.DecidedAt)
			require.EqualError(t, err, "approval: ask "+saved.ID+" expired")
			require.Equal(t, []string{
				`ann@example.com asked by U0ALICE: ""`,
				`ann@example.com ask_expired by U0ALICE: "no QA lead decided within 7 days"`,
			}, f.audit(saved.ID))
			again, _ := f.create(ask("ann@example.com"))
			require.NotNil(t, again, "released")
			swept, err := f.service.ExpireDue(ctx, saved.ExpiresAt.Add(time.Hour))
			require.NoError(t, err)
			require.Empty(t, swept, "expired once")
		})
	}
}

// Two replicas sweep at the same moment: each due ask is expired and returned exactly once.
func TestExpireDueExpiresEachAskOnceAcrossProcesses(t *testing.T) {
	f := newFixture(t, approval.Options{MaxPending: 100}) // one asker, many asks
	_, other := f.replica(approval.Options{MaxPending: 100})
	ctx := context.Background()
	var due []string
	for i := range 10 {
		f.clock.Set(t0.Add(time.Duration(i) * time.Minute))
		a, _ := f.create(ask(fmt.Sprintf("tester-%d@example.com", i)))
		due = append(due, a.ID)
	}
	f.clock.Set(t0.Add(time.Hour))
	notDue, _ := f.create(ask("late@example.com"))
	decided, _ := f.create(ask("decided@example.com"))
	_, err := f.service.Approve(ctx, decided.ID, "U0LEAD")
	require.NoError(t, err)

	now := t0.Add(week + 30*time.Minute)
	results := make([][]approval.Ask, 2)
	errs := make([]error, 2)
	services := []*approval.Service{f.service, other}
	together.Run(len(services), func(i int) { results[i], errs[i] = services[i].ExpireDue(ctx, now) })

	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	var got []string
	for _, res := range results {
		for _, a := range res {
			require.Equal(t, approval.Expired, a.State)
			require.Equal(t, now, a.DecidedAt)
			got = append(got, a.ID)
		}
	}
	require.ElementsMatch(t, due, got)
	for _, id := range due {
		require.Equal(t, []string{
			fmt.Sprintf(`%s asked by U0ALICE: ""`, mustGet(t, f, id).Emails[0]),
			fmt.Sprintf(`%s ask_expired by U0ALICE: "no QA lead decided within 7 days"`, mustGet(t, f, id).Emails[0]),
		}, f.audit(id))
	}
	require.Equal(t, approval.Pending, mustGet(t, f, notDue.ID).State)
	require.Equal(t, approval.Approved, mustGet(t, f, decided.ID).State)
	again, err := f.service.ExpireDue(ctx, now)
	require.NoError(t, err)
	require.Empty(t, again)
}

func mustGet(t *testing.T, f *fixture, id string) *approval.Ask {
	t.Helper()
	a, err := f.service.Get(context.Background(), id)
	require.NoError(t, err)
	return a
}

// The audit row says how long the leads had, in the unit REQUEST_TTL was most likely set in.
func TestTheExpiryAuditRowSaysHowLongTheLeadsHad(t *testing.T) {
	for ttl, want := range map[time.Duration]string{
		week:             "7 days",
		24 * time.Hour:   "1 day",
		36 * time.Hour:   "36 hours",
		time.Hour:        "1 hour",
		90 * time.Minute: "90 minutes",
		90 * time.Second: "1m30s",
	} {
		t.Run(want, func(t *testing.T) {
			f := newFixture(t, approval.Options{TTL: ttl})
			saved, _ := f.create(ask("ann@example.com"))
			_, err := f.service.ExpireDue(context.Background(), saved.ExpiresAt)
			require.NoError(t, err)
			require.Contains(t, f.audit(saved.ID), `ann@example.com ask_expired by U0ALICE: "no QA lead decided within `+want+`"`)
		})
	}
}

// reporter hands each expired ask to the test; the first report fails when failFirst is set.
// It hands each approval to start to the test too, and records its invite when start is set.
type reporter struct {
	expired   chan approval.Ask
	failFirst bool
	mu        sync.Mutex
	count     map[string]int

	approved chan approval.Ask
	start    func(approval.Ask) error

	onExpired func(approval.Ask) // runs inside the scan that expired the ask
	events    []string           // "expired ID" and "approved ID", in the order they happened
}

func (r *reporter) Approved(_ context.Context, a approval.Ask) error {
	r.mu.Lock()
	r.events = append(r.events, "approved "+a.ID)
	r.mu.Unlock()
	err := r.start(a)
	r.approved <- a
	return err
}

func (r *reporter) Expired(_ context.Context, a approval.Ask) error {
	if r.onExpired != nil {
		r.onExpired(a)
	}
	r.mu.Lock()
	r.events = append(r.events, "expired "+a.ID)
	r.count[a.ID]++
	fail := r.failFirst && len(r.count) == 1
	r.mu.Unlock()
	r.expired <- a
	if fail {
		return errors.New("chat.update: message_not_found")
	}
	return nil
}

func (r *reporter) next(t *testing.T) approval.Ask {
	t.Helper()
	select {
	case a := <-r.expired:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no ask was reported expired")
		return approval.Ask{}
	}
}

// Supervise expires what is due at start-up, then what falls due later; a report that fails is
// not repeated.
func TestSuperviseReportsEachExpiredAskOnce(t *testing.T) {
	f := newFixture(t, approval.Options{ScanInterval: 10 * time.Millisecond})
	first, _ := f.create(ask("ann@example.com"))
	f.clock.Set(t0.Add(time.Hour))
	second, _ := f.create(ask("ben@example.com"))
	f.clock.Set(first.ExpiresAt)

	rep := &reporter{expired: make(chan approval.Ask, 10), failFirst: true, count: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.service.Supervise(ctx, rep)
	}()

	got := rep.next(t)
	require.Equal(t, first.ID, got.ID, "due at start-up")
	require.Equal(t, approval.Expired, got.State)

	f.clock.Set(second.ExpiresAt)
	require.Equal(t, second.ID, rep.next(t).ID, "due on a later scan")
	cancel()
	<-done

	require.Equal(t, map[string]int{first.ID: 1, second.ID: 1}, rep.count,
		"each reported once, the failed report included")
	require.Equal(t, approval.Expired, mustGet(t, f, second.ID).State)
}

// An approval whose invite was never recorded (its process stopped first) is started by
// Supervise once StartGrace has passed, again on each scan until its request is recorded, and
// never again after.
func TestSuperviseStartsApprovalsWhoseInviteWasNeverRecorded(t *testing.T) {
	// Asks wait 59 s here, so that two pending asks, due a second apart, mark the scans: a scan
	// reports what expired before it starts approvals.
	f := newFixture(t, approval.Options{TTL: 59 * time.Second, ScanInterval: 10 * time.Millisecond, StartGrace: time.Minute})
	ctx := context.Background()
	lost, _ := f.create(ask("ann@example.com"))
	started, _ := f.create(ask("ben@example.com"))
	dueAt59s, _ := f.create(ask("cat@example.com"))
	for _, a := range []*approval.Ask{lost, started} {
		_, err := f.service.Approve(ctx, a.ID, "U0LEAD")
		require.NoError(t, err)
	}
	require.NoError(t, f.service.SetRequest(ctx, started.ID, "r-ben"))
	require.Error(t, f.service.SetRequest(ctx, lost.ID, ""), "a request needs an id")
	f.clock.Set(t0.Add(time.Second))
	dueAt60s, _ := f.create(ask("dan@example.com"))

	attempts := 0
	rep := &reporter{expired: make(chan approval.Ask, 10), count: map[string]int{}, approved: make(chan approval.Ask, 10),
		start: func(a approval.Ask) error {
			if attempts++; attempts == 1 {
				return errors.New("database is locked") // not recorded: the next scan tries again
			}
			return f.service.SetRequest(ctx, a.ID, "r"+a.ID)
		}}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.service.Supervise(sctx, rep)
	}()
	next := func() approval.Ask {
		select {
		case a := <-rep.approved:
			return a
		case <-time.After(10 * time.Second):
			t.Fatal("no approval was started")
			return approval.Ask{}
		}
	}

	// The clock reaches 60 s in the middle of the scan at 59 s, between expiring and starting:
	// that scan still starts nothing, since its approvals' grace had not passed when it began.
	rep.onExpired = func(a approval.Ask) {
		if a.ID == dueAt59s.ID {
			f.clock.Set(t0.Add(time.Minute))
		}
	}
	f.clock.Set(t0.Add(59 * time.Second))
	require.Equal(t, dueAt59s.ID, rep.next(t).ID)
	require.Equal(t, dueAt60s.ID, rep.next(t).ID, "the scan at 60 s")
	require.Equal(t, lost.ID, next().ID, "the first attempt fails")
	rep.mu.Lock()
	events := slices.Clone(rep.events)
	rep.mu.Unlock()
	require.Equal(t, []string{"expired " + dueAt59s.ID, "expired " + dueAt60s.ID, "approved " + lost.ID}, events[:3],
		"nothing started within the grace its approver has to record it (the scan at 59 s)")
	got := next()
	require.Equal(t, lost.ID, got.ID, "and the next scan starts it again")
	require.Equal(t, "U0LEAD", got.DecidedBy)
	cancel()
	<-done
	require.Empty(t, rep.approved, "not started once its request was recorded")
	require.Equal(t, "r"+lost.ID, mustGet(t, f, lost.ID).RequestID)
}

func TestPendingListsTheAsksToDecideOldestFirst(t *testing.T) {
	f := newFixture(t, approval.Options{MaxPending: 100}) // one asker, many asks
	ctx := context.Background()
	create := func(at time.Duration, channel, email string) *approval.Ask {
		f.clock.Set(t0.Add(at))
		a := ask(email)
		a.ChannelID = channel
		saved, _ := f.create(a)
		return saved
	}
	stale := create(0, "C0A", "stale@example.com") // past ExpiresAt by the time the lead looks
	a3 := create(3*time.Hour, "C0A", "c@example.com")
	a1 := create(time.Hour, "C0A", "a@example.com")
	a2 := create(2*time.Hour, "C0B", "b@example.com")
	decided := create(90*time.Minute, "C0A", "d@example.com")
	a4 := create(4*time.Hour, "C0C", "e@example.com")
	_, err := f.service.Deny(ctx, decided.ID, "U0LEAD", "")
	require.NoError(t, err)
	f.clock.Set(stale.ExpiresAt)

	for name, tc := range map[string]struct {
		channels []string
		limit    int
		want     []string
	}{
		"every channel":      {nil, 0, []string{a1.ID, a2.ID, a3.ID, a4.ID}},
		"the oldest ones":    {nil, 2, []string{a1.ID, a2.ID}},
		"the lead's channel": {[]string{"C0A", "C0C"}, 0, []string{a1.ID, a3.ID, a4.ID}},
		"no channel":         {[]string{}, 0, []string{}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := f.service.Pending(ctx, tc.channels, tc.limit)
			require.NoError(t, err)
			require.Equal(t, tc.want, idsOf(got))
		})
	}
	require.Equal(t, a1, &mustPending(t, f)[0], "whole asks")
}

func mustPending(t *testing.T, f *fixture) []approval.Ask {
	t.Helper()
	got, err := f.service.Pending(context.Background(), nil, 0)
	require.NoError(t, err)
	return got
}

func TestMineListsARequestersLatestAsksInAnyState(t *testing.T) {
	f := newFixture(t, approval.Options{MaxPending: 30})
	ctx := context.Background()
	var want []string
	for i := range 22 {
		f.clock.Set(t0.Add(time.Duration(i) * time.Minute))
		a, _ := f.create(ask(fmt.Sprintf("tester-%d@example.com", i)))
		want = append([]string{a.ID}, want...)
	}
	bobs := ask("bob@example.com")
	bobs.RequesterID = "U0BOB"
	f.create(bobs)
	_, err := f.service.Approve(ctx, want[0], "U0LEAD")
	require.NoError(t, err)

	mine, err := f.service.Mine(ctx, "U0ALICE", 0)
	require.NoError(t, err)
	require.Equal(t, want[:20], idsOf(mine), "the 20 newest by default")
	require.Equal(t, approval.Approved, mine[0].State)

	mine, err = f.service.Mine(ctx, "U0ALICE", 3)
	require.NoError(t, err)
	require.Equal(t, want[:3], idsOf(mine))

	mine, err = f.service.Mine(ctx, "U0ALICE", 1000)
	require.NoError(t, err)
	require.Equal(t, want, idsOf(mine))
}

// The rows an ask writes are audit rows like any other: history shows them per channel.
func TestAskRowsShowInAChannelsHistory(t *testing.T) {
	f := newFixture(t, approval.Options{})
	saved, _ := f.create(ask("ann@example.com"))
	_, err := f.service.Deny(context.Background(), saved.ID, "U0LEAD", "")
	require.NoError(t, err)

	got, err := f.db.Recent(context.Background(), store.Query{ChannelID: "C0QA"})
	require.NoError(t, err)
	var outcomes []invite.Outcome
	for _, e := range got {
		outcomes = append(outcomes, e.Outcome)
	}
	require.Equal(t, []invite.Outcome{invite.Denied, invite.Asked}, outcomes)
}

// One person may have MaxPending asks waiting; past it they are refused until one is decided.
// Joining someone else's ask does not count.
func TestOnePersonMayHaveOnlySoManyAsksWaiting(t *testing.T) {
	f := newFixture(t, approval.Options{MaxPending: 2})
	ctx := context.Background()
	first, _ := f.create(ask("ann@example.com"))
	f.create(ask("ben@example.com"))
	_, err := f.service.Create(ctx, ask("carol@example.com"))
	tooMany, ok := errors.AsType[*approval.TooManyError](err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 2, tooMany.Limit)

	other := ask("ann@example.com", "dave@example.com")
	other.RequesterID = "U0BOB"
	created, err := f.service.Create(ctx, other)
	require.NoError(t, err)
	require.Len(t, created.Joined, 1, "Bob joins Alice's ask for ann")
	assert.Equal(t, []string{"U0BOB"}, created.Joined[0].AlsoAskedBy)

	_, err = f.service.Deny(ctx, first.ID, "U0LEAD", "")
	require.NoError(t, err)
	again, _ := f.create(ask("carol@example.com"))
	assert.NotNil(t, again, "a decided ask no longer counts")
	assert.Equal(t, approval.DefaultMaxPending, 5)
}
