package bot

import (
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/testerbot/testerbot/internal/cache"
)

// channelNames names channels for menus and messages ("#beta-ios"), from a cache of an hour,
// asking Slack (conversations.info) for the names it lacks. A form waits for names a short while
// only; the ones it did not get are named later, in the background (run), so that type-ahead and
// the next form have them.
type channelNames struct {
	slack *slackCalls
	cache *cache.Cache[string] // channel id → "#name"
	// pace keeps the look-ups (conversations.info, Tier 3: 50 a minute per workspace) under
	// Slack's limit, so a mapping of many channels is named over time rather than answered with
	// 429s.
	pace  *rate.Limiter
	later chan string // channel ids to name in the background
}

// namesQueued is how many channels wait to be named in the background at most; past it, a form
// queues no more, and the next one asks again.
const namesQueued = 1000

func newChannelNames(slack *slackCalls, minute time.Duration) *channelNames {
	return &channelNames{slack: slack, cache: cache.New[string](time.Hour, time.Minute), pace: newNamePace(minute),
		later: make(chan string, namesQueued)}
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

// cachedOrLater is cached, and queues the channel to be named in the background when its name
// is not known yet.
func (n *channelNames) cachedOrLater(id string) string {
	if name, ok := n.cache.Peek(id); ok {
		return name
	}
	select {
	case n.later <- id:
	default: // the queue is full: a later form asks again
	}
	return id
}

// run names the channels forms queued, a few at a time and at Slack's pace, until ctx ends.
func (n *channelNames) run(ctx context.Context) {
	var wg sync.WaitGroup
	for range nameLookupsInParallel {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case id := <-n.later:
					n.name(ctx, id)
				}
			}
		})
	}
	wg.Wait()
}

// nameLookupsInParallel bounds the channel-name look-ups made at once: by one form, and in the
// background.
const nameLookupsInParallel = 4

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
