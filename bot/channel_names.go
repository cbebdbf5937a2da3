package bot

import (
	"context"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/testerbot/testerbot/internal/cache"
)

// channelNames names channels for menus and messages ("#beta-ios"), from a cache of an hour,
// asking Slack (conversations.info) for the names it lacks.
type channelNames struct {
	slack *slackCalls
	cache *cache.Cache[string] // channel id → "#name"
	// pace keeps the look-ups (conversations.info, Tier 3: 50 a minute per workspace) under
	// Slack's limit, so a mapping of many channels is named over time rather than answered with
	// 429s.
	pace *rate.Limiter
}

func newChannelNames(slack *slackCalls, minute time.Duration) *channelNames {
	return &channelNames{slack: slack, cache: cache.New[string](time.Hour, time.Minute), pace: newNamePace(minute)}
}

// name returns "#name" for a channel id, or the id itself when Slack will not say.
func (n *channelNames) name(ctx context.Context, id string) string {
	name, err := n.cache.Get(ctx, id, func(ctx context.Context) (string, error) {
		if err := n.pace.Wait(ctx); err != nil {
			return "", err
		}
		ch, err := n.slack.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
		if err != nil {
			return "", n.slack.observe("conversations.info", err)
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

// cached is name without asking Slack: for acks, which cannot wait.
func (n *channelNames) cached(id string) string {
	if name, ok := n.cache.Peek(id); ok {
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
