package bot

import (
	"context"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// channelName returns "#name" for a channel id, or the id itself when Slack will not say.
func (b *Bot) channelName(ctx context.Context, id string) string {
	name, err := b.names.Get(ctx, id, func(ctx context.Context) (string, error) {
		if err := b.namePace.Wait(ctx); err != nil {
			return "", err
		}
		ch, err := b.d.Slack.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
		if err != nil {
			return "", b.slack.observe("conversations.info", err)
		}
		if ch.Name == "" {
			return id, nil
		}
		return "#" + ch.Name, nil
	})
	if err != nil {
		return id
	}
	return name
}

// cachedChannelName is channelName without asking Slack: for acks, which cannot wait.
func (b *Bot) cachedChannelName(id string) string {
	if name, ok := b.names.Peek(id); ok {
		return name
	}
	return id
}

// nameLookupBurst is how many channel names are asked of Slack at once before the pace applies.
const nameLookupBurst = 20

// newNamePace paces conversations.info at Tier 3 within any minute, window or bucket: a burst
// of 20, then 30 a minute (SLACK_MINUTE's, 0 for a real one).
func newNamePace(minute time.Duration) *rate.Limiter {
	if minute <= 0 {
		minute = time.Minute
	}
	return rate.NewLimiter(rate.Every(minute/30), nameLookupBurst)
}
