package slackfake

import (
	"maps"
	"time"
)

// rateLimit is an injected run of HTTP 429 answers for one method.
type rateLimit struct {
	remaining  int
	retryAfter time.Duration
}

// RateLimit makes the next `times` calls to method answer HTTP 429 with a
// Retry-After header (whole seconds, rounded up) and
// {"ok":false,"error":"ratelimited"}, which slack-go surfaces as
// *slack.RateLimitedError. Calls are still recorded. It replaces any limit
// already pending for the method.
func (s *Server) RateLimit(method string, times int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.rateLimits[method] = &rateLimit{remaining: times, retryAfter: retryAfter}
}

// takeRateLimitLocked spends one injected 429 for method, if any remain.
func (s *Server) takeRateLimitLocked(method string) (time.Duration, bool) {
	limit, ok := s.state.rateLimits[method]
	if !ok || limit.remaining <= 0 {
		return 0, false
	}
	limit.remaining--
	return limit.retryAfter, true
}

// SetChannelError makes chat.postMessage and chat.postEphemeral to channel
// fail with the given Slack error (e.g. "not_in_channel",
// "channel_not_found", "is_archived"); an empty string clears it.
func (s *Server) SetChannelError(channel, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	setOrClear(s.state.channelErrors, channel, slackError)
}

// setOrClear sets an injected error, or clears it when slackError is "".
func setOrClear(errs map[string]string, key, slackError string) {
	if slackError == "" {
		delete(errs, key)
		return
	}
	errs[key] = slackError
}

// FailNext makes the next `times` calls to method fail with the given Slack error (for example
// "invalid_blocks" for a message Slack refuses), whatever they carry. Calls are still recorded.
func (s *Server) FailNext(method, slackError string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.failures[method] = &injectedFailure{remaining: times, code: slackError}
}

// Refuse makes Slack answer each Web API call with the error code refuse returns for it, ""
// letting the call through, for a refusal that depends on what the call carries (every message
// with blocks, say, or every post to one channel, chat.update included). It applies after the
// rate limits and FailNext, and before the method's own checks; refused calls are still
// recorded. refuse runs under the fake's lock and must not call the fake's methods; nil removes it.
func (s *Server) Refuse(refuse func(Call) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.refuse = refuse
}

// refusalLocked is the error code the test's Refuse gives req, if any.
func (s *Server) refusalLocked(req *apiRequest) string {
	if s.state.refuse == nil {
		return ""
	}
	return s.state.refuse(Call{Method: req.method, Args: maps.Clone(req.args), JSON: req.json})
}

// injectedFailure is an injected run of Slack errors for one method.
type injectedFailure struct {
	remaining int
	code      string
}

// takeFailureLocked spends one injected error for method, if any remain.
func (s *Server) takeFailureLocked(method string) (string, bool) {
	f, ok := s.state.failures[method]
	if !ok || f.remaining <= 0 {
		return "", false
	}
	f.remaining--
	return f.code, true
}
