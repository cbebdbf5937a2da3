package app

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/internal/testlog"
)

func TestARepeatingWarningIsWrittenFirstThenOnceAMinuteWithACount(t *testing.T) {
	t.Parallel()
	logs := &testlog.Buffer{}
	limiter := newRepeatLimiter(slog.NewJSONHandler(logs, nil))
	now := time.Unix(1_800_000_000, 0)
	limiter.state.now = func() time.Time { return now }
	logger := slog.New(limiter).With("component", "mapping")

	for range 45 { // 90 s of a loop failing every 2 s
		logger.Warn("could not read the channel links", "error", "connection refused")
		logger.Info("a round") // below WARN: never held back
		now = now.Add(2 * time.Second)
	}
	logger.Warn("could not read the channel links", "error", "permission denied")   // another failure
	logger.Error("could not read the channel links", "error", "connection refused") // another level

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var warned []string
	for _, l := range lines {
		if strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) {
			warned = append(warned, l)
		}
	}
	assert.Len(t, warned, 4, logs.String())
	assert.NotContains(t, warned[0], "repeated")
	assert.Contains(t, warned[1], `"repeated":29,"repeated_within":"1m0s"`)
	assert.Contains(t, warned[1], `"component":"mapping"`)
	assert.Contains(t, warned[2], "permission denied")
	assert.Contains(t, warned[3], `"level":"ERROR"`)
	assert.Equal(t, 45, strings.Count(logs.String(), `"msg":"a round"`))
}
