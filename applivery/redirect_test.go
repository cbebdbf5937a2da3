package applivery_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

// A redirect to another host is not followed: the token and the request never reach it, and
// the redirect is the answer.
func TestARedirectToAnotherHostIsNotFollowed(t *testing.T) {
	var reached atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(elsewhere.Close)
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	c, _ := newTestClient(t, s, applivery.WithRetry(1, 0, 0))

	_, err := c.GetStore(context.Background(), storeID)
	var apiErr *applivery.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTemporaryRedirect, apiErr.StatusCode)
	assert.Zero(t, reached.Load(), "nothing reached the other host")
}

// A redirect within the API's own scheme and host is followed.
func TestARedirectWithinTheSameHostIsFollowed(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("moved") == "" {
			http.Redirect(w, r, r.URL.Path+"?moved=1", http.StatusTemporaryRedirect)
			return
		}
		respond(200, `{"status":true,"data":{"id":"`+storeID+`"}}`)(w, r)
	})
	c, _ := newTestClient(t, s, applivery.WithRetry(1, 0, 0))
	_, err := c.GetStore(context.Background(), storeID)
	require.NoError(t, err)
}

// The policy refuses a change of scheme (https to http: the token would travel in clear) or of
// host, and endless redirects.
func TestTheRedirectPolicyKeepsSchemeAndHost(t *testing.T) {
	from, _ := http.NewRequest(http.MethodGet, "https://api.applivery.io/v1/organizations/acme", nil)
	for target, follow := range map[string]bool{
		"https://api.applivery.io/v1/organizations/acme/": true,
		"https://API.applivery.io/v1/x":                   true,
		"http://api.applivery.io/v1/organizations/acme":   false,
		"https://evil.example/v1/organizations/acme":      false,
		"https://api.applivery.io:8443/v1":                false,
	} {
		to, _ := http.NewRequest(http.MethodGet, target, nil)
		err := applivery.SameOrigin(to, []*http.Request{from})
		if follow {
			assert.NoError(t, err, target)
		} else {
			assert.ErrorIs(t, err, http.ErrUseLastResponse, target)
		}
	}
	to, _ := http.NewRequest(http.MethodGet, "https://api.applivery.io/v1/again", nil)
	via := []*http.Request{from, from, from, from, from, from}
	assert.ErrorIs(t, applivery.SameOrigin(to, via), http.ErrUseLastResponse, "not forever")
}
