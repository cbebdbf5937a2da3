package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/ops"
	"github.com/testerbot/testerbot/internal/testlog"
)

// A database outage is logged when it begins, once a minute while it lasts with a count of
// the failed checks, and when it ends with how long it lasted: not once per check.
func TestADatabaseOutageIsLoggedFirstThenOnceAMinuteThenItsEnd(t *testing.T) {
	t.Parallel()
	logs := &testlog.Buffer{}
	now := time.Unix(1_800_000_000, 0)
	h := newDBHealth(nil, "DATABASE_URL", slog.New(slog.NewJSONHandler(logs, nil)), ops.NewMetrics())
	h.now = func() time.Time { return now }
	down := dbProblem{shown: "database: writes fail (the log says why)", detail: "connection refused", fix: "check that the database at DATABASE_URL is up and reachable"}

	for range 90 { // 90 s of checks, one every second
		h.record(down)
		now = now.Add(time.Second)
	}
	h.record(dbProblem{})

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	assert.Len(t, lines, 3, logs.String())
	assert.Contains(t, lines[0], `"level":"ERROR","msg":"database: check that the database at DATABASE_URL is up and reachable"`)
	assert.Contains(t, lines[1], `"msg":"database: still failing:`)
	assert.Contains(t, lines[1], `"failed_checks":60`)
	assert.Contains(t, lines[1], `"for":"1m0s"`)
	assert.Contains(t, lines[2], `"level":"INFO","msg":"database: writes work again","after":"1m30s"`)
	shown, _ := h.readiness(t.Context())
	assert.Empty(t, shown)
}

func TestAReplacedFileStaysNotReadyUntilRestart(t *testing.T) {
	t.Parallel()
	h := newDBHealth(nil, "AUDIT_DB=/data/invites.db", slog.New(slog.DiscardHandler), ops.NewMetrics())
	h.record(dbProblem{shown: "database: the SQLite file is no longer the one open (the log says why)", sticky: true})
	h.record(dbProblem{})

	shown, _ := h.readiness(t.Context())
	assert.Contains(t, shown, "no longer the one open")
}

func TestARefusedTokenIsLoggedOnceAndNotReadyUntilACallSucceeds(t *testing.T) {
	t.Parallel()
	logs := &testlog.Buffer{}
	h := newAppliveryHealth(slog.New(slog.NewJSONHandler(logs, nil)), ops.NewMetrics())
	refused := fmt.Errorf("invite: %w", &applivery.ErrorResponse{StatusCode: http.StatusUnauthorized, Code: applivery.CodeInvalidToken, Message: "Invalid token"})
	assert.ErrorIs(t, refused, applivery.ErrUnauthorized)

	for range 14 { // a bulk of 14
		h.observe(refused)
	}
	h.observe(errors.New("HTTP 503")) // an outage says nothing about the token

	assert.Equal(t, 1, strings.Count(logs.String(), `"level":"ERROR"`), logs.String())
	assert.Contains(t, logs.String(), "APPLIVERY_API_TOKEN")
	shown, _ := h.readiness(t.Context())
	assert.Equal(t, "applivery: token refused (check APPLIVERY_API_TOKEN)", shown)

	h.observe(nil)
	shown, _ = h.readiness(t.Context())
	assert.Empty(t, shown)
	assert.Contains(t, logs.String(), `"msg":"Applivery: calls succeed again"`)
}
