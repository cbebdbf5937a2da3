package bot

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// slack-go's own wait reaches 51 s after a minute of failures and 5 minutes later on: the
// bot's never exceeds reconnectCap, is jittered, and still honours a longer Retry-After.
func TestReconnectWaitIsCappedAndJittered(t *testing.T) {
	seen := map[time.Duration]bool{}
	for failures := 1; failures <= 100; failures++ {
		for range 20 {
			d := reconnectWait(failures, 0)
			assert.LessOrEqual(t, d, reconnectCap, "after %d failures", failures)
			ideal := min(reconnectBase<<min(failures-1, 15), reconnectCap)
			assert.GreaterOrEqual(t, d, ideal/2, "after %d failures", failures)
			if failures == 50 {
				seen[d] = true
			}
		}
	}
	assert.Greater(t, len(seen), 1, "jittered")
	assert.LessOrEqual(t, reconnectWait(1, 0), reconnectBase, "the first retry is prompt")
	assert.Equal(t, 30*time.Second, reconnectWait(3, 30*time.Second), "Slack's Retry-After wins when longer")
}
