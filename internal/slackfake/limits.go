package slackfake

import (
	"strings"
	"time"
)

// Slack's published limits (api.slack.com/apis/rate-limits and each method's page), which the
// fake enforces in every test. Each tiered method has its own allowance per workspace per minute;
// chat.postMessage allows about one post a second per channel after a short burst; a
// response_url takes five posts within thirty minutes.
const (
	tier2 = 20
	tier3 = 50
	tier4 = 100

	// defaultPostBurst is how many posts a quiet channel takes at once before the one-a-second
	// pace applies. Slack promises only "short bursts"; the bot must not count on more.
	defaultPostBurst = 3
	// responseURLUses and responseURLMinutes bound a response_url.
	responseURLUses    = 5
	responseURLMinutes = 30
)

// methodTiers is each rate-limited method's calls per minute per workspace. Methods not listed
// (auth.test, apps.connections.open, chat.postMessage, which is paced per channel) are not
// counted.
var methodTiers = map[string]int{
	"usergroups.users.list": tier2,

	"chat.update":         tier3,
	"users.lookupByEmail": tier3,
	"conversations.info":  tier3,
	"conversations.open":  tier3,
	"users.conversations": tier3,

	"views.open":            tier4,
	"views.push":            tier4,
	"views.update":          tier4,
	"views.publish":         tier4,
	"users.info":            tier4,
	"conversations.members": tier4,
	"chat.postEphemeral":    tier4,
}

// WithMinute sets how long the fake's rate-limit minute lasts (Slack's is a minute; a second is
// a sixtieth of it), so a test can run a bot at Slack's pace scaled down without waiting real
// minutes. Give it the bot's SLACK_MINUTE. Retry-After is still sent in whole real seconds, as
// slack-go reads it, rounded up: at least one.
func WithMinute(d time.Duration) Option {
	return func(s *Server) {
		if d > 0 {
			s.minute = d
		}
	}
}

// WithPostBurst sets how many chat.postMessage calls a quiet channel takes at once before the
// one-a-second pace; Slack leaves it open ("short bursts"), so a test may try other readings.
func WithPostBurst(n int) Option {
	return func(s *Server) {
		if n > 0 {
			s.postBurst = n
		}
	}
}

// limits is what the fake remembers to enforce Slack's pace; it is guarded by Server.mu and
// runs on the real clock (WithClock moves triggers and timestamps, not the pace).
type limits struct {
	calls map[string][]time.Time // method -> the accepted calls of the last minute, oldest first
	posts map[string]*postBucket // channel -> its chat.postMessage allowance
}

// postBucket is a token bucket: burst tokens, one more every second.
type postBucket struct {
	tokens float64
	last   time.Time
}

func newLimits() limits {
	return limits{calls: map[string][]time.Time{}, posts: map[string]*postBucket{}}
}

// second is a sixtieth of the fake's minute.
func (s *Server) second() time.Duration { return s.minute / 60 }

// takeLimitLocked spends one call of method (to channel, for chat.postMessage) from Slack's
// allowance at now, or says how long until the call would be allowed.
func (s *Server) takeLimitLocked(req *apiRequest, now time.Time) (time.Duration, bool) {
	if req.method == "chat.postMessage" {
		return s.takePostLocked(req.args["channel"], now)
	}
	perMinute, tiered := methodTiers[req.method]
	if !tiered {
		return 0, false
	}
	window := s.state.limits.calls[req.method]
	start := 0
	for start < len(window) && now.Sub(window[start]) >= s.minute {
		start++
	}
	window = window[start:]
	if len(window) >= perMinute {
		s.state.limits.calls[req.method] = window
		return window[0].Add(s.minute).Sub(now), true
	}
	s.state.limits.calls[req.method] = append(window, now)
	return 0, false
}

// takePostLocked paces chat.postMessage per channel: a burst, then one a second.
func (s *Server) takePostLocked(channel string, now time.Time) (time.Duration, bool) {
	b, ok := s.state.limits.posts[channel]
	if !ok {
		b = &postBucket{tokens: float64(s.postBurst), last: now}
		s.state.limits.posts[channel] = b
	}
	b.tokens = min(float64(s.postBurst), b.tokens+float64(now.Sub(b.last))/float64(s.second()))
	b.last = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(s.second())), true
	}
	b.tokens--
	return 0, false
}

// membershipErrorLocked is Slack's refusal of a post to a conversation the bot is not in:
// not_in_channel for a public channel, channel_not_found for a private one it cannot see. A
// person's ID or a DM is always open to the bot.
func (s *Server) membershipErrorLocked(channel string) string {
	if !strings.HasPrefix(channel, "C") && !strings.HasPrefix(channel, "G") {
		return ""
	}
	if ch, ok := s.state.channels[channel]; ok && ch.isMember {
		return ""
	}
	if isPrivate(channel) {
		return "channel_not_found"
	}
	return "not_in_channel"
}

// RateLimited returns how many calls to method the fake answered with HTTP 429, its own limits'
// and injected ones (RateLimit) alike; an empty method counts every method.
func (s *Server) RateLimited(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, call := range s.state.calls {
		if call.Error == "ratelimited" && call.limited && (method == "" || call.Method == method) {
			n++
		}
	}
	return n
}

// RateLimitedByMethod returns the count of HTTP 429 answers for each method that got any.
func (s *Server) RateLimitedByMethod() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, call := range s.state.calls {
		if call.limited {
			out[call.Method]++
		}
	}
	return out
}
