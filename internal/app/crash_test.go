package app_test

// The real binary, killed with SIGKILL in the middle of a bulk invite while creates it sent are
// still being committed by Applivery: a restart (or another replica) finishes the request, and
// every address is created exactly once, every result posted once, the parent message summed
// up, and every outcome audited.

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/pgtest"
	"github.com/testerbot/testerbot/internal/slackfake"
	database "github.com/testerbot/testerbot/internal/store"
)

const bulkSize = 40

// crashHarness is a harness whose Applivery commits every create 1.5 s after it arrives, even
// when the client is gone, and accepts duplicates, so that only the bot can prevent them.
func crashHarness(t *testing.T, reading appliverytest.FilterReading, opts ...harnessOption) (*harness, chan struct{}) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and kills the real binary; skipped with -short")
	}
	opts = append([]harnessOption{withEnv("LEASE_TTL", "5s"), withEnv("APPLIVERY_TIMEOUT", "3s"),
		withEnv("INVITE_CONCURRENCY", "8"), withEnv("LOG_LEVEL", "info")}, opts...)
	h := newHarnessReading(t, reading, opts...)
	h.applivery.AllowDuplicates(true)
	h.applivery.CommitCreatesAfter(1500 * time.Millisecond)
	committed := make(chan struct{}, 4*bulkSize)
	h.applivery.OnCreate(func(applivery.OTPUser) { committed <- struct{}{} })
	return h, committed
}

// aThirdCommitted waits until a third of the bulk is in Applivery.
func aThirdCommitted(t *testing.T, committed chan struct{}) {
	t.Helper()
	for range bulkSize / 3 {
		select {
		case <-committed:
		case <-time.After(30 * time.Second):
			t.Fatal("the bulk never got a third of the way")
		}
	}
}

func TestSIGKILLMidBulkThenARestartFinishesEveryInviteOnce(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		t.Parallel()
		h, committed := crashHarness(t, reading)
		bin := buildBinary(t)
		first := startProcess(t, bin, h.env)
		require.NoError(t, h.slack.WaitConnected(opsContext(t, 15*time.Second)), "logs:\n%s", first.logs)

		h.command(lead, iosChan, strings.Join(emails(bulkSize, "example.com"), " "))
		aThirdCommitted(t, committed)
		require.NoError(t, first.cmd.Process.Kill()) // SIGKILL: no drain, no goodbye
		<-first.done
		assert.Less(t, len(h.applivery.OTPUsers(store)), bulkSize, "it died before the end")

		restarted := time.Now()
		second := startProcess(t, bin, h.env)
		assertBulkFinishedOnce(t, h, second, restarted)
		assert.Contains(t, second.logs.String(), "taking over an unfinished request")
	})
}

func TestAReplicaKilledMidBulkIsFinishedByTheOther(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		t.Parallel()
		h, committed := crashHarness(t, reading, withEnv("DATABASE_URL", pgtest.NewDatabase(t)))
		bin := buildBinary(t)
		replicas := []*botProcess{startProcess(t, bin, h.env), startProcess(t, bin, h.env)}
		require.NoError(t, h.slack.WaitConnections(opsContext(t, 15*time.Second), 2*connectionsPerProcess))

		h.command(lead, iosChan, strings.Join(emails(bulkSize, "example.com"), " "))
		aThirdCommitted(t, committed)
		busy, idle := replicas[0], replicas[1]
		if !strings.Contains(busy.logs.String(), `"msg":"invite"`) {
			busy, idle = idle, busy
		}
		require.Contains(t, busy.logs.String(), `"msg":"invite"`, "one replica is running the bulk")
		killed := time.Now()
		require.NoError(t, busy.cmd.Process.Kill())
		<-busy.done

		assertBulkFinishedOnce(t, h, idle, killed)
		assert.Contains(t, idle.logs.String(), "taking over an unfinished request")
		_, metrics := getMetrics(t, idle)
		assert.Contains(t, metrics, "testerbot_requests_taken_over_total 1")
	})
}

// assertBulkFinishedOnce waits for survivor to finish the bulk within 60 s of since, and checks
// that nothing was lost or done twice.
func assertBulkFinishedOnce(t *testing.T, h *harness, survivor *botProcess, since time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	summary, err := h.slack.WaitMessage(ctx, iosChan, func(m slackfake.Message) bool {
		return m.ThreadTS == "" && strings.Contains(m.Text, "Details in the thread")
	})
	require.NoError(t, err, "the bulk was not finished within 60 s; logs:\n%s", survivor.logs)
	t.Logf("finished %s after the other process died", time.Since(since).Round(100*time.Millisecond))
	assert.Contains(t, summary.Text, "invited 40 testers into *Acme iOS beta*: 40 invited.")

	created := map[string]int{}
	for _, u := range h.applivery.OTPUsers(store) {
		created[u.Email]++
	}
	assert.Len(t, created, bulkSize)
	for email, n := range created {
		assert.Equal(t, 1, n, "%s created once", email)
	}
	assert.Equal(t, bulkSize, h.applivery.Count(http.MethodPost, "/otp-users"), "no create was ever repeated")

	// Wait for the link, the last reply, then count each address's result in the thread.
	h.threadText(iosChan, summary.TS, 3)
	var thread strings.Builder
	for _, m := range h.slack.Thread(iosChan, summary.TS) {
		thread.WriteString(m.Text + "\n")
	}
	for _, email := range emails(bulkSize, "example.com") {
		n := len(regexp.MustCompile(regexp.QuoteMeta(email)+`\b`).FindAllString(thread.String(), -1))
		assert.Equal(t, 1, n, "the result of %s is posted once", email)
	}

	db, err := database.Open(context.Background(), databaseOf(h))
	require.NoError(t, err)
	defer db.Close()
	entries, err := db.Recent(context.Background(), database.Query{ChannelID: iosChan, Limit: 200})
	require.NoError(t, err)
	audited := map[string]invite.Outcome{}
	for _, e := range entries {
		audited[e.Email] = e.Outcome
	}
	assert.Len(t, audited, bulkSize, "every outcome is in the audit log")
	for email, o := range audited {
		assert.Equal(t, invite.Invited, o, email)
	}
}

func databaseOf(h *harness) database.Config {
	if url := h.env["DATABASE_URL"]; url != "" {
		return database.Config{PostgresURL: url}
	}
	return database.Config{SQLitePath: h.env["AUDIT_DB"]}
}

// getMetrics scrapes a process's /metrics, found through its start-up log line.
func getMetrics(t *testing.T, p *botProcess) (int, string) {
	t.Helper()
	m := regexp.MustCompile(`"http_addr":"([^"]+)"`).FindStringSubmatch(p.logs.String())
	require.NotNil(t, m, "no http_addr in logs:\n%s", p.logs)
	resp, err := http.Get("http://" + m[1] + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, err = io.Copy(&b, resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b.String()
}
