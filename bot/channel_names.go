package bot

import (
	"context"
	"sync"
	"time"
)

// channelNames caches "#name" for channel ids, so the modals people open from the global
// shortcut or the App Home show names, not ids. Slack is asked at most once per channel per
// hour, in parallel and within a short deadline: a modal's trigger id expires in 3 s.
type channelNames struct {
	slack *slackCalls
	ttl   time.Duration

	mu    sync.Mutex
	names map[string]cachedName
}

type cachedName struct {
	name    string
	fetched time.Time
}

func newChannelNames(s *slackCalls) *channelNames {
	return &channelNames{slack: s, ttl: time.Hour, names: map[string]cachedName{}}
}

// cached returns the name Slack gave earlier, or the id: for acks, which cannot wait for Slack.
func (c *channelNames) cached(id string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.names[id]; ok {
		return n.name
	}
	return id
}

// getAll returns a name for every id: "#name", or the id itself where Slack did not answer in time.
func (c *channelNames) getAll(ctx context.Context, ids []string) map[string]string {
	out := make(map[string]string, len(ids))
	var missing []string
	c.mu.Lock()
	for _, id := range ids {
		if n, ok := c.names[id]; ok && time.Since(n.fetched) < c.ttl {
			out[id] = n.name
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, id := range missing {
		wg.Go(func() {
			name := c.slack.channelName(ctx, id)
			mu.Lock()
			out[id] = name
			mu.Unlock()
			if name != id {
				c.mu.Lock()
				c.names[id] = cachedName{name: name, fetched: time.Now()}
				c.mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}
