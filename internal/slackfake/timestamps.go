package slackfake

import (
	"fmt"
	"time"
)

// slackTS renders a time the way Slack writes event_ts and action_ts.
func slackTS(t time.Time) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}
