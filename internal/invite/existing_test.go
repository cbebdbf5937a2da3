package invite_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/invite"
)

// The leads learn which addresses of a request are testers already: one look-up each for a
// few, one listing of the app for more; a tester of another app of the store is not one.
func TestAlreadyTestersNamesTheAppsTestersInOrder(t *testing.T) {
	f := newFixture(t, invite.Options{})
	f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "Old@Example.com", AllowedDownloadsNum: 1, PublishedApplicationID: appID})
	f.fake.AddOTPUser(storeID, applivery.OTPUser{Email: "other@example.com", AllowedDownloadsNum: 1, PublishedApplicationID: "64a1b2c3d4e5f6a7b8c9d0ff"})
	ctx := context.Background()

	few, err := f.service.AlreadyTesters(ctx, storeID, appID, []string{"new@example.com", "old@example.com"})
	require.NoError(t, err)
	assert.Equal(t, []string{"old@example.com"}, few)

	many, err := f.service.AlreadyTesters(ctx, storeID, appID, []string{"a@example.com", "old@example.com", "b@example.com", "other@example.com", "c@example.com"})
	require.NoError(t, err)
	assert.Equal(t, []string{"old@example.com"}, many)
	assert.Equal(t, 3, f.fake.Count(http.MethodGet, "/otp-users"), "two look-ups, then one listing")
}
