package invite_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
)

func TestInviteCreatesTestersAndReportsTheLink(t *testing.T) {
	f := newFixture(t, invite.Options{})
	report := f.invite(request("alice@example.com", "bob@example.com"))
	assert.Equal(t, map[string]invite.Outcome{"alice@example.com": invite.Invited, "bob@example.com": invite.Invited}, outcomes(report))
	assert.Equal(t, "https://acme.applivery.io/acme-ios", report.DistributionURL)
	require.Len(t, f.fake.OTPUsers(storeID), 2)
	alice := report.Results[0].Tester
	require.NotNil(t, alice)
	assert.Len(t, alice.ID, 24)
	assert.Equal(t, 3, alice.AllowedDownloadsNum)
}

func TestExistingTesterIsNotCreatedAgain(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{})
		f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "Alice@Example.com", AllowedDownloadsNum: 5, PublishedApplicationID: appID})
		// A similar address that the server's partial email filter also returns must not count.
		f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "malice@example.com", AllowedDownloadsNum: 5, PublishedApplicationID: appID})

		report := f.invite(request("alice@example.com", "lice@example.com"))
		assert.Equal(t, invite.AlreadyInvited, report.Results[0].Outcome)
		assert.Equal(t, 5, report.Results[0].Tester.AllowedDownloadsNum)
		assert.Equal(t, invite.Invited, report.Results[1].Outcome)
		assert.Equal(t, 1, f.fake.Count("POST", "/otp-users"), "only the new address is created")
	})
}

func TestOneFailureNeverStopsTheOthers(t *testing.T) {
	f := newFixture(t, invite.Options{})
	f.fake.Inject(func(r *http.Request) *appliverytest.Fault {
		if r.Method == http.MethodPost && strings.Contains(appliverytest.RequestEmail(r), "bad") {
			return appliverytest.APIError(http.StatusBadRequest, 6002, "Body Validation Error")
		}
		return nil
	})
	report := f.invite(request("a@example.com", "bad@example.com", "c@example.com"))
	assert.Equal(t, invite.Invited, report.Results[0].Outcome)
	assert.Equal(t, invite.Failed, report.Results[1].Outcome)
	assert.Equal(t, 6002, report.Results[1].ErrorCode)
	assert.Equal(t, invite.Problem{Kind: invite.Rejected, Detail: "Body Validation Error"}, report.Results[1].Problem)
	assert.Equal(t, invite.Invited, report.Results[2].Outcome)
}

func TestRefusedBeforeAnyAPICall(t *testing.T) {
	f := newFixture(t, invite.Options{})
	req := request("not-an-email", "eve@evil.io")
	req.Domains = []string{"example.com"}
	report := f.invite(req)
	assert.Equal(t, invite.Refused, report.Results[0].Outcome)
	assert.Equal(t, invite.BadAddress, report.Results[0].Problem.Kind)
	assert.Equal(t, invite.Problem{Kind: invite.DomainNotAllowed, Detail: "example.com"}, report.Results[1].Problem)
	assert.Zero(t, f.fake.Count("POST", "/otp-users"))
	assert.Zero(t, f.fake.Count("GET", "/otp-users"))
}

// The mapping file's allowlist and the invite core agree on every address, because both ask
// address.DomainAllowed; and what is invited is the address that was checked, in ASCII.
func TestMappingAllowlistAndInviteAgree(t *testing.T) {
	m, err := config.ParseMapping([]byte(`channels:
  - channel: C0123ABCD
    store: ` + storeID + `
    apps: [{id: ` + appID + `, name: Acme iOS beta}]
    downloads: 3
    domains: [acme.com, info.com, stuff.com, Bücher.de]
`))
	require.NoError(t, err)
	domains := m.Channels[0].Domains
	emails := []string{"ana@acme.com", "Bob@ACME.COM", "eve@аcme.com", "eve@İnfo.com", "kim@info.com", "sam@ſtuff.com",
		"lea@bücher.de", "max@xn--bcher-kva.de", "eve@eu.acme.com", "eve\u202e@acme.com", "not-an-email"}
	f := newFixture(t, invite.Options{})
	req := request(emails...)
	req.Domains = domains
	report := f.invite(req)
	for i, e := range emails {
		assert.Equal(t, address.DomainAllowed(e, domains), report.Results[i].Outcome == invite.Invited, e)
	}

	assert.Equal(t, "eve@xn--cme-5cd.com", report.Results[2].Email, "a Cyrillic look-alike is shown as what it is…")
	assert.Equal(t, invite.DomainNotAllowed, report.Results[2].Problem.Kind, "…and refused")
	assert.Equal(t, "eve@xn--info-qwc.com", report.Results[3].Email)
	assert.Equal(t, invite.Problem{Kind: invite.BadAddress, Detail: "contains an invisible character \\u202e"}, report.Results[9].Problem)
	var created []string
	for _, u := range f.fake.OTPUsers(storeID) {
		created = append(created, u.Email)
	}
	assert.ElementsMatch(t, []string{"ana@acme.com", "Bob@ACME.COM", "kim@info.com", "sam@stuff.com",
		"lea@xn--bcher-kva.de", "max@xn--bcher-kva.de"}, created, "Applivery is sent ASCII only")
}

func TestTooManyEmailsRefusedWhole(t *testing.T) {
	f := newFixture(t, invite.Options{MaxEmails: 2})
	err := f.service.Start(context.Background(), request("a@example.com", "b@example.com", "c@example.com"), &reporter{})
	tooMany, ok := errors.AsType[*invite.TooManyError](err)
	require.True(t, ok)
	assert.Equal(t, 2, tooMany.Max)
	assert.Empty(t, f.fake.Requests())
}

func TestEveryOutcomeIsAuditedWhereItCameFrom(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{})
		f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "old@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: appID})
		f.fake.Inject(func(r *http.Request) *appliverytest.Fault {
			if r.Method == http.MethodPost && strings.Contains(appliverytest.RequestEmail(r), "fail") {
				return appliverytest.APIError(http.StatusNotFound, 3001, "Entity not found")
			}
			return nil
		})
		f.invite(request("new@example.com", "old@example.com", "fail@example.com", "nope"))
		entries, err := f.db.Recent(context.Background(), store.Query{ChannelID: "C1"})
		require.NoError(t, err)
		got := map[string]store.Entry{}
		for _, e := range entries {
			got[e.Email] = e
		}
		assert.Equal(t, invite.Invited, got["new@example.com"].Outcome)
		assert.Len(t, got["new@example.com"].OTPUserID, 24)
		assert.Equal(t, invite.AlreadyInvited, got["old@example.com"].Outcome)
		assert.Equal(t, invite.Failed, got["fail@example.com"].Outcome)
		assert.Equal(t, 3001, got["fail@example.com"].ErrorCode)
		assert.Equal(t, invite.Refused, got["nope"].Outcome)
		for _, e := range entries {
			assert.Equal(t, "U1", e.UserID)
			assert.Equal(t, "command", e.Origin)
			assert.NotEmpty(t, e.RequestID)
		}
	})
}

func TestListFilterIsLiteralAndBounded(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{})
		for _, email := range []string{"ana+qa@example.com", "anaaqa@example.com", "bob@example.com", "Ana+QA@other.io"} {
			f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: email, AllowedDownloadsNum: 1, PublishedApplicationID: appID})
		}
		f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "ana+qa@elsewhere.io", PublishedApplicationID: otherAppID})
		apps := []config.App{{ID: appID, Name: "Acme"}}

		listing, err := f.service.List(context.Background(), storeID, apps, " ANA+QA ", 1)
		require.NoError(t, err)
		require.Len(t, listing.Testers, 1, "+ is a plus sign, not a regex quantifier")
		assert.Equal(t, "ana+qa@example.com", listing.Testers[0].User.Email)
		assert.Equal(t, 2, listing.Total, "counted here: ana+qa@example.com and Ana+QA@other.io, not anaaqa")

		requests := f.fake.Count("", "")
		_, err = f.service.List(context.Background(), storeID, apps, strings.Repeat("a", applivery.MaxFilterLength+1), 15)
		require.ErrorIs(t, err, applivery.ErrFilterTooLong)
		p, _ := invite.Classify(err)
		assert.Equal(t, invite.FilterTooLong, p.Kind)
		assert.Equal(t, requests, f.fake.Count("", ""), "nothing was sent")
	})
}

func TestListShowsOnlyTheAppsTestersWhenAppliveryIgnoresTheAppFilter(t *testing.T) {
	f := newFixture(t, invite.Options{})
	f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "mine@example.com", PublishedApplicationID: appID})
	f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "theirs@example.com", PublishedApplicationID: otherAppID})
	f.fake.Inject(func(r *http.Request) *appliverytest.Fault {
		q := r.URL.Query()
		q.Del("publishedApplicationId") // a server that ignores the filter
		r.URL.RawQuery = q.Encode()
		return nil
	})

	listing, err := f.service.List(context.Background(), storeID, []config.App{{ID: appID, Name: "Acme"}}, "example", 10)
	require.NoError(t, err)
	require.Len(t, listing.Testers, 1)
	assert.Equal(t, "mine@example.com", listing.Testers[0].User.Email)
}

func TestRemoveFoundAndNotFoundIsAudited(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureReading(t, reading, invite.Options{})
		u := f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "alice@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: appID})
		req := invite.RemoveRequest{ID: "r", UserID: "U1", ChannelID: "C1", Origin: "command", StoreID: storeID,
			Apps: []config.App{{ID: appID, Name: "Acme"}}, Email: "ALICE@example.com"}
		res, err := f.service.Remove(context.Background(), req)
		require.NoError(t, err)
		require.Len(t, res.Removed, 1)
		assert.Equal(t, u.ID, res.Removed[0].User.ID)
		assert.Empty(t, f.fake.OTPUsers(storeID))
		entries, err := f.db.Recent(context.Background(), store.Query{ChannelID: "C1"})
		require.NoError(t, err)
		require.Len(t, entries, 1)
		assert.Equal(t, invite.Removed, entries[0].Outcome)
		assert.Equal(t, u.ID, entries[0].OTPUserID)

		res, err = f.service.Remove(context.Background(), req)
		require.NoError(t, err)
		assert.Empty(t, res.Removed, "removing someone who is not there removes nothing")
	})
}
