package app_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/pgtest"
	"github.com/testerbot/testerbot/internal/slackfake"
)

func TestBulkOf50WithBoundedConcurrencyLiveProgressAndGroupedDetails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withEnv("INVITE_CONCURRENCY", "4")).start()
	h.applivery.SetLatency(20 * time.Millisecond)
	list := emails(50, "example.com")
	h.command(lead, iosChan, strings.Join(list, "\n")+"\n"+list[0]) // a duplicate inside the request is merged

	summary := h.waitSummary(iosChan)
	assert.Contains(t, summary.Text, "invited 50 testers into *Acme iOS beta*: 50 invited")
	assert.Len(t, h.applivery.OTPUsers(store), 50)
	assert.LessOrEqual(t, h.applivery.MaxInFlight(), 4, "never more Applivery requests in flight than INVITE_CONCURRENCY")
	assert.Greater(t, summary.Updates, 1, "the parent message showed progress before the summary")
	progress := h.slack.Calls("chat.update")
	assert.Contains(t, progress[0].Args["text"], "of 50 done")

	h.threadText(iosChan, summary.TS, 4)
	replies := h.slack.Thread(iosChan, summary.TS)
	assert.Len(t, replies, 4, "50 testers in 3 grouped messages (20 each at most) plus the link, not one per email")
}

func TestOverTheLimitIsRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withEnv("MAX_EMAILS_PER_REQUEST", "10")).start()
	_, ack := h.command(lead, iosChan, strings.Join(emails(11, "example.com"), " "))
	assert.Contains(t, ackText(ack), "at most 10")
	assert.Empty(t, h.applivery.Requests())
}

func TestOneFailingEmailAmongMany(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.applivery.Inject(func(r *http.Request) *appliverytest.Fault {
		if r.Method == http.MethodPost && strings.Contains(appliverytest.RequestEmail(r), "tester003") {
			return appliverytest.APIError(http.StatusBadRequest, 6001, "Database Validation Error")
		}
		return nil
	})
	h.command(lead, iosChan, strings.Join(emails(8, "example.com"), ","))
	summary := h.waitSummary(iosChan)
	assert.Contains(t, summary.Text, "7 invited, 1 failed")
	thread := h.threadText(iosChan, summary.TS, 2)
	assert.Contains(t, thread, "tester003+qa@example.com* failed: Applivery error 6001")
}

func TestExistingTesterIsReportedNotCreatedAgain(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := newHarnessReading(t, reading).start()
		last := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
		existing := h.applivery.AddOTPUser(store, applivery.OTPUser{Email: "Old+QA@Example.com", AllowedDownloadsNum: 7,
			PublishedApplicationID: iosApp, LastDownloadAt: &last})
		h.command(lead, iosChan, "old+qa@example.com new@example.com")
		summary := h.waitSummary(iosChan)
		assert.Contains(t, summary.Text, "1 invited, 1 already invited")
		thread := h.threadText(iosChan, summary.TS, 2)
		assert.Contains(t, thread, "already a tester")
		assert.Contains(t, thread, existing.ID)
		assert.Contains(t, thread, "7 downloads allowed")
		assert.Contains(t, thread, "last download")
		assert.Equal(t, 1, h.applivery.Count("POST", "/otp-users"), "no second create for the existing tester")
	})
}

func TestAuditSurvivesRestartAndShowsInHistoryAndHome(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "invites.db")
		testAuditSurvivesRestart(t, withEnv("AUDIT_DB", path), "sqlite "+path)
	})
	t.Run("postgres", func(t *testing.T) {
		testAuditSurvivesRestart(t, withEnv("DATABASE_URL", pgtest.NewDatabase(t)), "postgres")
	})
}

// testAuditSurvivesRestart runs the bot twice on the database db selects, as a restart or a second
// replica would; the start-up log names the database as logged says.
func testAuditSurvivesRestart(t *testing.T, db harnessOption, logged string) {
	h := newHarness(t, db).start()
	h.applivery.Fail("POST", "/otp-users", 1, http.StatusNotFound, 3001, "Entity not found")
	h.command(lead, iosChan, "first@example.com")
	h.waitSummary(iosChan)
	require.Equal(t, 0, h.shutdown())

	assert.Contains(t, h.logs.String(), `"database":"`+logged+`"`)

	// The same database, a new process.
	h2 := newHarness(t, db, onSlackOf(h)).start() // and the same Slack, where what its outbox left goes
	h2.command(lead, iosChan, "second@example.com bad-address@")
	h2.command(lead, iosChan, "history")
	body := h2.waitResponse("Last invitations")
	assert.NotContains(t, body, "bad-address", "an invalid command is refused before it is a request")
	assert.Contains(t, body, "failed to invite *first@example.com*", "written before the restart")

	h2.command(lead, iosChan, "second@example.com")
	h2.summedUp(iosChan, 2) // the one before the restart, and this one
	h2.command(lead, iosChan, "history")
	body = h2.waitResponse("invited *second@example.com*")
	assert.Contains(t, body, "<@"+lead+">")

	h2.slack.Event(map[string]any{"type": "app_home_opened", "user": lead, "channel": "D0LEAD", "tab": "home"})
	home := readable(h2.waitHome(lead).JSON)
	assert.Contains(t, home, "second@example.com")
	assert.Contains(t, home, "first@example.com")
}

func TestTheLinkIsInTheThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.command(lead, iosChan, "alice@example.com")
	summary := h.waitSummary(iosChan)
	thread := h.threadText(iosChan, summary.TS, 2)
	assert.Contains(t, thread, "<https://acme.applivery.io/acme-ios>")
	assert.Equal(t, 1, h.applivery.Count("GET", "/pubApps/"+iosApp))

	h.command(lead, iosChan, "bob@example.com")
	_, err := h.slack.WaitMessage(h.ctx(), iosChan, func(m slackfake.Message) bool { return strings.Contains(m.Text, "bob") })
	require.NoError(t, err)
	h.waitSummaries(iosChan, 2)
	assert.Equal(t, 1, h.applivery.Count("GET", "/pubApps/"+iosApp), "the link is cached")
}

// waitSummaries waits until n requests in channel have finished.
func (h *harness) waitSummaries(channel string, n int) {
	h.t.Helper()
	_, err := h.slack.WaitMessage(h.ctx(), channel, func(slackfake.Message) bool {
		count := 0
		for _, m := range h.slack.Messages(channel) {
			if strings.Contains(m.Text, "Details in the thread") {
				count++
			}
		}
		return count >= n
	})
	require.NoError(h.t, err)
}
