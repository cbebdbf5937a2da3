package invite_test

// Access that ends (issue 12): a request says how long its testers' access lasts; the core
// refuses durations out of range before any work and tells, for each tester, until when.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
)

func TestAccessOutOfRangeIsRefusedBeforeAnyWork(t *testing.T) {
	f := newFixture(t, invite.Options{})
	for _, d := range []time.Duration{-time.Hour, time.Millisecond, 59 * time.Second, invite.MaxAccess + time.Millisecond} {
		req := request("alice@example.com")
		req.AccessFor = d
		err := f.service.Start(context.Background(), req, &reporter{})
		accessErr, ok := errors.AsType[*invite.AccessError](err)
		require.True(t, ok, "%s: %v", d, err)
		assert.Equal(t, d, accessErr.Got)
	}
	assert.Empty(t, f.fake.Requests(), "nothing reached Applivery")
	rows, err := f.db.Recent(context.Background(), store.Query{ChannelID: "C1"})
	require.NoError(t, err)
	assert.Empty(t, rows, "nothing was saved")
}

func TestCheckAccessTakesNoEndAndTheBounds(t *testing.T) {
	for _, d := range []time.Duration{0, invite.MinAccess, 14 * 24 * time.Hour, invite.MaxAccess} {
		assert.NoError(t, invite.CheckAccess(d), d)
	}
}

// Each tester invited learns until when; someone already a tester keeps their access when the
// invite is an approval of someone else's request; refusals and failures have no end, and a
// request without AccessFor gives access that does not end.
func TestEachTesterInvitedGetsTheEndOfTheirAccess(t *testing.T) {
	f := newFixture(t, invite.Options{})
	f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "old@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: appID})
	req := request("new@example.com", "old@example.com", "nope")
	req.ID, req.AccessFor, req.RequestedBy = "r-access", 14*24*time.Hour, "U0ASKER"
	report := f.invite(req)

	require.Equal(t, []invite.Outcome{invite.Invited, invite.AlreadyInvited, invite.Refused},
		[]invite.Outcome{report.Results[0].Outcome, report.Results[1].Outcome, report.Results[2].Outcome})
	assert.Equal(t, report.Results[0].FinishedAt.Add(14*24*time.Hour), report.Results[0].AccessEnds)
	assert.Zero(t, report.Results[1].AccessEnds, "an approval never changes an existing tester's access")
	assert.Zero(t, report.Results[2].AccessEnds)

	rec, err := f.db.LoadRequest(context.Background(), "r-access")
	require.NoError(t, err)
	assert.Equal(t, 14*24*time.Hour, rec.AccessFor)
	assert.Equal(t, "U0ASKER", rec.RequestedBy)
	for i, e := range rec.EmailStates[:2] {
		want := report.Results[i].AccessEnds.Truncate(time.Millisecond) // stored to the millisecond
		assert.True(t, want.Equal(e.AccessEnds), "loaded back: %s at %s, want %s", e.Email, e.AccessEnds, want)
	}

	forever := f.invite(request("forever@example.com"))
	assert.Zero(t, forever.Results[0].AccessEnds)

	again := request("old@example.com")
	again.ID, again.AccessFor = "r-chosen", time.Hour
	chosen := f.invite(again)
	require.Equal(t, invite.AlreadyInvited, chosen.Results[0].Outcome)
	assert.Equal(t, chosen.Results[0].FinishedAt.Add(time.Hour), chosen.Results[0].AccessEnds,
		"a QA lead's own invite for 1h changes an existing tester's end: they chose it")
}
