package appliverytest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
)

// fixture is a fake with one store and one published app.
type fixture struct {
	srv     *appliverytest.Server
	client  *applivery.Client
	storeID string
	appID   string
}

func newFixture(t *testing.T, opts ...applivery.Option) fixture {
	t.Helper()
	return newFixtureOn(t, appliverytest.New(t), opts...)
}

// newFixtureOn is newFixture on a server started with options of its own.
func newFixtureOn(t *testing.T, srv *appliverytest.Server, opts ...applivery.Option) fixture {
	t.Helper()
	f := fixture{srv: srv, storeID: appliverytest.NewID(), appID: appliverytest.NewID()}
	srv.AddStore(f.storeID, "Acme Beta")
	srv.AddPublishedApp(f.storeID, f.appID, "Rocket App", "https://acme.applivery.io/rocket")
	f.client = srv.Client(t, opts...)
	return f
}

func (f fixture) invite(email string) applivery.OTPUserRequest {
	return applivery.OTPUserRequest{Email: email, AllowedDownloadsNum: applivery.Unlimited, PublishedApplicationID: f.appID}
}

func codeOf(t *testing.T, err error) int {
	t.Helper()
	var apiErr *applivery.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	return apiErr.Code
}

func TestCreateStoresTheTester(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	user, err := f.client.CreateOTPUser(ctx, f.storeID, f.invite("ada@example.com"))
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{24}$`, user.ID)
	assert.Equal(t, "ada@example.com", user.Email)
	assert.Equal(t, f.appID, user.PublishedApplicationID)
	assert.WithinDuration(t, time.Now(), user.CreatedAt, time.Minute)

	stored := f.srv.OTPUsers(f.storeID)
	require.Len(t, stored, 1)
	assert.Equal(t, *user, stored[0])
	assert.Equal(t, 1, f.srv.Count(http.MethodPost, "/otp-users"))

	req := f.srv.Requests()[0]
	assert.JSONEq(t, `{"email":"ada@example.com","allowedDownloadsNum":-1,"publishedApplicationId":"`+f.appID+`"}`, string(req.Body))
}

func TestCreateRejectsWhatTheRealAPIRejects(t *testing.T) {
	f := newFixture(t)
	f.srv.AddOTPUser(f.storeID, applivery.OTPUser{Email: "taken@example.com", PublishedApplicationID: f.appID})
	cases := map[string]struct {
		req      applivery.OTPUserRequest
		sentinel error
		code     int
	}{
		"bad email":          {applivery.OTPUserRequest{Email: "not-an-email", PublishedApplicationID: f.appID}, applivery.ErrValidation, 6002},
		"double dot":         {applivery.OTPUserRequest{Email: "a..b@example.com", PublishedApplicationID: f.appID}, applivery.ErrValidation, 6002},
		"no app":             {applivery.OTPUserRequest{Email: "a@example.com"}, applivery.ErrValidation, 6002},
		"downloads below -1": {applivery.OTPUserRequest{Email: "a@example.com", AllowedDownloadsNum: -2, PublishedApplicationID: f.appID}, applivery.ErrValidation, 6002},
		"unknown app":        {applivery.OTPUserRequest{Email: "a@example.com", PublishedApplicationID: appliverytest.NewID()}, applivery.ErrNotFound, 3001},
		"duplicate":          {applivery.OTPUserRequest{Email: "TAKEN@example.com", PublishedApplicationID: f.appID}, applivery.ErrValidation, 6001},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := f.client.CreateOTPUser(context.Background(), f.storeID, tc.req)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.Equal(t, tc.code, codeOf(t, err))
			assert.False(t, applivery.OutcomeUnknown(err))
		})
	}
	assert.Len(t, f.srv.OTPUsers(f.storeID), 1, "nothing was created")
}

func TestAuthenticationAndScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	call := func(c *applivery.Client, storeID string) error {
		_, err := c.GetStore(ctx, storeID)
		return err
	}
	noToken, err := applivery.NewClient(f.srv.Organization(), applivery.WithBaseURL(f.srv.URL()))
	require.NoError(t, err)
	badToken, err := applivery.NewClient(f.srv.Organization(), applivery.WithBaseURL(f.srv.URL()), applivery.WithToken("nope"))
	require.NoError(t, err)
	otherOrg, err := applivery.NewClient("globex", applivery.WithBaseURL(f.srv.URL()), applivery.WithToken(f.srv.Token()))
	require.NoError(t, err)

	assert.Equal(t, 4002, codeOf(t, call(noToken, f.storeID)))
	assert.Equal(t, 4004, codeOf(t, call(badToken, f.storeID)))
	assert.ErrorIs(t, call(badToken, f.storeID), applivery.ErrUnauthorized)
	assert.Equal(t, 3001, codeOf(t, call(otherOrg, f.storeID)))
	assert.Equal(t, 3001, codeOf(t, call(f.client, appliverytest.NewID())))
	assert.Equal(t, 6002, codeOf(t, call(f.client, "not-an-id")))
	require.NoError(t, call(f.client, f.storeID))
}

func TestStoreAndPublishedApp(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	store, err := f.client.GetStore(ctx, f.storeID)
	require.NoError(t, err)
	assert.Equal(t, f.storeID, store.ID)
	assert.Empty(t, store.CustomDomain)
	assert.WithinDuration(t, time.Now(), store.CreatedAt, time.Minute)

	app, err := f.client.GetPublishedApp(ctx, f.storeID, f.appID)
	require.NoError(t, err)
	assert.Equal(t, applivery.PublishedApp{ID: f.appID, Name: "Rocket App", Slug: "rocket-app", Visibility: "active",
		DistributionURL: "https://acme.applivery.io/rocket"}, *app)

	_, err = f.client.GetPublishedApp(ctx, f.storeID, appliverytest.NewID())
	assert.ErrorIs(t, err, applivery.ErrNotFound)
}

func TestDeleteByID(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	seeded := f.srv.AddOTPUser(f.storeID, applivery.OTPUser{Email: "ada@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: f.appID})
	kept := f.srv.AddOTPUser(f.storeID, applivery.OTPUser{Email: "grace@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: f.appID})

	require.NoError(t, f.client.DeleteOTPUser(ctx, f.storeID, seeded.ID))
	assert.Equal(t, []applivery.OTPUser{kept}, f.srv.OTPUsers(f.storeID))
	assert.ErrorIs(t, f.client.DeleteOTPUser(ctx, f.storeID, seeded.ID), applivery.ErrNotFound)
	assert.ErrorIs(t, f.client.DeleteOTPUser(ctx, f.storeID, "not-an-id"), applivery.ErrValidation)
}

func TestListingPagesAndFilters(t *testing.T) {
	f := newFixture(t)
	otherApp := appliverytest.NewID()
	f.srv.AddPublishedApp(f.storeID, otherApp, "Other", "")
	for i := range 12 {
		f.srv.AddOTPUser(f.storeID, applivery.OTPUser{Email: fmt.Sprintf("t%02d@example.com", i), PublishedApplicationID: f.appID})
	}
	f.srv.AddOTPUser(f.storeID, applivery.OTPUser{Email: "t99@example.com", PublishedApplicationID: otherApp})
	ctx := context.Background()

	page, err := f.client.ListOTPUsers(ctx, f.storeID, applivery.ListOTPUsersOptions{PublishedApplicationID: f.appID})
	require.NoError(t, err)
	assert.Len(t, page.Items, 10, "default page size")
	assert.Equal(t, 12, page.TotalDocs)
	assert.Equal(t, 2, page.TotalPages)
	require.NotNil(t, page.HasNextPage)
	assert.True(t, *page.HasNextPage)
	assert.Equal(t, 2, page.NextPage)

	all, total, err := f.client.ListAllOTPUsers(ctx, f.storeID, applivery.ListOTPUsersOptions{Limit: 5}, 0)
	require.NoError(t, err)
	assert.Equal(t, 13, total)
	assert.Len(t, all, 13)

	page, err = f.client.ListOTPUsers(ctx, f.storeID, applivery.ListOTPUsersOptions{Email: "T1"})
	require.NoError(t, err)
	assert.Equal(t, 2, page.TotalDocs, "case-insensitive partial match: t10, t11")
}

func TestTheFakeReadsTheEmailFilterEitherWay(t *testing.T) {
	for reading, matches := range map[appliverytest.FilterReading]int{
		appliverytest.FilterAsRegex: 2, // "ada+beta" is "ad, one or more a, beta": adabeta, adaabeta
		appliverytest.FilterAsText:  1, // ada+beta itself
	} {
		srv := appliverytest.New(t, appliverytest.ReadFilterAs(reading))
		storeID, appID := appliverytest.NewID(), appliverytest.NewID()
		srv.AddStore(storeID, "Beta")
		srv.AddPublishedApp(storeID, appID, "App", "")
		for _, email := range []string{"ada+beta@x.io", "adabeta@x.io", "adaabeta@x.io"} {
			srv.AddOTPUser(storeID, applivery.OTPUser{Email: email, PublishedApplicationID: appID})
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/organizations/acme/stores/"+storeID+"/otp-users?email="+url.QueryEscape("ADA+beta"), nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var body struct {
			Data struct {
				TotalDocs int `json:"totalDocs"`
			} `json:"data"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		assert.Equal(t, matches, body.Data.TotalDocs, "read as %s", reading)
	}
}

func TestFindOTPUserThroughTheFake(t *testing.T) {
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		f := newFixtureOn(t, appliverytest.New(t, appliverytest.ReadFilterAs(reading)))
		f.srv.AddOTPUser(f.storeID, applivery.OTPUser{Email: "xada+beta@example.com", PublishedApplicationID: f.appID})
		f.srv.AddOTPUser(f.storeID, applivery.OTPUser{Email: "Ada+Beta@Example.com", PublishedApplicationID: f.appID})
		f.srv.AddOTPUser(f.storeID, applivery.OTPUser{Email: "ada.beta@example.com", PublishedApplicationID: f.appID})
		ctx := context.Background()

		user, err := f.client.FindOTPUser(ctx, f.storeID, f.appID, "ada+beta@example.com")
		require.NoError(t, err)
		require.NotNil(t, user)
		assert.Equal(t, "Ada+Beta@Example.com", user.Email)

		user, err = f.client.FindOTPUser(ctx, f.storeID, f.appID, "ada.beta@example.com")
		require.NoError(t, err)
		require.NotNil(t, user)
		assert.Equal(t, "ada.beta@example.com", user.Email)

		users, total, err := f.client.ListAllOTPUsers(ctx, f.storeID, applivery.ListOTPUsersOptions{Email: "ada+beta"}, 0)
		require.NoError(t, err)
		assert.Equal(t, 2, total, "xada+beta and Ada+Beta contain it")
		assert.Len(t, users, 2)

		user, err = f.client.FindOTPUser(ctx, f.storeID, f.appID, "nobody@example.com")
		require.NoError(t, err)
		assert.Nil(t, user)
	})
}

func TestFailAnswersWithAPIErrorsAFewTimes(t *testing.T) {
	f := newFixture(t)
	f.srv.Fail(http.MethodGet, "/pubApps/"+f.appID, 2, http.StatusServiceUnavailable, 0, "maintenance")

	_, err := f.client.GetPublishedApp(context.Background(), f.storeID, f.appID)
	require.NoError(t, err, "the client retries past two 503s")
	assert.Equal(t, 3, f.srv.Count(http.MethodGet, "/pubApps/"+f.appID))

	f.srv.Fail("", "/otp-users", -1, http.StatusBadRequest, applivery.CodeLimitExceeded, "Limit Exceeded")
	for range 2 {
		_, err = f.client.CreateOTPUser(context.Background(), f.storeID, f.invite("ada@example.com"))
		assert.ErrorIs(t, err, applivery.ErrLimitExceeded, "every time")
	}
	assert.Empty(t, f.srv.OTPUsers(f.storeID))
}

func TestProxyFailureAfterCommitLeavesAUserBehind(t *testing.T) {
	f := newFixture(t)
	fault := appliverytest.BadGateway()
	fault.AfterCommit = true
	f.srv.FailWith(http.MethodPost, "/otp-users", 1, fault)

	_, err := f.client.CreateOTPUser(context.Background(), f.storeID, f.invite("ada@example.com"))
	assert.True(t, applivery.OutcomeUnknown(err))
	assert.ErrorIs(t, err, applivery.ErrServer)
	assert.Len(t, f.srv.OTPUsers(f.storeID), 1, "the backend did the work")
}

func TestInjectedRateLimitIsWaitedOut(t *testing.T) {
	srv := appliverytest.New(t)
	storeID := appliverytest.NewID()
	srv.AddStore(storeID, "Beta")
	// A gate counts the wait; a longest wait of a second lets the client
	// honour the whole Retry-After.
	gate := applivery.NewGate(1)
	client := srv.Client(t, applivery.WithGate(gate), applivery.WithRetry(2, 0, time.Second))
	var limited atomic.Int32
	srv.Inject(func(r *http.Request) *appliverytest.Fault {
		if limited.Add(1) == 1 {
			return appliverytest.RateLimited("1")
		}
		return nil
	})

	_, err := client.GetStore(context.Background(), storeID)
	require.NoError(t, err)
	assert.Equal(t, time.Second, gate.Stats().Paused, "the Retry-After the fake sent")
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.GreaterOrEqual(t, reqs[1].Arrived.Sub(reqs[0].Arrived), time.Second)
}

func TestHangAfterCreateCommitsThenTimesOut(t *testing.T) {
	f := newFixture(t, applivery.WithTimeout(50*time.Millisecond))
	f.srv.HangAfterCreate(time.Hour)
	ctx := context.Background()

	_, err := f.client.CreateOTPUser(ctx, f.storeID, f.invite("ada@example.com"))
	require.Error(t, err)
	assert.True(t, applivery.OutcomeUnknown(err))

	found, err := f.client.FindOTPUser(ctx, f.storeID, f.appID, "ada@example.com")
	require.NoError(t, err)
	require.NotNil(t, found, "the user exists although the client timed out")
}

func TestLatencyDelaysRequestsAndYieldsToCancellation(t *testing.T) {
	f := newFixture(t, applivery.WithTimeout(time.Hour), applivery.WithRetry(1, 0, 0))
	f.srv.SetLatency(30 * time.Millisecond)

	start := time.Now()
	_, err := f.client.GetStore(context.Background(), f.storeID)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	f.srv.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = f.client.GetStore(ctx, f.storeID)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestMaxInFlightSeesConcurrentRequests(t *testing.T) {
	f := newFixture(t)
	const n = 5
	var arrived sync.WaitGroup
	arrived.Add(n)
	f.srv.Inject(func(r *http.Request) *appliverytest.Fault {
		arrived.Done()
		arrived.Wait() // hold every request until all n are in flight
		return nil
	})

	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.client.CreateOTPUser(context.Background(), f.storeID, f.invite(fmt.Sprintf("t%d@example.com", i)))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()

	assert.Equal(t, n, f.srv.MaxInFlight())
	assert.Len(t, f.srv.OTPUsers(f.storeID), n)

	f.srv.ResetStats()
	assert.Zero(t, f.srv.MaxInFlight())
	assert.Empty(t, f.srv.Requests())
}

// getPage fetches a listing from the fake without the client, to see the
// pages as the fake serves them.
func getPage(t *testing.T, srv *appliverytest.Server, path string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL()+"/v1/organizations/"+srv.Organization()+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct {
		Data map[string]any `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.Data
}

func TestStoresAndPublicationsArePaginatedLikeOTPUsers(t *testing.T) {
	f := newFixture(t)
	seeded := f.srv.SeedStores(23, appliverytest.StoreCustomDomain("beta.acme.io"))
	apps := f.srv.SeedPublishedApps(f.storeID, 14)

	first := getPage(t, f.srv, "/stores")
	assert.Len(t, first["items"], 10, "default page size")
	assert.EqualValues(t, 24, first["totalDocs"])
	assert.EqualValues(t, 3, first["totalPages"])
	assert.Equal(t, true, first["hasNextPage"])
	assert.EqualValues(t, 2, first["nextPage"])
	last := getPage(t, f.srv, "/stores?page=3")
	assert.Len(t, last["items"], 4)
	assert.Equal(t, false, last["hasNextPage"])
	assert.Nil(t, last["nextPage"])
	assert.Len(t, getPage(t, f.srv, "/stores/"+f.storeID+"/pubApps?limit=5&page=3")["items"], 5)

	stores, err := f.client.ListStores(context.Background())
	require.NoError(t, err)
	require.Len(t, stores, 24)
	assert.Equal(t, f.storeID, stores[0].ID, "in the order they were added")
	assert.Equal(t, seeded[22], stores[23].ID)
	assert.Equal(t, "beta.acme.io", stores[23].CustomDomain)

	pubs, err := f.client.ListPublishedApps(context.Background(), f.storeID)
	require.NoError(t, err)
	require.Len(t, pubs, 15)
	assert.Equal(t, applivery.PublishedApp{ID: apps[13], Name: "App 014", Slug: "app-014", Visibility: "active",
		DistributionURL: "https://acme.applivery.io/app-014"}, pubs[14])
}

func TestPublicationDetails(t *testing.T) {
	f := newFixture(t)
	hidden := appliverytest.NewID()
	f.srv.AddPublishedApp(f.storeID, hidden, "Hidden Beta", "", appliverytest.AppSlug("hb"), appliverytest.AppVisibility("unlisted"))

	app, err := f.client.GetPublishedApp(context.Background(), f.storeID, hidden)
	require.NoError(t, err)
	assert.Equal(t, applivery.PublishedApp{ID: hidden, Name: "Hidden Beta", Slug: "hb", Visibility: "unlisted"}, *app)
}

func TestATokenWithoutAPermissionIsForbidden(t *testing.T) {
	f := newFixture(t)
	f.srv.AddToken("stores-only", applivery.PermissionListStores)
	limited := f.srv.Client(t, applivery.WithToken("stores-only"))
	ctx := context.Background()

	stores, err := limited.ListStores(ctx)
	require.NoError(t, err)
	assert.Len(t, stores, 1)

	_, err = limited.ListPublishedApps(ctx, f.storeID)
	require.ErrorIs(t, err, applivery.ErrForbidden)
	var apiErr *applivery.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.Equal(t, applivery.CodeForbidden, apiErr.Code)
	assert.Equal(t, applivery.PermissionListPublishedApps, apiErr.Permission)

	_, err = limited.CreateOTPUser(ctx, f.storeID, f.invite("ada@example.com"))
	assert.ErrorIs(t, err, applivery.ErrForbidden)
	assert.Empty(t, f.srv.OTPUsers(f.storeID), "nothing was created")

	_, err = f.client.ListPublishedApps(ctx, f.storeID)
	assert.NoError(t, err, "the server's own token holds every permission")
	_, err = f.srv.Client(t, applivery.WithToken("unknown")).ListStores(ctx)
	assert.Equal(t, applivery.CodeInvalidToken, codeOf(t, err))
}

func TestDuplicatesCanBeAllowed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.srv.AllowDuplicates(true)

	first, err := f.client.CreateOTPUser(ctx, f.storeID, f.invite("ada@example.com"))
	require.NoError(t, err)
	second, err := f.client.CreateOTPUser(ctx, f.storeID, f.invite("ADA@example.com"))
	require.NoError(t, err)
	assert.NotEqual(t, first.ID, second.ID)
	assert.Len(t, f.srv.OTPUsers(f.storeID), 2)

	f.srv.AllowDuplicates(false)
	_, err = f.client.CreateOTPUser(ctx, f.storeID, f.invite("ada@example.com"))
	assert.Equal(t, applivery.CodeDatabaseValidationError, codeOf(t, err))
}

func TestLateCommitLandsAfterTheClientGaveUp(t *testing.T) {
	f := newFixture(t, applivery.WithTimeout(50*time.Millisecond))
	const delay = 500 * time.Millisecond
	committed := make(chan applivery.OTPUser, 1)
	f.srv.OnCreate(func(u applivery.OTPUser) { committed <- u })
	f.srv.CommitCreatesAfter(delay)

	_, err := f.client.CreateOTPUser(context.Background(), f.storeID, f.invite("ada@example.com"))
	require.Error(t, err)
	assert.True(t, applivery.OutcomeUnknown(err))
	assert.Empty(t, f.srv.OTPUsers(f.storeID), "not committed yet")

	user := <-committed
	assert.Equal(t, "ada@example.com", user.Email)
	assert.Equal(t, []applivery.OTPUser{user}, f.srv.OTPUsers(f.storeID))
	arrived := f.srv.Requests()[0].Arrived
	assert.False(t, user.CreatedAt.Before(arrived.Add(delay-time.Millisecond)), "committed %v after arriving", user.CreatedAt.Sub(arrived))
}

func TestLateCommitAnswersAClientThatWaits(t *testing.T) {
	f := newFixture(t)
	f.srv.CommitCreatesAfter(50 * time.Millisecond)

	start := time.Now()
	user, err := f.client.CreateOTPUser(context.Background(), f.storeID, f.invite("ada@example.com"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	assert.Equal(t, []applivery.OTPUser{*user}, f.srv.OTPUsers(f.storeID))
}
