package ops_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/ops"
	"github.com/testerbot/testerbot/internal/testlog"
)

type fakeBot struct{ connected atomic.Bool }

func (b *fakeBot) Ready() bool { return b.connected.Load() }

type pingFunc func(ctx context.Context) error

func (f pingFunc) Ping(ctx context.Context) error { return f(ctx) }

func healthyDB() ops.Pinger { return pingFunc(func(context.Context) error { return nil }) }

func connectedBot() *fakeBot {
	b := &fakeBot{}
	b.connected.Store(true)
	return b
}

// get runs one request through the server's handler and returns status and body.
func get(t *testing.T, s *ops.Server, method, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code, rec.Body.String()
}

func TestHealthzAnswersOKEvenWhenNotReady(t *testing.T) {
	s := ops.NewServer(":0", ops.NewMetrics(), &fakeBot{}, healthyDB(), nil)

	status, body := get(t, s, http.MethodGet, "/healthz")

	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok\n", body)
}

func TestReadyzFollowsTheSlackConnection(t *testing.T) {
	bot := &fakeBot{}
	s := ops.NewServer(":0", ops.NewMetrics(), bot, healthyDB(), nil)

	status, body := get(t, s, http.MethodGet, "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "slack: not connected\n", body)

	bot.connected.Store(true)
	status, body = get(t, s, http.MethodGet, "/readyz")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ready\n", body)

	bot.connected.Store(false)
	status, _ = get(t, s, http.MethodGet, "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, status)
}

// The database's error may name its file or host: /readyz, which anyone who reaches the port
// reads, says only that it is not answering, and the log says why.
func TestReadyzReportsAFailingDatabaseWithoutItsError(t *testing.T) {
	db := pingFunc(func(context.Context) error { return errors.New("open /data/invites.db: database is locked") })
	var logs bytes.Buffer
	s := ops.NewServer(":0", ops.NewMetrics(), connectedBot(), db, slog.New(slog.NewTextHandler(&logs, nil)))

	status, body := get(t, s, http.MethodGet, "/readyz")

	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "database: not answering (the log says why)\n", body)
	assert.NotContains(t, body, "/data")
	assert.Contains(t, logs.String(), "open /data/invites.db: database is locked")
}

func TestReadyzListsEveryFailingCheck(t *testing.T) {
	db := pingFunc(func(context.Context) error { return errors.New("disk I/O error") })
	s := ops.NewServer(":0", ops.NewMetrics(), &fakeBot{}, db, nil)

	status, body := get(t, s, http.MethodGet, "/readyz")

	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "slack: not connected\ndatabase: not answering (the log says why)\n", body)
}

func TestReadyzWithoutDatabaseDependsOnSlackOnly(t *testing.T) {
	s := ops.NewServer(":0", ops.NewMetrics(), connectedBot(), nil, nil)

	status, body := get(t, s, http.MethodGet, "/readyz")

	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ready\n", body)
}

func TestReadyzGivesTheAuditLogAtMostTwoSeconds(t *testing.T) {
	var remaining time.Duration
	db := pingFunc(func(ctx context.Context) error {
		deadline, ok := ctx.Deadline()
		require.True(t, ok, "ping must have a deadline")
		remaining = time.Until(deadline)
		return nil
	})
	s := ops.NewServer(":0", ops.NewMetrics(), connectedBot(), db, nil)

	status, _ := get(t, s, http.MethodGet, "/readyz")

	assert.Equal(t, http.StatusOK, status)
	assert.Greater(t, remaining, time.Duration(0))
	assert.LessOrEqual(t, remaining, 2*time.Second)
}

func TestMetricsEndpointServesPrometheusText(t *testing.T) {
	m := ops.NewMetrics()
	m.Reconnect()
	s := ops.NewServer(":0", m, connectedBot(), nil, nil)

	status, body := get(t, s, http.MethodGet, "/metrics")

	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "# TYPE testerbot_slack_reconnects_total counter\n")
	assertSample(t, body, "testerbot_slack_reconnects_total 1")
}

func TestMetricsEndpointIsAbsentWithoutMetrics(t *testing.T) {
	s := ops.NewServer(":0", nil, connectedBot(), nil, nil)

	status, _ := get(t, s, http.MethodGet, "/metrics")

	assert.Equal(t, http.StatusNotFound, status)
}

func TestRoutingRejectsUnknownPathsAndMethods(t *testing.T) {
	s := ops.NewServer(":0", ops.NewMetrics(), connectedBot(), nil, nil)
	cases := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodGet, "/healthz/extra", http.StatusNotFound},
		{http.MethodGet, "/admin", http.StatusNotFound},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/readyz", http.StatusMethodNotAllowed},
		{http.MethodPut, "/metrics", http.StatusMethodNotAllowed},
		{http.MethodHead, "/healthz", http.StatusOK},
		{http.MethodHead, "/readyz", http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			status, _ := get(t, s, tc.method, tc.path)
			assert.Equal(t, tc.status, status)
		})
	}
}

func TestReadinessIsLoggedOnlyWhenItChanges(t *testing.T) {
	var logs testlog.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	bot := &fakeBot{}
	s := ops.NewServer(":0", nil, bot, nil, logger)

	for range 3 {
		get(t, s, http.MethodGet, "/readyz")
	}
	bot.connected.Store(true)
	for range 3 {
		get(t, s, http.MethodGet, "/readyz")
	}

	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "not ready"), out)
	assert.Contains(t, out, "slack: not connected")
	assert.Equal(t, 1, strings.Count(out, "msg=\"ops: ready\""), out)
}

func TestServeOnARealListenerUntilShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := ops.NewServer(ln.Addr().String(), ops.NewMetrics(), connectedBot(), healthyDB(), nil)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/readyz")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ready\n", string(body))

	require.NoError(t, s.Shutdown(context.Background()))
	assert.NoError(t, <-served, "Serve returns nil after Shutdown")
	_, err = http.Get("http://" + ln.Addr().String() + "/healthz")
	assert.Error(t, err, "listener is closed after Shutdown")
}

func TestListenAndServeReturnsNilAfterShutdown(t *testing.T) {
	s := ops.NewServer("127.0.0.1:0", ops.NewMetrics(), connectedBot(), nil, nil)
	served := make(chan error, 1)
	go func() { served <- s.ListenAndServe() }()

	require.NoError(t, s.Shutdown(context.Background()))

	assert.NoError(t, <-served)
}

func TestListenAndServeReportsAnAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	s := ops.NewServer(ln.Addr().String(), nil, connectedBot(), nil, nil)

	err = s.ListenAndServe()

	assert.ErrorContains(t, err, "address already in use")
}

func TestReadyzRequiresEveryAddedCheck(t *testing.T) {
	var logs testlog.Buffer
	s := ops.NewServer(":0", nil, connectedBot(), healthyDB(), slog.New(slog.NewTextHandler(&logs, nil)))
	failing := true
	s.AddChecks(
		func(context.Context) (string, string) { return "", "" },
		func(context.Context) (string, string) {
			if failing {
				return "database: not writable (disk full)", "database: write to sqlite /data/invites.db: database or disk is full"
			}
			return "", ""
		})

	status, body := get(t, s, http.MethodGet, "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "database: not writable (disk full)\n", body)
	assert.Contains(t, logs.String(), "/data/invites.db: database or disk is full")

	failing = false
	status, _ = get(t, s, http.MethodGet, "/readyz")
	assert.Equal(t, http.StatusOK, status)
}

func TestReadinessIsAMetricToo(t *testing.T) {
	m := ops.NewMetrics()
	bot := &fakeBot{}
	s := ops.NewServer(":0", m, bot, healthyDB(), nil)

	_, body := get(t, s, http.MethodGet, "/metrics")
	assert.Contains(t, body, "\ntesterbot_ready 0\n")

	bot.connected.Store(true)
	_, body = get(t, s, http.MethodGet, "/metrics")
	assert.Contains(t, body, "\ntesterbot_ready 1\n")
}
