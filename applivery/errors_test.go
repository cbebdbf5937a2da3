package applivery_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

func apiErrorBody(code int, message string) string {
	return `{"status":false,"error":{"code":` + strconv.Itoa(code) + `,"message":"` + message + `"}}`
}

var allSentinels = []error{
	applivery.ErrNotFound, applivery.ErrUnauthorized, applivery.ErrForbidden, applivery.ErrValidation,
	applivery.ErrLimitExceeded, applivery.ErrRateLimited, applivery.ErrServer, applivery.ErrFilterTooLong,
}

func TestAPIErrorsMatchTheirSentinel(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   []error
		code   int
	}{
		{"entity not found", 404, apiErrorBody(3001, "Entity not found"), []error{applivery.ErrNotFound}, 3001},
		{"no auth token", 401, apiErrorBody(4002, "No auth token"), []error{applivery.ErrUnauthorized}, 4002},
		{"forbidden", 403, apiErrorBody(4003, "Forbidden - You are not allowed to perform this action"), []error{applivery.ErrUnauthorized, applivery.ErrForbidden}, 4003},
		{"forbidden code without its status", 401, apiErrorBody(4003, "Forbidden"), []error{applivery.ErrUnauthorized, applivery.ErrForbidden}, 4003},
		{"invalid token", 401, apiErrorBody(4004, "Invalid Token"), []error{applivery.ErrUnauthorized}, 4004},
		{"database validation", 400, apiErrorBody(6001, "Database Validation Error"), []error{applivery.ErrValidation}, 6001},
		{"body validation", 400, apiErrorBody(6002, "Body Validation Error"), []error{applivery.ErrValidation}, 6002},
		{"limit exceeded", 400, apiErrorBody(5017, "Limit Exceeded"), []error{applivery.ErrLimitExceeded}, 5017},
		{"code wins over status", 403, apiErrorBody(3001, "Entity not found"), []error{applivery.ErrNotFound}, 3001},
		{"code as a string", 404, `{"status":false,"error":{"code":"3001","message":"Entity not found"}}`, []error{applivery.ErrNotFound}, 3001},
		{"unknown code falls back to status", 403, apiErrorBody(4999, "Forbidden"), []error{applivery.ErrUnauthorized, applivery.ErrForbidden}, 4999},
		{"bare 404", 404, `{}`, []error{applivery.ErrNotFound}, 0},
		{"bare 422", 422, `{}`, []error{applivery.ErrValidation}, 0},
		{"status false with HTTP 200", 200, apiErrorBody(3001, "Entity not found"), []error{applivery.ErrNotFound}, 3001},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStub(t, respond(tc.status, tc.body))
			c, waits := newTestClient(t, s)

			_, err := c.GetPublishedApp(context.Background(), storeID, appID)
			require.Error(t, err)
			assertOnlySentinel(t, err, tc.want...)
			var apiErr *applivery.ErrorResponse
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Contains(t, err.Error(), "applivery: GET "+storePath+"/pubApps/"+appID+": HTTP ")
			assert.Len(t, s.requests(), 1, "client errors are not retried")
			assert.Empty(t, waits.all())
		})
	}
}

func assertOnlySentinel(t *testing.T, err error, want ...error) {
	t.Helper()
	for _, sentinel := range allSentinels {
		assert.Equal(t, slices.Contains(want, sentinel), errors.Is(err, sentinel), "errors.Is(%v, %v)", err, sentinel)
	}
}

func TestErrorMessageIsUseful(t *testing.T) {
	s := newStub(t, respond(404, apiErrorBody(3001, "Entity not found")))
	c, _ := newTestClient(t, s)

	_, err := c.GetPublishedApp(context.Background(), storeID, appID)
	assert.EqualError(t, err, "applivery: GET "+storePath+"/pubApps/"+appID+": HTTP 404 Not Found (code 3001): Entity not found")
}

func TestForbiddenNamesThePermissionTheCallNeeds(t *testing.T) {
	s := newStub(t, respond(403, apiErrorBody(4003, "Forbidden - You are not allowed to perform this action")))
	c, _ := newTestClient(t, s)
	ctx := context.Background()

	_, storeErr := c.GetStore(ctx, storeID)
	_, listErr := c.ListPublishedApps(ctx, storeID)
	deleteErr := c.DeleteOTPUser(ctx, storeID, userID)
	for err, want := range map[error]string{
		storeErr:  applivery.PermissionGetStore,
		listErr:   applivery.PermissionListPublishedApps,
		deleteErr: applivery.PermissionRemoveOTPUser,
	} {
		var apiErr *applivery.ErrorResponse
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, want, apiErr.Permission)
		assert.Contains(t, err.Error(), "(the token lacks permission "+want+")")
	}
	assert.Len(t, s.requests(), 3, "a missing permission is not retried")

	s = newStub(t, respond(401, apiErrorBody(4004, "Invalid Token")))
	c, _ = newTestClient(t, s)
	_, err := c.GetStore(ctx, storeID)
	var apiErr *applivery.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Empty(t, apiErr.Permission, "a bad token is not a missing permission")
}

func TestProxyHTMLErrorYieldsStatusAndSnippet(t *testing.T) {
	html := "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center>" +
		strings.Repeat("<p>padding</p>", 100) + "</body></html>"
	s := newStub(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(html))
	})
	c, _ := newTestClient(t, s, applivery.WithRetry(1, 0, 0))

	_, err := c.GetStore(context.Background(), storeID)
	require.Error(t, err)
	assertOnlySentinel(t, err, applivery.ErrServer)
	var apiErr *applivery.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 502, apiErr.StatusCode)
	assert.True(t, strings.HasPrefix(apiErr.Message, "502 Bad Gateway 502 Bad Gateway padding"), apiErr.Message)
	assert.LessOrEqual(t, len([]rune(apiErr.Message)), 121, "only a snippet of the body")
	assert.NotContains(t, err.Error(), "<")
}

func TestUnreadableBodyIsShownAsValidText(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte{0xff})
	})
	c, _ := newTestClient(t, s, applivery.WithRetry(1, 0, 0))

	_, err := c.GetStore(context.Background(), storeID)
	var apiErr *applivery.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "?", apiErr.Message)
}

func TestUndecodableSuccessIsAnError(t *testing.T) {
	cases := map[string]string{
		"not JSON":           `<html>ok</html>`,
		"truncated JSON":     `{"status":true,"data":{"id":`,
		"no data":            `{"status":true}`,
		"wrong data shape":   `{"status":true,"data":"yes"}`,
		"empty created list": `{"status":true,"data":[]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, respond(200, body))
			c, _ := newTestClient(t, s)

			_, err := c.CreateOTPUser(context.Background(), storeID, applivery.OTPUserRequest{Email: "a@b.io", PublishedApplicationID: appID})
			require.Error(t, err)
			var apiErr *applivery.ErrorResponse
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 200, apiErr.StatusCode)
			assert.Contains(t, err.Error(), "unreadable response")
			assert.True(t, applivery.OutcomeUnknown(err), "the server said it created something")
			assert.Len(t, s.requests(), 1)
		})
	}
}

func TestStatusFalseOnCreateIsAKnownOutcome(t *testing.T) {
	s := newStub(t, respond(200, apiErrorBody(5017, "Limit Exceeded")))
	c, _ := newTestClient(t, s)

	_, err := c.CreateOTPUser(context.Background(), storeID, applivery.OTPUserRequest{Email: "a@b.io", PublishedApplicationID: appID})
	assert.ErrorIs(t, err, applivery.ErrLimitExceeded)
	assert.False(t, applivery.OutcomeUnknown(err))
}

func TestTokenNeverAppearsInErrors(t *testing.T) {
	echo := func(status int, contentType, format string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			_, _ = w.Write([]byte(strings.ReplaceAll(format, "AUTH", r.Header.Get("Authorization"))))
		}
	}
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	cases := map[string]http.HandlerFunc{
		"JSON message echoing the header": echo(401, "application/json", `{"status":false,"error":{"code":4004,"message":"bad AUTH"}}`),
		"HTML page echoing the header":    echo(502, "text/html", `<h1>Bad Gateway</h1><pre>AUTH</pre>`),
		"status false echoing the header": echo(200, "application/json", `{"status":false,"error":{"code":6002,"message":"AUTH"}}`),
		"undecodable success echoing":     echo(200, "text/plain", `AUTH`),
		"timeout":                         hang,
		"rate limited":                    respond(429, `{}`),
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, h)
			c, _ := newTestClient(t, s, applivery.WithTimeout(50*time.Millisecond), applivery.WithRetry(2, 0, 0))

			_, createErr := c.CreateOTPUser(context.Background(), storeID, applivery.OTPUserRequest{Email: "a@b.io", PublishedApplicationID: appID})
			_, listErr := c.ListOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Email: "a@b.io"})
			for _, err := range []error{createErr, listErr} {
				require.Error(t, err)
				assert.NotContains(t, err.Error(), testToken)
				assert.NotContains(t, err.Error(), "a@b.io", "no query string (with emails) in errors")
			}
		})
	}
}

// A token echoed across the 120-character cut of a body leaks no part of it: the body is
// redacted before it is cut. Anything shaped like a credential is redacted whatever its value.
func TestSecretsAreRedactedBeforeTheBodyIsCut(t *testing.T) {
	for name, body := range map[string]string{
		"the token across the cut": strings.Repeat("x", 110) + " " + testToken + " " + strings.Repeat("y", 50),
		"a bearer header echoed":   "<pre>Authorization: Bearer eyJhbGciOi.other-secret_value</pre> denied",
		"a slack bot token":        "upstream said: token xoxb-1234-5678-abcdefSECRET is invalid",
		"a slack app token":        "bad xapp-1-A0123-456-deadbeefSECRET here",
		"a rotated slack token":    "xoxe.xoxp-1-Mi0yLTEyMzQSECRET refused",
	} {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte(body))
			})
			c, _ := newTestClient(t, s, applivery.WithRetry(1, 0, 0))
			_, err := c.GetStore(context.Background(), storeID)
			require.Error(t, err)
			for _, secret := range []string{testToken[:5], testToken[len(testToken)-5:], "SECRET", "other-secret", "eyJhbGciOi"} {
				assert.NotContains(t, err.Error(), secret)
			}
			assert.Contains(t, err.Error(), "[redacted", "the cut may fall inside the marker, never inside a secret")
		})
	}
}

// Applivery's own error message is redacted too, credential shapes included.
func TestAnErrorMessageEchoingACredentialIsRedacted(t *testing.T) {
	s := newStub(t, respond(400, apiErrorBody(6001, "bad header Bearer abc.def.SECRET and "+testToken)))
	c, _ := newTestClient(t, s, applivery.WithRetry(1, 0, 0))
	_, err := c.GetStore(context.Background(), storeID)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRET")
	assert.NotContains(t, err.Error(), testToken)
}
