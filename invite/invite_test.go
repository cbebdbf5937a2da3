package invite_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/address"
	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/invite"
	"github.com/testerbot/testerbot/store"
)

const (
	storeID = "64a1b2c3d4e5f6a7b8c9d0e1"
	appID   = "64a1b2c3d4e5f6a7b8c9d0e2"
)

type fixture struct {
	fake    *appliverytest.Server
	service *invite.Service
	audit   *store.Store
}

func newFixture(t *testing.T, opts invite.Options, clientOpts ...applivery.Option) *fixture {
	t.Helper()
	fake := appliverytest.New(t)
	fake.AddStore(storeID, "Acme beta")
	fake.AddPublishedApp(storeID, appID, "Acme iOS beta", "https://acme.applivery.io/acme-ios")
	db, err := store.Open(context.Background(), store.Config{SQLitePath: filepath.Join(t.TempDir(), "invites.db")})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	if opts.Sleep == nil {
		opts.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	}
	return &fixture{fake: fake, audit: db, service: invite.NewService(fake.Client(t, clientOpts...), db, opts)}
}

func request(emails ...string) invite.Request {
	return invite.Request{ID: "req1", UserID: "U1", ChannelID: "C1", Surface: store.SurfaceCommand,
		StoreID: storeID, AppID: appID, AppName: "Acme iOS beta", Emails: emails, Downloads: 3}
}

func statuses(r *invite.Report) map[string]invite.Status {
	out := map[string]invite.Status{}
	for _, res := range r.Results {
		out[res.Email] = res.Status
	}
	return out
}

func TestInviteCreatesTestersAndReportsTheLink(t *testing.T) {
	f := newFixture(t, invite.Options{})
	report, err := f.service.Invite(context.Background(), request("alice@example.com", "bob@example.com"), nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]invite.Status{"alice@example.com": invite.Invited, "bob@example.com": invite.Invited}, statuses(report))
	assert.Equal(t, "https://acme.applivery.io/acme-ios", report.DistributionURL)
	require.Len(t, f.fake.OTPUsers(storeID), 2)
	alice := report.Results[0].User
	require.NotNil(t, alice)
	assert.Len(t, alice.ID, 24)
	assert.Equal(t, 3, alice.AllowedDownloadsNum)
}

func TestExistingTesterIsNotCreatedAgain(t *testing.T) {
	f := newFixture(t, invite.Options{})
	f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "Alice@Example.com", AllowedDownloadsNum: 5, PublishedApplicationID: appID})
	// A similar address that the server's partial email filter also returns must not count.
	f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "malice@example.com", AllowedDownloadsNum: 5, PublishedApplicationID: appID})

	report, err := f.service.Invite(context.Background(), request("alice@example.com", "lice@example.com"), nil)
	require.NoError(t, err)
	assert.Equal(t, invite.AlreadyInvited, report.Results[0].Status)
	assert.Equal(t, 5, report.Results[0].User.AllowedDownloadsNum)
	assert.Equal(t, invite.Invited, report.Results[1].Status)
	assert.Equal(t, 1, f.fake.Count("POST", "/otp-users"), "only the new address is created")
}

func TestOneFailureNeverStopsTheOthers(t *testing.T) {
	f := newFixture(t, invite.Options{})
	f.fake.Inject(func(r *http.Request) *appliverytest.Fault {
		if r.Method == http.MethodPost && strings.Contains(appliverytest.RequestEmail(r), "bad") {
			return appliverytest.APIError(http.StatusBadRequest, 6002, "Body Validation Error")
		}
		return nil
	})
	report, err := f.service.Invite(context.Background(), request("a@example.com", "bad@example.com", "c@example.com"), nil)
	require.NoError(t, err)
	assert.Equal(t, invite.Invited, report.Results[0].Status)
	assert.Equal(t, invite.Failed, report.Results[1].Status)
	assert.Equal(t, 6002, report.Results[1].ErrorCode)
	assert.Equal(t, "Body Validation Error", report.Results[1].APIMessage)
	assert.Contains(t, report.Results[1].Reason, "rejected the data")
	assert.Equal(t, invite.Invited, report.Results[2].Status)
}

func TestRefusedBeforeAnyAPICall(t *testing.T) {
	f := newFixture(t, invite.Options{})
	req := request("not-an-email", "eve@evil.io")
	req.Domains = []string{"example.com"}
	report, err := f.service.Invite(context.Background(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, invite.Refused, report.Results[0].Status)
	assert.Equal(t, invite.Refused, report.Results[1].Status)
	assert.Contains(t, report.Results[1].Reason, "example.com")
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
	report, err := f.service.Invite(context.Background(), req, nil)
	require.NoError(t, err)
	for i, e := range emails {
		assert.Equal(t, address.DomainAllowed(e, domains), report.Results[i].Status == invite.Invited, e)
	}

	assert.Equal(t, invite.Result{Email: "eve@xn--cme-5cd.com", Status: invite.Refused,
		Reason: "only addresses at acme.com, info.com, stuff.com, xn--bcher-kva.de may be invited from this channel"},
		report.Results[2], "a Cyrillic look-alike is refused, shown as what it is")
	assert.Equal(t, "eve@xn--info-qwc.com", report.Results[3].Email)
	assert.Equal(t, "this is not a valid email address (contains an invisible character \\u202e)", report.Results[9].Reason)
	var created []string
	for _, u := range f.fake.OTPUsers(storeID) {
		created = append(created, u.Email)
	}
	assert.ElementsMatch(t, []string{"ana@acme.com", "Bob@ACME.COM", "kim@info.com", "sam@stuff.com",
		"lea@xn--bcher-kva.de", "max@xn--bcher-kva.de"}, created, "Applivery is sent ASCII only")
}

func TestTooManyEmailsRefusedWhole(t *testing.T) {
	f := newFixture(t, invite.Options{MaxEmails: 2})
	_, err := f.service.Invite(context.Background(), request("a@example.com", "b@example.com", "c@example.com"), nil)
	var tooMany *invite.TooManyError
	require.ErrorAs(t, err, &tooMany)
	assert.Equal(t, 2, tooMany.Max)
	assert.Empty(t, f.fake.Requests())
}

func TestBulkRespectsConcurrencyAndReportsProgress(t *testing.T) {
	f := newFixture(t, invite.Options{Concurrency: 4})
	f.fake.SetLatency(5 * time.Millisecond)
	var emails []string
	for i := range 50 {
		emails = append(emails, fmt.Sprintf("tester%02d@example.com", i))
	}
	var mu sync.Mutex
	var seen []int
	report, err := f.service.Invite(context.Background(), request(emails...), func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, 50, total)
		seen = append(seen, done)
	})
	require.NoError(t, err)
	assert.Equal(t, 50, report.Count(invite.Invited))
	assert.LessOrEqual(t, f.fake.MaxInFlight(), 4, "never more requests in flight than the limit")
	assert.GreaterOrEqual(t, f.fake.MaxInFlight(), 2, "the limit is actually used")
	assert.Len(t, seen, 50)
	assert.ElementsMatch(t, seq(1, 50), seen)
}

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestUnknownCreateOutcomeNeverDuplicates(t *testing.T) {
	// The server creates the user but the answer is lost (a 503 from a proxy after the work).
	f := newFixture(t, invite.Options{})
	f.fake.FailWith("POST", "/otp-users", 1, &appliverytest.Fault{Status: http.StatusServiceUnavailable, AfterCommit: true})
	report, err := f.service.Invite(context.Background(), request("alice@example.com"), nil)
	require.NoError(t, err)
	res := report.Results[0]
	assert.Equal(t, invite.Invited, res.Status)
	assert.True(t, res.Recovered)
	assert.Len(t, f.fake.OTPUsers(storeID), 1, "one tester, not two")
	assert.Equal(t, 1, f.fake.Count("POST", "/otp-users"), "the lookup found the user, so no second create")
}

func TestUnknownOutcomeWithoutCommitIsRetried(t *testing.T) {
	f := newFixture(t, invite.Options{})
	f.fake.Fail("POST", "/otp-users", 2, http.StatusServiceUnavailable, 0, "unavailable")
	report, err := f.service.Invite(context.Background(), request("alice@example.com"), nil)
	require.NoError(t, err)
	assert.Equal(t, invite.Invited, report.Results[0].Status)
	assert.Len(t, f.fake.OTPUsers(storeID), 1)
	assert.Equal(t, 3, f.fake.Count("POST", "/otp-users"))
}

func TestClientTimeoutAfterServerCreatedIsOneInvite(t *testing.T) {
	f := newFixture(t, invite.Options{}, applivery.WithTimeout(100*time.Millisecond))
	f.fake.HangAfterCreate(2 * time.Second)
	report, err := f.service.Invite(context.Background(), request("alice@example.com"), nil)
	require.NoError(t, err)
	assert.Equal(t, invite.Invited, report.Results[0].Status)
	assert.True(t, report.Results[0].Recovered)
	assert.Len(t, f.fake.OTPUsers(storeID), 1)
}

func TestAllAttemptsFailingSaysSoPlainly(t *testing.T) {
	f := newFixture(t, invite.Options{CreateRetries: 2})
	f.fake.Fail("POST", "/otp-users", 100, http.StatusServiceUnavailable, 0, "down")
	report, err := f.service.Invite(context.Background(), request("alice@example.com"), nil)
	require.NoError(t, err)
	assert.Equal(t, invite.Failed, report.Results[0].Status)
	assert.Contains(t, report.Results[0].Reason, "try again")
	assert.Equal(t, 3, f.fake.Count("POST", "/otp-users"))
}

func TestEveryOutcomeIsAudited(t *testing.T) {
	f := newFixture(t, invite.Options{})
	f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "old@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: appID})
	f.fake.Inject(func(r *http.Request) *appliverytest.Fault {
		if r.Method == http.MethodPost && strings.Contains(appliverytest.RequestEmail(r), "fail") {
			return appliverytest.APIError(http.StatusNotFound, 3001, "Entity not found")
		}
		return nil
	})
	_, err := f.service.Invite(context.Background(), request("new@example.com", "old@example.com", "fail@example.com", "nope"), nil)
	require.NoError(t, err)
	entries, err := f.audit.Recent(context.Background(), store.Query{ChannelID: "C1"})
	require.NoError(t, err)
	got := map[string]store.Entry{}
	for _, e := range entries {
		got[e.Email] = e
	}
	assert.Equal(t, store.OutcomeInvited, got["new@example.com"].Outcome)
	assert.Len(t, got["new@example.com"].OTPUserID, 24)
	assert.Equal(t, store.OutcomeAlreadyInvited, got["old@example.com"].Outcome)
	assert.Equal(t, store.OutcomeFailed, got["fail@example.com"].Outcome)
	assert.Equal(t, 3001, got["fail@example.com"].ErrorCode)
	assert.Equal(t, store.OutcomeRefused, got["nope"].Outcome)
	for _, e := range entries {
		assert.Equal(t, "U1", e.UserID)
		assert.Equal(t, store.SurfaceCommand, e.Surface)
		assert.Equal(t, "req1", e.RequestID)
	}
}

func TestListWalksPagesAndCountsEverything(t *testing.T) {
	f := newFixture(t, invite.Options{})
	for i := range 25 {
		f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: fmt.Sprintf("t%02d@example.com", i), AllowedDownloadsNum: 1, PublishedApplicationID: appID})
	}
	listing, err := f.service.List(context.Background(), storeID, []invite.App{{ID: appID, Name: "Acme"}}, "", 15)
	require.NoError(t, err)
	assert.Len(t, listing.Testers, 15)
	assert.Equal(t, 25, listing.Total)
	assert.GreaterOrEqual(t, f.fake.Count("GET", "/otp-users"), 2, "more than one page was read")
}

func TestListFilterIsLiteralAndBounded(t *testing.T) {
	f := newFixture(t, invite.Options{})
	for _, email := range []string{"ana+qa@example.com", "anaaqa@example.com", "bob@example.com"} {
		f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: email, AllowedDownloadsNum: 1, PublishedApplicationID: appID})
	}
	apps := []invite.App{{ID: appID, Name: "Acme"}}

	listing, err := f.service.List(context.Background(), storeID, apps, " ANA+QA ", 15)
	require.NoError(t, err)
	require.Len(t, listing.Testers, 1, "+ is a plus sign, not a regex quantifier")
	assert.Equal(t, "ana+qa@example.com", listing.Testers[0].User.Email)

	requests := f.fake.Count("", "")
	_, err = f.service.List(context.Background(), storeID, apps, strings.Repeat(".", 251), 15)
	require.ErrorIs(t, err, applivery.ErrFilterTooLong)
	assert.Equal(t, "That search text is too long for Applivery: use at most 500 characters.", invite.Explain(err))
	assert.Equal(t, requests, f.fake.Count("", ""), "nothing was sent")
}

func TestRemoveFoundAndNotFound(t *testing.T) {
	f := newFixture(t, invite.Options{})
	u := f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "alice@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: appID})
	req := invite.RemoveRequest{ID: "r", UserID: "U1", ChannelID: "C1", Surface: store.SurfaceCommand, StoreID: storeID,
		Apps: []invite.App{{ID: appID, Name: "Acme"}}, Email: "ALICE@example.com"}
	res, err := f.service.Remove(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, res.Removed, 1)
	assert.Equal(t, u.ID, res.Removed[0].User.ID)
	assert.Empty(t, f.fake.OTPUsers(storeID))

	res, err = f.service.Remove(context.Background(), req)
	require.NoError(t, err)
	assert.Empty(t, res.Removed, "removing someone who is not there removes nothing")
}
