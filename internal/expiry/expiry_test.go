package expiry_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
	"github.com/testerbot/testerbot/internal/together"
)

func TestADueEndRemovesTheTesterOnceAndReportsOnce(t *testing.T) {
	f := newFixture(t)
	alice := f.invited("r-1", "alice@example.com", time.Hour)
	bob := f.invited("r-2", "bob@example.com", 2*time.Hour)
	svc, rep := f.service(expiry.Options{}), &reporter{}
	ctx := context.Background()

	f.clock.Set(t0.Add(time.Hour - time.Millisecond))
	svc.ScanOnce(ctx, rep)
	require.Zero(t, f.deletes(alice.ID), "not due yet")

	f.clock.Set(t0.Add(time.Hour))
	svc.ScanOnce(ctx, rep)
	require.False(t, f.inApplivery(alice.ID), "alice is removed at her time")
	require.True(t, f.inApplivery(bob.ID), "bob is not due yet")
	require.Equal(t, []expiry.End{{
		Key:   expiry.Key{StoreID: storeID, AppID: appID, OTPUserID: alice.ID},
		Email: "alice@example.com", AppName: "Acme iOS beta", ChannelID: "C1", ReplyChannel: "C1",
		ReplyThread: "1700000000.000100", EndsAt: t0.Add(time.Hour), RequestID: "r-1", InvitedBy: "U0LEAD",
		RequestedBy: "U0ASKER", State: expiry.Ended, EndedAt: t0.Add(time.Hour),
	}}, rep.ended)
	require.Equal(t, []store.Entry{{
		At: t0.Add(time.Hour), RequestID: "r-1", UserID: "U0LEAD", ChannelID: "C1", Origin: expiry.Origin,
		StoreID: storeID, AppID: appID, AppName: "Acme iOS beta", Email: "alice@example.com",
		Outcome: invite.Removed, OTPUserID: alice.ID, Detail: "access ended as scheduled",
	}}, f.endAudit())

	for _, later := range []time.Duration{time.Hour, 24 * time.Hour} {
		f.clock.Set(t0.Add(2*time.Hour + later))
		svc.ScanOnce(ctx, rep)
	}
	assert.Equal(t, 1, f.deletes(alice.ID), "removed once")
	assert.Equal(t, 1, f.deletes(bob.ID))
	assert.Equal(t, []string{"alice@example.com", "bob@example.com"}, rep.endedEmails(), "each told once")
	assert.Len(t, f.endAudit(), 2)
}

// The whole way: an invite "for 1m" through package invite, and its end one minute later.
func TestAnInviteForAMinuteEndsAMinuteLater(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading)
		inviter := invite.NewService(f.fake.Client(t), f.db, invite.Options{Now: f.clock.Now})
		req := invite.Request{ID: "r-1", UserID: "U0LEAD", ChannelID: "C1", Origin: "command", StoreID: storeID, AppID: appID,
			AppName: "Acme iOS beta", Emails: []string{"alice+qa@example.com"}, Downloads: 1, Reply: invite.Reply{Channel: "C1"},
			AccessFor: time.Minute}
		require.NoError(t, inviter.Start(context.Background(), req, silentInvites{}))
		testers := f.fake.OTPUsers(storeID)
		require.Len(t, testers, 1)

		svc, rep := f.service(expiry.Options{}), &reporter{}
		f.clock.Set(t0.Add(time.Minute))
		svc.ScanOnce(context.Background(), rep)

		require.Empty(t, f.fake.OTPUsers(storeID))
		require.Len(t, rep.ended, 1)
		assert.Equal(t, testers[0].ID, rep.ended[0].OTPUserID)
		assert.Equal(t, "1700000000.000100", rep.ended[0].ReplyThread, "in the thread of the invite's results")
	})
}

// silentInvites is an invite.Reporter that shows nothing.
type silentInvites struct{}

func (silentInvites) Begin(context.Context, invite.Report, invite.Reply) (string, error) {
	return "1700000000.000100", nil
}
func (silentInvites) Progress(context.Context, invite.Report, string, int) {}
func (silentInvites) Deliver(_ context.Context, _ invite.Report, _ string, results []invite.Result, _ bool) (int, error) {
	return len(results), nil
}
func (silentInvites) Finish(context.Context, invite.Report, string) error { return nil }

// Supervise acts at start-up, without waiting for its first interval, and Wait returns once
// the ends in hand are done.
func TestSuperviseActsAtStartUp(t *testing.T) {
	f := newFixture(t)
	alice := f.invited("r-1", "alice@example.com", time.Hour)
	f.clock.Set(t0.Add(2 * time.Hour)) // the bot was down when alice's access ended
	svc, rep := f.service(expiry.Options{ScanInterval: time.Hour}), &reporter{told: make(chan expiry.End, 1)}
	supervised := make(chan struct{})
	go func() {
		defer close(supervised)
		svc.Supervise(context.Background(), rep)
	}()

	select {
	case e := <-rep.told:
		assert.Equal(t, alice.ID, e.OTPUserID)
		assert.Equal(t, t0.Add(2*time.Hour), e.EndedAt)
	case <-time.After(10 * time.Second):
		t.Fatal("the end was not acted on at start-up")
	}
	waitCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	require.NoError(t, svc.Shutdown(waitCtx))
	<-supervised
	assert.False(t, f.inApplivery(alice.ID))
}

// Replicas scan the same database at the same moment: each tester is removed once and people
// are told once.
func TestTwoServicesOnOneDatabaseRemoveEachTesterOnce(t *testing.T) {
	storetest.ForEachConfig(t, func(t *testing.T, c store.Config) {
		f := newFixture(t)
		f.db = storetest.Open(t, c)
		const testers = 25 // more than one batch
		var ids []string
		for i := range testers {
			ids = append(ids, f.invited(fmt.Sprintf("r-%02d", i), fmt.Sprintf("t%02d@example.com", i), time.Hour).ID)
		}
		services := []*expiry.Service{f.serviceOn(f.db, expiry.Options{}), f.serviceOn(storetest.Open(t, c), expiry.Options{})}
		rep := &reporter{}
		f.clock.Set(t0.Add(time.Hour))

		together.Run(len(services), func(i int) { services[i].ScanOnce(context.Background(), rep) })

		for _, id := range ids {
			assert.Equal(t, 1, f.deletes(id), "one DELETE for %s", id)
		}
		assert.Empty(t, f.fake.OTPUsers(storeID))
		assert.ElementsMatch(t, emails(testers), rep.endedEmails(), "each told once")
		assert.Len(t, f.endAudit(), testers)
	})
}

func emails(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%02d@example.com", i)
	}
	return out
}

// A tester someone removed by hand, or whose removal's answer was lost, is gone: the access
// ended all the same.
func TestATesterAlreadyGoneCountsAsEnded(t *testing.T) {
	f := newFixture(t)
	alice := f.invited("r-1", "alice@example.com", time.Hour)
	require.NoError(t, f.fake.Client(t).DeleteOTPUser(context.Background(), storeID, alice.ID)) // by hand
	svc, rep := f.service(expiry.Options{}), &reporter{}
	f.clock.Set(t0.Add(time.Hour))
	svc.ScanOnce(context.Background(), rep)

	require.Len(t, rep.ended, 1)
	assert.Equal(t, expiry.Gone, rep.ended[0].State)
	f.requireOneAuditRow(invite.Removed, "access ended as scheduled; the tester was already gone from Applivery")
}

func TestADeleteWhoseAnswerWasLostCountsAsEnded(t *testing.T) {
	f := newFixture(t)
	alice := f.invited("r-1", "alice@example.com", time.Hour)
	// Applivery removes alice, but a proxy answers 503; the client's retry finds her gone.
	f.fake.FailWith("DELETE", "/otp-users/"+alice.ID, 1, &appliverytest.Fault{Status: http.StatusServiceUnavailable, AfterCommit: true})
	svc := expiry.NewService(f.fake.Client(t), f.db, expiry.Options{Now: f.clock.Now})
	rep := &reporter{}
	f.clock.Set(t0.Add(time.Hour))
	svc.ScanOnce(context.Background(), rep)

	assert.Equal(t, 2, f.deletes(alice.ID))
	require.Len(t, rep.ended, 1)
	assert.Equal(t, expiry.Ended, rep.ended[0].State)
}

// Applivery failing for a while delays the end to a later scan, told once when it happens.
func TestAFailedRemovalIsTriedAgainLaterAndToldOnce(t *testing.T) {
	f := newFixture(t)
	alice := f.invited("r-1", "alice@example.com", time.Hour)
	f.fake.Fail("DELETE", "/otp-users/"+alice.ID, 2, http.StatusServiceUnavailable, 0, "unavailable")
	svc, rep := f.service(expiry.Options{RetryPause: 30 * time.Second}), &reporter{}
	ctx := context.Background()
	due := t0.Add(time.Hour)

	for _, step := range []struct {
		at      time.Time
		deletes int
	}{
		{due, 1},                       // 503
		{due.Add(30 * time.Second), 1}, // waits 1 × 30 s after the first failure
		{due.Add(30*time.Second + time.Millisecond), 2}, // 503 again
		{due.Add(89 * time.Second), 2},                  // waits 2 × 30 s
		{due.Add(91 * time.Second), 3},                  // removed
		{due.Add(time.Hour), 3},
	} {
		f.clock.Set(step.at)
		svc.ScanOnce(ctx, rep)
		require.Equal(t, step.deletes, f.deletes(alice.ID), "at %s", step.at.Sub(due))
		require.Empty(t, rep.failed)
	}
	assert.False(t, f.inApplivery(alice.ID))
	require.Len(t, rep.ended, 1, "told once")
	assert.Equal(t, due.Add(91*time.Second), rep.ended[0].EndedAt)
	assert.Equal(t, 2, rep.ended[0].Attempts, "the failures before it")
	assert.Len(t, f.endAudit(), 1)
}

// After MaxAttempts failures the bot gives up and says so, so that someone removes the tester.
func TestAnEndThatKeepsFailingIsReportedAsFailedOnce(t *testing.T) {
	f := newFixture(t)
	alice := f.invited("r-1", "alice@example.com", time.Hour)
	f.fake.Fail("DELETE", "/otp-users/"+alice.ID, -1, http.StatusServiceUnavailable, 0, "unavailable")
	svc, rep := f.service(expiry.Options{MaxAttempts: 3, RetryPause: time.Second}), &reporter{}
	ctx := context.Background()

	at := t0.Add(time.Hour)
	for attempt := 1; attempt <= 5; attempt++ {
		f.clock.Set(at)
		svc.ScanOnce(ctx, rep)
		at = at.Add(time.Duration(attempt)*time.Second + time.Millisecond)
	}
	assert.Equal(t, 3, f.deletes(alice.ID), "tried MaxAttempts times, then no more")
	assert.True(t, f.inApplivery(alice.ID))
	assert.Empty(t, rep.ended)
	require.Len(t, rep.failed, 1, "told once")
	assert.Equal(t, expiry.Failed, rep.failed[0].State)
	assert.Equal(t, 3, rep.failed[0].Attempts)
	assert.Equal(t, invite.Unreachable, rep.problems[0].Kind)
	assert.Equal(t, "unavailable", rep.problems[0].Detail)

	f.requireOneAuditRow(invite.Failed, "access could not be ended after 3 attempts: unreachable: unavailable")
}

// Slack refusing to post delays the telling, never repeats the removal, and tells once.
func TestAReporterErrorIsToldLaterWithoutRemovingAgain(t *testing.T) {
	f := newFixture(t)
	alice := f.invited("r-1", "alice@example.com", time.Hour)
	svc, rep := f.service(expiry.Options{RetryPause: 30 * time.Second}), &reporter{refuse: 1}
	ctx := context.Background()
	due := t0.Add(time.Hour)

	f.clock.Set(due)
	svc.ScanOnce(ctx, rep)
	require.False(t, f.inApplivery(alice.ID))
	require.Empty(t, rep.ended, "Slack refused")

	f.clock.Set(due.Add(30 * time.Second))
	svc.ScanOnce(ctx, rep)
	require.Empty(t, rep.ended, "not before the pause")

	for _, at := range []time.Duration{30*time.Second + time.Millisecond, time.Hour} {
		f.clock.Set(due.Add(at))
		svc.ScanOnce(ctx, rep)
	}
	assert.Equal(t, []string{"alice@example.com"}, rep.endedEmails(), "told once")
	assert.Equal(t, 1, f.deletes(alice.ID))
	assert.Len(t, f.endAudit(), 1)
}

// blockingAPI is an Applivery whose DELETE never answers, until the caller gives up.
type blockingAPI struct{ arrived chan struct{} }

func (b blockingAPI) DeleteOTPUser(ctx context.Context, _, _ string) error {
	b.arrived <- struct{}{}
	<-ctx.Done()
	return ctx.Err()
}

// A shutdown while removing a tester gives the end back at once: the next process (after a
// restart, or another replica) removes the tester and tells people, once.
func TestAShutdownMidRemovalLeavesTheEndToTheNextProcess(t *testing.T) {
	f := newFixture(t)
	alice := f.invited("r-1", "alice@example.com", time.Hour)
	f.clock.Set(t0.Add(time.Hour))
	api := blockingAPI{arrived: make(chan struct{}, 1)}
	stopping := expiry.NewService(api, f.db, expiry.Options{Now: f.clock.Now, ScanInterval: time.Hour})
	rep := &reporter{}
	supervised := make(chan struct{})
	go func() {
		defer close(supervised)
		stopping.Supervise(context.Background(), rep)
	}()

	select {
	case <-api.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the removal never started")
	}
	drain, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	require.ErrorIs(t, stopping.Shutdown(drain), context.DeadlineExceeded, "the removal was still in hand: cancelled")
	<-supervised
	require.Empty(t, rep.ended)

	f.clock.Set(t0.Add(time.Hour + time.Millisecond))
	f.service(expiry.Options{}).ScanOnce(context.Background(), rep)
	assert.False(t, f.inApplivery(alice.ID))
	assert.Equal(t, []string{"alice@example.com"}, rep.endedEmails())
}

// A process that removed a tester and died before telling anyone leaves the telling to the
// next one once its lease has expired, which does not remove them again.
func TestACrashBeforeTellingIsToldByTheNextProcess(t *testing.T) {
	f := newFixture(t)
	alice := f.invited("r-1", "alice@example.com", time.Hour)
	ctx := context.Background()
	due := t0.Add(time.Hour)
	taken, err := f.db.TakeDue(ctx, "p-dead", due, due.Add(3*time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, taken, 1)
	require.NoError(t, f.fake.Client(t).DeleteOTPUser(ctx, storeID, alice.ID))
	ended := taken[0]
	ended.State, ended.EndedAt = expiry.Ended, due
	require.NoError(t, f.db.FinishEnd(ctx, ended, "p-dead"))

	svc, rep := f.service(expiry.Options{}), &reporter{}
	f.clock.Set(due.Add(3 * time.Minute))
	svc.ScanOnce(ctx, rep)
	require.Empty(t, rep.ended, "the lease still holds")

	f.clock.Set(due.Add(3*time.Minute + time.Millisecond))
	svc.ScanOnce(ctx, rep)
	svc.ScanOnce(ctx, rep)
	require.Equal(t, []expiry.End{ended}, rep.ended, "told once")
	assert.Equal(t, 1, f.deletes(alice.ID), "not removed again")
	assert.Len(t, f.endAudit(), 1)
}
