package applivery_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

func TestNewClientRejectsMisconfiguration(t *testing.T) {
	cases := map[string]struct {
		org  string
		opts []applivery.Option
	}{
		"empty organization":   {org: " "},
		"relative base URL":    {org: testOrg, opts: []applivery.Option{applivery.WithBaseURL("api.applivery.io")}},
		"non-http base URL":    {org: testOrg, opts: []applivery.Option{applivery.WithBaseURL("ftp://api.applivery.io")}},
		"unparseable base URL": {org: testOrg, opts: []applivery.Option{applivery.WithBaseURL("http://[::1")}},
		"base URL with query":  {org: testOrg, opts: []applivery.Option{applivery.WithBaseURL("https://x.io/?a=b")}},
		"zero attempts":        {org: testOrg, opts: []applivery.Option{applivery.WithRetry(0, time.Second, time.Second)}},
		"max below base delay": {org: testOrg, opts: []applivery.Option{applivery.WithRetry(3, time.Second, time.Millisecond)}},
		"zero timeout":         {org: testOrg, opts: []applivery.Option{applivery.WithTimeout(0)}},
		"nil HTTP client":      {org: testOrg, opts: []applivery.Option{applivery.WithHTTPClient(nil)}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := applivery.NewClient(tc.org, tc.opts...)
			assert.Error(t, err)
			assert.Nil(t, c)
		})
	}
}

func TestNewClientDefaultsToPublicAPI(t *testing.T) {
	c, err := applivery.NewClient(testOrg)
	require.NoError(t, err)
	assert.NotNil(t, c)
}

func TestCreateOTPUserSendsDocumentedRequest(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":[`+userJSON+`]}`))
	c, _ := newTestClient(t, s, applivery.WithUserAgent("testerbot/1.2"))

	user, err := c.CreateOTPUser(context.Background(), storeID, applivery.OTPUserRequest{
		Email: "ada@example.com", AllowedDownloadsNum: applivery.Unlimited, PublishedApplicationID: appID,
	})
	require.NoError(t, err)

	req := s.last(t)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, storePath+"/otp-users", req.Path)
	assert.Equal(t, "Bearer "+testToken, req.Header.Get("Authorization"))
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", req.Header.Get("Accept"))
	assert.Equal(t, "testerbot/1.2", req.Header.Get("User-Agent"))
	assert.JSONEq(t, `{"email":"ada@example.com","allowedDownloadsNum":-1,"publishedApplicationId":"`+appID+`"}`, req.Body)

	assert.Equal(t, userID, user.ID)
	assert.Equal(t, "Ada@Example.com", user.Email)
	assert.Equal(t, -1, user.AllowedDownloadsNum)
	assert.Equal(t, appID, user.PublishedApplicationID)
	assert.Equal(t, storeID, user.StoreID)
	assert.Equal(t, time.Date(2026, 3, 1, 9, 30, 0, 123e6, time.UTC), user.CreatedAt.UTC())
	assert.Nil(t, user.LastLoginAt)
	require.NotNil(t, user.LastDownloadAt)
	assert.Equal(t, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), user.LastDownloadAt.UTC())
}

func TestCreateOTPUserAcceptsSingleObjectAndLegacyShapes(t *testing.T) {
	legacy := `{"_id":"` + userID + `","email":"a@b.io","allowedDownloadsNum":3,
		"publishedApplication":{"_id":"` + appID + `","name":"Beta"},"createdAt":"not a date"}`
	s := newStub(t, respond(200, `{"status":true,"data":`+legacy+`}`))
	c, _ := newTestClient(t, s)

	user, err := c.CreateOTPUser(context.Background(), storeID, applivery.OTPUserRequest{Email: "a@b.io", AllowedDownloadsNum: 3, PublishedApplicationID: appID})
	require.NoError(t, err)
	assert.Equal(t, userID, user.ID)
	assert.Equal(t, appID, user.PublishedApplicationID)
	assert.Equal(t, 3, user.AllowedDownloadsNum)
	assert.True(t, user.CreatedAt.IsZero(), "an unparseable date is left unset")
}

func TestPublishedApplicationMayBeABareID(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"id":"`+userID+`","email":"a@b.io","publishedApplication":"`+appID+`"}}`))
	c, _ := newTestClient(t, s)

	user, err := c.GetOTPUser(context.Background(), storeID, userID)
	require.NoError(t, err)
	assert.Equal(t, appID, user.PublishedApplicationID)
}

func TestGetOTPUserEscapesPathSegments(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":`+userJSON+`}`))
	c, _ := newTestClient(t, s)

	_, err := c.GetOTPUser(context.Background(), "store/../x", "a b?c")
	require.NoError(t, err)

	req := s.last(t)
	assert.Equal(t, http.MethodGet, req.Method)
	assert.Equal(t, "/v1/organizations/acme/stores/store%2F..%2Fx/otp-users/a%20b%3Fc", req.RawPath)
	assert.Empty(t, req.Query)
	assert.Empty(t, req.Header.Get("Content-Type"), "no body, no content type")
}

func TestUpdateOTPUserSendsOnlyTheDownloadLimit(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":`+userJSON+`}`))
	c, _ := newTestClient(t, s)

	user, err := c.UpdateOTPUser(context.Background(), storeID, userID, 5)
	require.NoError(t, err)

	req := s.last(t)
	assert.Equal(t, http.MethodPut, req.Method)
	assert.Equal(t, storePath+"/otp-users/"+userID, req.Path)
	assert.JSONEq(t, `{"allowedDownloadsNum":5}`, req.Body)
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assert.Equal(t, userID, user.ID)
}

func TestDeleteOTPUserAcceptsEmptyAndEnvelopedAnswers(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"204":       func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"enveloped": respond(200, `{"status":true,"data":{}}`),
	} {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, h)
			c, _ := newTestClient(t, s)

			require.NoError(t, c.DeleteOTPUser(context.Background(), storeID, userID))
			req := s.last(t)
			assert.Equal(t, http.MethodDelete, req.Method)
			assert.Equal(t, storePath+"/otp-users/"+userID, req.Path)
		})
	}
}

func TestGetPublishedApp(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"id":"`+appID+`","slug":"beta","visibility":"unlisted",
		"configuration":{"application":{"name":"Beta"}},"distributionUrl":"https://acme.applivery.io/beta","security":"logged"}}`))
	c, _ := newTestClient(t, s)

	app, err := c.GetPublishedApp(context.Background(), storeID, appID)
	require.NoError(t, err)
	assert.Equal(t, storePath+"/pubApps/"+appID, s.last(t).Path)
	assert.Equal(t, applivery.PublishedApp{ID: appID, Name: "Beta", Slug: "beta", Visibility: "unlisted", DistributionURL: "https://acme.applivery.io/beta"}, *app)
}

func TestPublishedAppNameFallsBack(t *testing.T) {
	cases := map[string]struct{ body, want string }{
		"override wins":        {`"name":"Old","configuration":{"application":{"name":"Override"}},"application":{"name":"App"}`, "Override"},
		"top-level name":       {`"name":"Beta","application":{"name":"App"}`, "Beta"},
		"populated app":        {`"application":{"id":"1","name":"Beta App"}`, "Beta App"},
		"bare app id: slug":    {`"application":"64a1b2c3d4e5f6a7b8c9d0e9"`, "beta"},
		"no name at all: slug": {`"configuration":{"application":{}}`, "beta"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, respond(200, `{"status":true,"data":{"_id":"`+appID+`","slug":"beta",`+tc.body+`}}`))
			c, _ := newTestClient(t, s)

			app, err := c.GetPublishedApp(context.Background(), storeID, appID)
			require.NoError(t, err)
			assert.Equal(t, applivery.PublishedApp{ID: appID, Name: tc.want, Slug: "beta"}, *app)
		})
	}
}

func TestGetStore(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"_id":"`+storeID+`","organization":"5e0000000000000000000001",
		"security":"logged","customDomain":"beta.acme.io","branding":{"buttonColor":"#007AFF"},"createdAt":"2026-03-01T09:30:00.123Z"}}`))
	c, _ := newTestClient(t, s)

	store, err := c.GetStore(context.Background(), storeID)
	require.NoError(t, err)
	assert.Equal(t, storePath, s.last(t).Path)
	assert.Equal(t, applivery.Store{ID: storeID, CustomDomain: "beta.acme.io", CreatedAt: time.Date(2026, 3, 1, 9, 30, 0, 123e6, time.UTC)}, *store)
}

func TestBaseURLPathPrefixIsKept(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"id":"`+storeID+`"}}`))
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL(s.URL+"/proxy/"), applivery.WithToken(testToken))
	require.NoError(t, err)

	_, err = c.GetStore(context.Background(), storeID)
	require.NoError(t, err)
	assert.Equal(t, "/proxy"+storePath, s.last(t).Path)
	assert.Equal(t, "testerbot", s.last(t).Header.Get("User-Agent"))
}

func TestNoAuthorizationHeaderWithoutToken(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"id":"`+storeID+`"}}`))
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL(s.URL))
	require.NoError(t, err)

	_, err = c.GetStore(context.Background(), storeID)
	require.NoError(t, err)
	assert.Empty(t, s.last(t).Header.Values("Authorization"))
}

func TestObserverSeesEveryAttempt(t *testing.T) {
	s := newStub(t, sequence(respond(503, `{}`), respond(200, `{"status":true,"data":`+userJSON+`}`)))
	type attempt struct {
		method, route string
		status        int
	}
	var got []attempt
	c, _ := newTestClient(t, s, applivery.WithObserver(func(method, route string, status int, d time.Duration) {
		assert.GreaterOrEqual(t, d, time.Duration(0))
		got = append(got, attempt{method, route, status})
	}))

	_, err := c.GetOTPUser(context.Background(), storeID, userID)
	require.NoError(t, err)
	assert.Equal(t, []attempt{{"GET", "otp-users/{id}", 503}, {"GET", "otp-users/{id}", 200}}, got)
}

func TestObserverReportsStatusZeroWithoutResponse(t *testing.T) {
	s := newStub(t, respond(200, `{}`))
	url := s.URL
	s.Close() // nothing listens any more
	var statuses []int
	var routes []string
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL(url), applivery.WithRetry(1, 0, 0),
		applivery.WithObserver(func(_, route string, status int, _ time.Duration) {
			statuses = append(statuses, status)
			routes = append(routes, route)
		}))
	require.NoError(t, err)

	_, err = c.GetStore(context.Background(), storeID)
	require.Error(t, err)
	assert.Equal(t, []int{0}, statuses)
	assert.Equal(t, []string{"store"}, routes)
}
