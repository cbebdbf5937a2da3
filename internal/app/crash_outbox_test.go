package app_test

// The real binary, killed with SIGKILL while its outbox holds the messages of a finished invite
// (Slack answers every chat.postMessage with 429s): the next process sends every one of them,
// and none twice.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/slackfake"
)

func TestSIGKILLWhileTheOutboxHoldsMessagesLosesNoneAndRepeatsNone(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and kills the real binary; skipped with -short")
	}
	const members = 12
	h := newHarness(t, withEnv("LOG_LEVEL", "info"))
	list := emails(members, "example.com")
	for i, e := range list {
		h.slack.AddUser(slackfake.User{ID: fmt.Sprintf("U0MEMBER%02d", i), Email: e})
	}
	bin := buildBinary(t)
	first := startProcess(t, bin, h.env)
	require.NoError(t, h.slack.WaitConnected(opsContext(t, 15*time.Second)), "logs:\n%s", first.logs)

	h.command(lead, iosChan, strings.Join(list, " "))
	parent, err := h.slack.WaitMessage(opsContext(t, 20*time.Second), iosChan, func(m slackfake.Message) bool { return m.ThreadTS == "" })
	require.NoError(t, err, "logs:\n%s", first.logs)
	h.slack.RateLimit("chat.postMessage", 1_000_000, 30*time.Second) // from now on the outbox only holds
	_, err = h.slack.WaitMessage(opsContext(t, 30*time.Second), iosChan, func(m slackfake.Message) bool {
		return m.TS == parent.TS && strings.Contains(m.Text, "Details in the thread")
	})
	require.NoError(t, err, "the summary is an edit, which Slack still takes; logs:\n%s", first.logs)
	assert.Empty(t, h.slack.Thread(iosChan, parent.TS), "the results wait in the outbox")
	require.NoError(t, first.cmd.Process.Kill()) // SIGKILL: no drain, no goodbye
	<-first.done

	h.slack.RateLimit("chat.postMessage", 0, 0)
	second := startProcess(t, bin, h.env)
	_, err = h.slack.WaitMessage(opsContext(t, 60*time.Second), iosChan, func(m slackfake.Message) bool {
		// The link message starts with :link:; the results say "downloads allowed" too.
		return m.ThreadTS == parent.TS && strings.HasPrefix(m.Text, ":link:")
	})
	require.NoError(t, err, "the link, the thread's last message, was sent; logs:\n%s", second.logs)
	for i := range list {
		user := fmt.Sprintf("U0MEMBER%02d", i)
		_, err := h.slack.WaitMessage(opsContext(t, 60*time.Second), user, nil)
		require.NoError(t, err, "%s got their DM; logs:\n%s", user, second.logs)
	}

	thread := h.slack.Thread(iosChan, parent.TS)
	require.Len(t, thread, 2, "one group of %d results and the link, each once", members)
	for _, e := range list {
		assert.Equal(t, 1, strings.Count(thread[0].Text, e), "%s shown once", e)
	}
	for i := range list {
		assert.Len(t, h.slack.Messages(fmt.Sprintf("U0MEMBER%02d", i)), 1, "each DM sent once")
	}
	parents := 0
	for _, m := range h.slack.Messages(iosChan) {
		if m.ThreadTS == "" {
			parents++
		}
	}
	assert.Equal(t, 1, parents, "the parent was posted once")
}
