package app_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/app"
	"github.com/testerbot/testerbot/internal/testlog"
	"github.com/testerbot/testerbot/internal/tmpfs"
)

// Faults of the bot's own database, of Slack and of Applivery that only a person can fix
// (issue 18): each test makes the fault happen and checks what readiness, the log and the
// person show.

// waitReadyz polls /readyz until its status is want and its body contains text.
func (h *harness) waitReadyz(want int, text string) string {
	h.t.Helper()
	var body string
	h.pollUntil(10*time.Second, "/readyz never answered "+http.StatusText(want)+" with "+text, func() bool {
		var status int
		status, body = h.healthGet("/readyz")
		return status == want && strings.Contains(body, text)
	})
	return body
}

func TestAFullDiskTurnsReadinessAndIsNamedToThePersonAndInTheLog(t *testing.T) {
	t.Parallel()
	dir := tmpfs.Mount(t, 1024)
	h := newHarness(t, withEnv("AUDIT_DB", filepath.Join(dir, "invites.db"))).start()
	h.waitReadyz(http.StatusOK, "ready")

	tmpfs.Fill(t, dir)

	body := h.waitReadyz(http.StatusServiceUnavailable, "database: not writable (disk full)")
	assert.NotContains(t, body, dir, "/readyz names no path")
	h.waitUntilLogged(`"level":"ERROR","msg":"database: free space on the volume of AUDIT_DB=`+filepath.Join(dir, "invites.db"), 5*time.Second)
	h.command(lead, iosChan, "alice@example.com")
	h.waitPrivateAnswer("my database's disk is full")
	assert.NotContains(t, everythingPosted(h), "did not answer")

	require.NoError(t, os.Remove(filepath.Join(dir, "filler")))

	h.waitReadyz(http.StatusOK, "ready")
	h.waitUntilLogged(`"msg":"database: writes work again"`, 5*time.Second)
	_, metrics := h.healthGet("/metrics")
	assert.Greater(t, sampleValue(t, metrics, "testerbot_database_write_failures_total"), 0.0)
}

// A read-only database cannot be faked as root by permissions (root writes anyway), so the
// file system is made read-only: a tmpfs remounted read-only, which the kernel refuses while
// the bot has the file open, so the bot is started on it.
func TestStartingOnAReadOnlyDatabaseExitsNamingTheCause(t *testing.T) {
	t.Parallel()
	dir := tmpfs.Mount(t, 1024)
	h := newHarness(t, withEnv("AUDIT_DB", filepath.Join(dir, "invites.db"))).start()
	require.Equal(t, 0, h.shutdown())
	tmpfs.ReadOnly(t, dir)

	logs := &testlog.Buffer{}
	code := app.Main(h.ctx(), nil, h.lookup, logs, logs)

	assert.Equal(t, 1, code)
	assert.Contains(t, logs.String(), "read-only file system")
	assert.Contains(t, logs.String(), "the database is read-only: make AUDIT_DB="+filepath.Join(dir, "invites.db")+" writable")
}

func TestADeletedDatabaseDirectoryIsNoticedAndANewDatabaseIsSaidAtStart(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(data, 0o700))
	path := filepath.Join(data, "invites.db")
	h := newHarness(t, withEnv("AUDIT_DB", path)).start()
	h.waitUntilLogged(`"level":"WARN","msg":"created a new database at `+path, time.Second)
	h.waitReadyz(http.StatusOK, "ready")

	require.NoError(t, os.RemoveAll(data))

	body := h.waitReadyz(http.StatusServiceUnavailable, "database: the SQLite file is no longer the one open")
	assert.NotContains(t, body, data)
	h.waitUntilLogged(`"level":"ERROR","msg":"database: the file at AUDIT_DB=`+path+` is not the database this process writes to`, 5*time.Second)
	assert.Contains(t, h.logs.String(), "was deleted (or its directory or volume) while open")
	require.Equal(t, 0, h.shutdown())

	// Restarted on a fresh directory, as after a lost volume: the bot says it begins afresh.
	require.NoError(t, os.Mkdir(data, 0o700))
	h.logs = &testlog.Buffer{}
	h.restart()
	h.waitUntilLogged(`"level":"WARN","msg":"created a new database at `+path, time.Second)
}

func TestASecondProcessOnOneSQLiteFileExitsNamingTheFileAndDatabaseURL(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()

	logs := &testlog.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code := app.Main(ctx, nil, h.lookup, logs, logs)

	assert.Equal(t, 1, code)
	assert.Contains(t, logs.String(), "another testerbot process is using the SQLite database "+h.env["AUDIT_DB"])
	assert.Contains(t, logs.String(), "DATABASE_URL")
	assert.Equal(t, 1, h.slack.Connections(), "the second process never reached Slack")
	h.waitReadyz(http.StatusOK, "ready") // the first process serves on
	require.Equal(t, 0, h.shutdown())

	// Once the first is gone, the lock is free.
	h.logs = &testlog.Buffer{}
	h.restart()
}
