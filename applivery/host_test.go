package applivery_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

func TestAHostThatDoesNotResolveIsNamedAndNotRetried(t *testing.T) {
	t.Parallel()
	waits := 0
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL("https://api.nonexistent.invalid"),
		applivery.WithToken(testToken), applivery.WithSleep(func(context.Context, time.Duration) error { waits++; return nil }))
	require.NoError(t, err)

	_, err = c.CreateOTPUser(context.Background(), storeID, applivery.OTPUserRequest{Email: "a@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: appID})

	require.ErrorIs(t, err, applivery.ErrHostUnusable)
	hostErr, ok := errors.AsType[*applivery.HostError](err)
	require.True(t, ok)
	assert.Equal(t, "api.nonexistent.invalid", hostErr.Host)
	assert.Equal(t, "no such host", hostErr.Cause)
	assert.Zero(t, waits, "retrying cannot help")
	assert.NotErrorIs(t, err, applivery.ErrUnauthorized)
}

func TestAnUntrustedCertificateIsNamedAndNotRetried(t *testing.T) {
	t.Parallel()
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("no request may get through an untrusted handshake")
	}))
	t.Cleanup(server.Close)
	waits := 0
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL(server.URL),
		applivery.WithSleep(func(context.Context, time.Duration) error { waits++; return nil }))
	require.NoError(t, err)

	_, err = c.GetStore(context.Background(), storeID)

	hostErr, ok := errors.AsType[*applivery.HostError](err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "TLS certificate not trusted: unknown authority", hostErr.Cause)
	assert.Contains(t, err.Error(), server.Listener.Addr().String())
	assert.Zero(t, waits)
}

func TestTheCallObserverSeesEachCallsOutcomeOnce(t *testing.T) {
	t.Parallel()
	s := newStub(t, sequence(respond(http.StatusServiceUnavailable, ""), respond(http.StatusOK, `{"status":true,"data":{"id":"`+storeID+`"}}`),
		respond(http.StatusUnauthorized, `{"status":false,"error":{"code":4004,"message":"Invalid token"}}`)))
	var calls []error
	c, _ := newTestClient(t, s, applivery.WithCallObserver(func(err error) { calls = append(calls, err) }))

	_, first := c.GetStore(context.Background(), storeID)
	_, second := c.GetStore(context.Background(), storeID)

	require.NoError(t, first)
	require.Len(t, calls, 2, "one per call, not per attempt")
	assert.NoError(t, calls[0])
	assert.ErrorIs(t, calls[1], applivery.ErrUnauthorized)
	assert.Equal(t, second, calls[1])
}
