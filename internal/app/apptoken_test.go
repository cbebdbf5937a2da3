package app_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A refused app token ends the bot, and its log says what to do before the process exits.
func TestARefusedAppTokenSaysWhatToDo(t *testing.T) {
	t.Parallel()
	const wrong = "xapp-1-not-the-right-SECRET"
	h := newHarness(t, withEnv("SLACK_APP_TOKEN", wrong))
	h.startUnconnected()
	select {
	case code := <-h.exit:
		h.stop = nil
		assert.Equal(t, 1, code)
	case <-h.ctx().Done():
		t.Fatalf("the bot kept running; logs:\n%s", h.logs)
	}
	logs := h.logs.String()
	assert.Contains(t, logs, "Slack refused SLACK_APP_TOKEN: create an app-level token (xapp-…) with the connections:write scope")
	assert.Contains(t, lineWith(t, logs, "testerbot stopped"), "connections:write", "the last line says it too")
	assert.NotContains(t, logs, "SECRET")
}
