package applivery_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

var newTester = applivery.OTPUserRequest{Email: "ada@example.com", AllowedDownloadsNum: -1, PublishedApplicationID: appID}

func createdBody() string { return `{"status":true,"data":[` + userJSON + `]}` }

func retryAfter(value string, status int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if value != "" {
			w.Header().Set("Retry-After", value)
		}
		w.WriteHeader(status)
	}
}

func TestGetRetriesServerErrorsWithGrowingJitteredBackoff(t *testing.T) {
	s := newStub(t, sequence(respond(503, `{}`), respond(500, `{}`), respond(200, appBody)))
	c, waits := newTestClient(t, s, applivery.WithRetry(4, 100*time.Millisecond, time.Second))

	app, err := c.GetPublishedApp(context.Background(), storeID, appID)
	require.NoError(t, err)
	assert.Equal(t, appID, app.ID)
	assert.Len(t, s.requests(), 3)
	delays := waits.all()
	require.Len(t, delays, 2)
	assert.True(t, delays[0] >= 50*time.Millisecond && delays[0] <= 100*time.Millisecond, "first wait %v", delays[0])
	assert.True(t, delays[1] >= 100*time.Millisecond && delays[1] <= 200*time.Millisecond, "second wait %v", delays[1])
}

func TestBackoffDoublesUpToTheCapWithJitter(t *testing.T) {
	s := newStub(t, respond(503, `{}`))
	c, waits := newTestClient(t, s, applivery.WithRetry(6, 100*time.Millisecond, 300*time.Millisecond))

	_, err := c.GetStore(context.Background(), storeID)
	require.ErrorIs(t, err, applivery.ErrServer)
	delays := waits.all()
	require.Len(t, delays, 5)
	for i, full := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond} {
		assert.True(t, delays[i] >= full/2 && delays[i] <= full, "wait %d: %v, want %v..%v", i+1, delays[i], full/2, full)
	}

	c, waits = newTestClient(t, s, applivery.WithRetry(3, 0, 0))
	_, err = c.GetStore(context.Background(), storeID)
	require.ErrorIs(t, err, applivery.ErrServer)
	assert.Equal(t, []time.Duration{0, 0}, waits.all(), "no backoff, no jitter")
}

func TestIdempotentMethodsGiveUpAfterMaxAttempts(t *testing.T) {
	calls := map[string]func(c *applivery.Client) error{
		"GET": func(c *applivery.Client) error {
			_, err := c.ListOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{})
			return err
		},
		"DELETE": func(c *applivery.Client) error { return c.DeleteOTPUser(context.Background(), storeID, userID) },
	}
	for method, call := range calls {
		t.Run(method, func(t *testing.T) {
			s := newStub(t, respond(503, `{"status":false,"error":{"code":0,"message":"down"}}`))
			c, waits := newTestClient(t, s, applivery.WithRetry(3, time.Millisecond, time.Millisecond))

			err := call(c)
			assert.ErrorIs(t, err, applivery.ErrServer)
			assert.False(t, applivery.OutcomeUnknown(err), "repeating %s is harmless", method)
			assert.Len(t, s.requests(), 3)
			assert.Len(t, waits.all(), 2)
		})
	}
}

func TestRateLimitedCreateWaitsRetryAfterAndRetries(t *testing.T) {
	s := newStub(t, sequence(retryAfter("2", 429), respond(200, createdBody())))
	c, waits := newTestClient(t, s)

	user, err := c.CreateOTPUser(context.Background(), storeID, newTester)
	require.NoError(t, err)
	assert.Equal(t, userID, user.ID)
	assert.Len(t, s.requests(), 2)
	assert.Equal(t, []time.Duration{2 * time.Second}, waits.all())
}

func TestRetryAfterForms(t *testing.T) {
	cases := map[string]struct {
		header   string
		min, max time.Duration
	}{
		"seconds":             {"3", 3 * time.Second, 3 * time.Second},
		"capped at max delay": {"3600", 5 * time.Second, 5 * time.Second},
		"HTTP date":           {time.Now().Add(4 * time.Second).UTC().Format(http.TimeFormat), 2 * time.Second, 4 * time.Second},
		"absent: backoff":     {"", 250 * time.Millisecond, 500 * time.Millisecond},
		"garbage: backoff":    {"soon", 250 * time.Millisecond, 500 * time.Millisecond},
		"negative: backoff":   {"-3", 250 * time.Millisecond, 500 * time.Millisecond},
		"past date: backoff":  {time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat), 250 * time.Millisecond, 500 * time.Millisecond},
		"beyond any duration": {"99999999999999", 5 * time.Second, 5 * time.Second},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, sequence(retryAfter(tc.header, 429), respond(200, `{"status":true,"data":{"id":"`+storeID+`"}}`)))
			c, waits := newTestClient(t, s, applivery.WithRetry(2, 500*time.Millisecond, 5*time.Second))

			_, err := c.GetStore(context.Background(), storeID)
			require.NoError(t, err)
			delays := waits.all()
			require.Len(t, delays, 1)
			assert.True(t, delays[0] >= tc.min && delays[0] <= tc.max, "waited %v, want %v..%v", delays[0], tc.min, tc.max)
		})
	}
}

func TestRateLimitOutlastingAttemptsIsReported(t *testing.T) {
	s := newStub(t, retryAfter("1", 429))
	c, waits := newTestClient(t, s, applivery.WithRetry(3, time.Millisecond, 10*time.Second))

	_, err := c.CreateOTPUser(context.Background(), storeID, newTester)
	assert.ErrorIs(t, err, applivery.ErrRateLimited)
	assert.False(t, applivery.OutcomeUnknown(err), "a 429 was not processed")
	var apiErr *applivery.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)
	assert.Len(t, s.requests(), 3)
	assert.Equal(t, []time.Duration{time.Second, time.Second}, waits.all(), "the Retry-After, before each retry")
}

func TestCreateIsNotRetriedWhenItMayHaveHappened(t *testing.T) {
	html := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<h1>Gateway</h1>"))
		}
	}
	// mayStillLand: no answer came, so the create may commit after the
	// client saw the failure; otherwise Applivery answered and is done.
	cases := map[string]struct {
		handler      http.HandlerFunc
		mayStillLand bool
	}{
		"Applivery's 503":      {respond(503, `{"status":false,"error":{"code":0,"message":"unavailable"}}`), false},
		"Applivery's 500":      {respond(500, `{"status":false,"error":{"code":0,"message":"oops"}}`), false},
		"Applivery's JSON 502": {respond(502, `{"status":false,"error":{"code":0,"message":"upstream"}}`), false},
		"a proxy's HTML 500":   {html(500), false},
		"a gateway's HTML 502": {html(502), true},
		"a gateway's HTML 504": {html(504), true},
		"a dropped connection": {dropConnection, true},
		"a truncated 200":      {truncatedBody, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, tc.handler)
			c, waits := newTestClient(t, s)

			_, err := c.CreateOTPUser(context.Background(), storeID, newTester)
			require.Error(t, err)
			assert.True(t, applivery.OutcomeUnknown(err))
			assert.Equal(t, tc.mayStillLand, applivery.MayStillLand(err))
			assert.Contains(t, err.Error(), "may have succeeded")
			assert.Len(t, s.requests(), 1, "never repeated by the client")
			assert.Empty(t, waits.all())
		})
	}
}

func TestA503KeepsItsRetryAfter(t *testing.T) {
	s := newStub(t, retryAfter("3", 503))
	c, _ := newTestClient(t, s)

	_, err := c.CreateOTPUser(context.Background(), storeID, newTester)
	apiErr, ok := errors.AsType[*applivery.ErrorResponse](err)
	require.True(t, ok)
	assert.Equal(t, 3*time.Second, apiErr.RetryAfter)
	assert.False(t, applivery.MayStillLand(err))
}

func TestRefusedCreatesAreKnownOutcomes(t *testing.T) {
	s := newStub(t, respond(400, apiErrorBody(6001, "Database Validation Error")))
	c, _ := newTestClient(t, s)

	_, err := c.CreateOTPUser(context.Background(), storeID, newTester)
	assert.False(t, applivery.OutcomeUnknown(err))
	assert.False(t, applivery.MayStillLand(err))
}

func TestServerErrorOnCreateKeepsItsDetails(t *testing.T) {
	s := newStub(t, respond(503, `{"status":false,"error":{"code":0,"message":"unavailable"}}`))
	c, _ := newTestClient(t, s)

	_, err := c.CreateOTPUser(context.Background(), storeID, newTester)
	assert.ErrorIs(t, err, applivery.ErrServer)
	var apiErr *applivery.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
}

func TestCreateTimeoutLeavesOutcomeUnknown(t *testing.T) {
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c, waits := newTestClient(t, s, applivery.WithTimeout(50*time.Millisecond))

	_, err := c.CreateOTPUser(context.Background(), storeID, newTester)
	require.Error(t, err)
	assert.True(t, applivery.OutcomeUnknown(err))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, s.requests(), 1)
	assert.Empty(t, waits.all())
}

func TestGetTimeoutIsRetried(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	s := newStub(t, sequence(hang, respond(200, appBody)))
	c, _ := newTestClient(t, s, applivery.WithTimeout(50*time.Millisecond))

	_, err := c.GetPublishedApp(context.Background(), storeID, appID)
	require.NoError(t, err)
	assert.Len(t, s.requests(), 2)
}

func TestCreateIsRetriedWhenTheConnectionWasRefused(t *testing.T) {
	s := newStub(t, respond(200, createdBody()))
	url := s.URL
	s.Close()
	attempts := 0
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL(url), applivery.WithRetry(3, 0, 0),
		applivery.WithObserver(func(string, string, int, time.Duration) { attempts++ }))
	require.NoError(t, err)

	_, err = c.CreateOTPUser(context.Background(), storeID, newTester)
	require.Error(t, err)
	assert.False(t, applivery.OutcomeUnknown(err), "nothing reached the server")
	assert.Equal(t, 3, attempts)
}

func TestCallerCancelDuringCreateLeavesOutcomeUnknown(t *testing.T) {
	arrived := make(chan struct{})
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	c, _ := newTestClient(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()

	_, err := c.CreateOTPUser(ctx, storeID, newTester)
	assert.ErrorIs(t, err, context.Canceled)
	assert.True(t, applivery.OutcomeUnknown(err))
}

func TestCancelDuringBackoffStopsWaiting(t *testing.T) {
	s := newStub(t, respond(503, `{}`))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Real waiting (no WithSleep) with an hour of backoff: only the cancel,
	// issued as soon as the first attempt is over, can end the wait.
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL(s.URL), applivery.WithToken(testToken),
		applivery.WithRetry(3, time.Hour, time.Hour),
		applivery.WithObserver(func(string, string, int, time.Duration) { cancel() }))
	require.NoError(t, err)

	start := time.Now()
	_, err = c.GetStore(ctx, storeID)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, applivery.ErrServer, "the last failure is kept")
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Len(t, s.requests(), 1)
}

func TestCanceledContextSendsNothing(t *testing.T) {
	s := newStub(t, respond(200, createdBody()))
	c, _ := newTestClient(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := c.CreateOTPUser(ctx, storeID, newTester)
	assert.True(t, errors.Is(err, context.Canceled))
	assert.False(t, applivery.OutcomeUnknown(err))
	assert.Empty(t, s.requests())
}

// dropConnection closes the connection without answering, like a reset.
func dropConnection(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// truncatedBody promises more body than it sends, then hangs up.
func truncatedBody(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(200)
	_, _ = w.Write([]byte(`{"status":true,`))
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

func TestDeleteRetriedAfterAnUnknownOutcomeCountsAGoneUserAsRemoved(t *testing.T) {
	gone := respond(404, apiErrorBody(3001, "Entity not found"))
	cases := map[string]http.HandlerFunc{
		"after a 5xx":                respond(503, `{}`),
		"after a timeout":            func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
		"after a dropped connection": dropConnection,
	}
	for name, first := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, sequence(first, gone))
			c, _ := newTestClient(t, s, applivery.WithTimeout(50*time.Millisecond))

			require.NoError(t, c.DeleteOTPUser(context.Background(), storeID, userID))
			assert.Len(t, s.requests(), 2)
		})
	}
}

func TestA404WithoutAnEarlierUnknownOutcomeIsNotFound(t *testing.T) {
	gone := respond(404, apiErrorBody(3001, "Entity not found"))
	deleteUser := func(c *applivery.Client) error { return c.DeleteOTPUser(context.Background(), storeID, userID) }
	getApp := func(c *applivery.Client) error {
		_, err := c.GetPublishedApp(context.Background(), storeID, appID)
		return err
	}
	cases := map[string]struct {
		handler http.HandlerFunc
		call    func(*applivery.Client) error
	}{
		"DELETE on the first attempt":   {gone, deleteUser},
		"DELETE after a 429":            {sequence(retryAfter("1", 429), gone), deleteUser},
		"GET after a 5xx is still gone": {sequence(respond(503, `{}`), gone), getApp},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, tc.handler)
			c, _ := newTestClient(t, s)

			assert.ErrorIs(t, tc.call(c), applivery.ErrNotFound)
		})
	}
}
