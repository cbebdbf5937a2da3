package outbox

import (
	"sync"
	"time"
)

// Pace is how fast the sender writes, by Slack's published limits. The zero value takes
// DefaultPace; tests may run faster against a fake Slack that enforces the same shape.
type Pace struct {
	// PostEvery and PostBurst pace chat.postMessage per channel: about one a second, after a
	// short burst.
	PostEvery time.Duration
	PostBurst int
	// PerMinute is each tiered method's limit per workspace (Tier 3: chat.update,
	// users.lookupByEmail), with a burst of TierBurst.
	PerMinute map[string]int
	TierBurst int
	// Minute is how long a "minute" is, for tests that shorten Slack's windows.
	Minute time.Duration
}

// DefaultPace is Slack's documented pace.
var DefaultPace = Pace{
	PostEvery: time.Second, PostBurst: 3,
	PerMinute: map[string]int{"chat.update": 50, "users.lookupByEmail": 50, "conversations.open": 50},
	TierBurst: 5, Minute: time.Minute,
}

// Scaled is DefaultPace with minute for Slack's minute (and a second a sixtieth of it), for a
// test Slack that enforces the same limits faster.
func Scaled(minute time.Duration) Pace {
	p := DefaultPace
	p.Minute, p.PostEvery = minute, minute/60
	return p
}

func (p Pace) withDefaults() Pace {
	d := DefaultPace
	if p.PostEvery <= 0 {
		p.PostEvery = d.PostEvery
	}
	if p.PostBurst <= 0 {
		p.PostBurst = d.PostBurst
	}
	if p.PerMinute == nil {
		p.PerMinute = d.PerMinute
	}
	if p.TierBurst <= 0 {
		p.TierBurst = d.TierBurst
	}
	if p.Minute <= 0 {
		p.Minute = d.Minute
	}
	return p
}

// pacer holds a token bucket per key ("chat.postMessage C123", "chat.update") and the pauses
// Slack asked for with Retry-After. It is per process; across replicas a lane's lease keeps one
// process on each channel.
type pacer struct {
	pace Pace

	mu      sync.Mutex
	buckets map[string]*bucket
	paused  map[string]time.Time // key → until, from a 429's Retry-After
}

type bucket struct {
	tokens float64
	last   time.Time
	every  time.Duration // one token per every
	burst  float64
}

func newPacer(p Pace) *pacer {
	return &pacer{pace: p.withDefaults(), buckets: map[string]*bucket{}, paused: map[string]time.Time{}}
}

// paceKey is the bucket a call to method in channel draws on.
func paceKey(method, channel string) string {
	if method == "chat.postMessage" {
		return method + " " + channel
	}
	return method
}

// take spends one call to method in channel at now, or says how long to wait for it.
func (p *pacer) take(method, channel string, now time.Time) time.Duration {
	key := paceKey(method, channel)
	p.mu.Lock()
	defer p.mu.Unlock()
	if until, ok := p.paused[key]; ok {
		if now.Before(until) {
			return until.Sub(now)
		}
		delete(p.paused, key)
	}
	b := p.bucketLocked(key, method, now)
	if b == nil {
		return 0 // not paced (response_url)
	}
	b.tokens = min(b.burst, b.tokens+float64(now.Sub(b.last))/float64(b.every))
	b.last = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(b.every))
	}
	b.tokens--
	return 0
}

func (p *pacer) bucketLocked(key, method string, now time.Time) *bucket {
	if b, ok := p.buckets[key]; ok {
		return b
	}
	var b *bucket
	switch n := p.pace.PerMinute[method]; {
	case method == "chat.postMessage":
		b = &bucket{every: p.pace.PostEvery, burst: float64(p.pace.PostBurst)}
	case n > 0:
		b = &bucket{every: p.pace.Minute / time.Duration(n), burst: float64(p.pace.TierBurst)}
	default:
		return nil
	}
	b.tokens, b.last = b.burst, now
	if len(p.buckets) > 10000 {
		clear(p.buckets) // a full bucket is the same as none: forgetting them is safe
	}
	p.buckets[key] = b
	return b
}

// pause holds every call to method in channel back until Slack's Retry-After has passed.
func (p *pacer) pause(method, channel string, until time.Time) {
	key := paceKey(method, channel)
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.paused[key]) {
		p.paused[key] = until
	}
	if b, ok := p.buckets[key]; ok {
		b.tokens = 0 // start again slowly after the pause
		b.last = until
	}
}
