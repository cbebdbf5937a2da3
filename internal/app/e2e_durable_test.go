package app_test

// End-to-end tests of invites that survive races and replicas (issue 8): one invite per tester
// across requests and processes, an envelope handled once whichever replica gets it, and one
// Applivery gate per process.

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/pgtest"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// summedUp waits until n requests in the channel are summed up and returns the summaries.
// The wait only keeps a broken run from hanging; it measures nothing. At the tests' pace of
// Slack (a minute of 1.2 s) what sets the time of many requests is not Slack but the outbox's
// durable writes, one or two per message, which under -race on two cores shared by eight
// end-to-end tests take up to a hundred milliseconds each: 30 requests once took 35 s. So each
// request is given three seconds.
func (h *harness) summedUp(channel string, n int) []string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), max(15, 3*time.Duration(n))*time.Second)
	defer cancel()
	var summaries []string
	_, err := h.slack.WaitMessage(ctx, channel, func(slackfake.Message) bool {
		summaries = summaries[:0]
		for _, m := range h.slack.Messages(channel) {
			if strings.Contains(m.Text, "Details in the thread") {
				summaries = append(summaries, m.Text)
			}
		}
		return len(summaries) >= n
	})
	require.NoError(h.t, err, "only %d of %d requests summed up; logs:\n%s", len(summaries), n, h.logs)
	return summaries
}

// countIn reads the number pattern captures in a summary such as "4 invited, 1 already
// invited", 0 when the summary does not mention it.
func countIn(summary, pattern string) int {
	m := regexp.MustCompile(pattern).FindStringSubmatch(summary)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func sameFiveAtOnce(t *testing.T, h *harness) {
	t.Helper()
	h.applivery.AllowDuplicates(true) // Applivery would take a second one: only the bot can prevent it
	h.applivery.SetLatency(30 * time.Millisecond)
	five := strings.Join(emails(5, "both.example.com"), " ")
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { h.command(lead, iosChan, five) })
	}
	wg.Wait()
	summaries := h.summedUp(iosChan, 2)
	assert.Equal(t, 5, h.applivery.Count(http.MethodPost, "/otp-users"), "five creates for five addresses")
	assert.Len(t, h.applivery.OTPUsers(store), 5)
	joined := strings.Join(summaries, "\n")
	invited, already := 0, 0
	for _, s := range summaries {
		invited += countIn(s, `(\d+) invited`)
		already += countIn(s, `(\d+) already invited`)
	}
	assert.Equal(t, 5, invited, joined)
	assert.Equal(t, 5, already, "the other request reports each as already invited: %s", joined)
}

func TestTwoCommandsForTheSameAddressesAtOnceCreateEachOnce(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		sameFiveAtOnce(t, newHarnessReading(t, reading).start())
	})
}

func TestTwoReplicasInvitingTheSameAddressesAtOnceCreateEachOnce(t *testing.T) {
	t.Parallel()
	appliverytest.ForEachFilterReading(t, func(t *testing.T, reading appliverytest.FilterReading) {
		h := newHarnessReading(t, reading, withEnv("DATABASE_URL", pgtest.NewDatabase(t))).start()
		h.startReplica(1) // Slack spreads the two commands over the two connections
		sameFiveAtOnce(t, h)
	})
}

func TestAnEnvelopeRedeliveredToAnotherReplicaIsHandledOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withEnv("DATABASE_URL", pgtest.NewDatabase(t))).start()
	h.startReplica(1)
	id, _ := h.command(lead, iosChan, "alice@example.com")
	h.slack.Redeliver(id) // as if the first ack were lost: Slack retries on the other connection
	_, err := h.slack.WaitAck(h.ctx(), id)
	require.NoError(t, err)
	require.Len(t, h.slack.Deliveries(id), 2)
	assert.NotEqual(t, h.slack.Deliveries(id)[0], h.slack.Deliveries(id)[1], "delivered to both replicas")
	h.summedUp(iosChan, 1)
	assert.Len(t, h.applivery.OTPUsers(store), 1)
	parents := 0
	for _, m := range h.slack.Messages(iosChan) {
		if m.ThreadTS == "" && !m.Ephemeral {
			parents++
		}
	}
	assert.Equal(t, 1, parents, "one request, one parent message")
}

func TestApplivieryNeverSeesMoreThanItsLimitInFlight(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withEnv("APPLIVERY_MAX_IN_FLIGHT", "8"), withEnv("MAX_EMAILS_PER_REQUEST", "4")).start()
	h.applivery.SetLatency(50 * time.Millisecond)
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() { h.command(lead, iosChan, strings.Join(emails(4, fmt.Sprintf("cmd%02d.example.com", i)), " ")) })
	}
	wg.Wait()
	h.summedUp(iosChan, 30)
	assert.Len(t, h.applivery.OTPUsers(store), 120)
	assert.LessOrEqual(t, h.applivery.MaxInFlight(), 8, "30 commands × 4 addresses, never more than 8 requests at once")
	assert.GreaterOrEqual(t, h.applivery.MaxInFlight(), 4, "the limit is used")
}

func TestA429PausesEveryApplivieryCallUntilRetryAfter(t *testing.T) {
	t.Parallel()
	h := newHarness(t).start()
	h.applivery.FailWith(http.MethodPost, "/otp-users", 1, appliverytest.RateLimited("2"))
	h.command(lead, iosChan, "first@example.com")
	h.pollUntil(10*time.Second, "the 429 never reached the bot", func() bool {
		_, metrics := h.healthGet("/metrics")
		return strings.Contains(metrics, `status="429"`)
	})
	h.command(lead, bothChan, "second@acme.com third@acme.com")
	h.summedUp(iosChan, 1)
	h.summedUp(bothChan, 1)

	requests := h.applivery.Requests()
	limited := -1
	for i, r := range requests {
		if r.Method == http.MethodPost {
			limited = i
			break
		}
	}
	require.GreaterOrEqual(t, limited, 0)
	pausedUntil := requests[limited].Arrived.Add(2 * time.Second)
	for _, r := range requests[limited+1:] {
		assert.False(t, r.Arrived.Before(pausedUntil), "%s %s started %s after the 429, inside its Retry-After",
			r.Method, r.Path, r.Arrived.Sub(requests[limited].Arrived))
	}
	assert.Len(t, h.applivery.OTPUsers(store), 3)
}
