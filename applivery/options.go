package applivery

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Option configures a Client.
type Option func(*settings)

// settings collects options before NewClient validates them.
type settings struct {
	baseURL    string
	token      string
	userAgent  string
	httpClient *http.Client
	timeout    time.Duration
	retry      retryPolicy
	sleep      SleepFunc
	observe    Observer
	gate       *Gate // nil: no limit shared with other clients
}

func defaultSettings() settings {
	return settings{
		baseURL:    DefaultBaseURL,
		userAgent:  defaultUserAgent,
		httpClient: http.DefaultClient,
		timeout:    defaultTimeout,
		retry: retryPolicy{
			maxAttempts: defaultMaxAttempts,
			baseDelay:   defaultBaseDelay,
			maxDelay:    defaultMaxDelay,
		},
		sleep: sleepContext,
	}
}

func (s settings) validate() error {
	switch {
	case s.httpClient == nil:
		return errors.New("applivery: HTTP client must not be nil")
	case s.timeout <= 0:
		return errors.New("applivery: timeout must be positive")
	case s.retry.maxAttempts < 1:
		return errors.New("applivery: retry needs at least one attempt")
	case s.retry.baseDelay < 0 || s.retry.maxDelay < s.retry.baseDelay:
		return errors.New("applivery: retry delays must satisfy 0 <= base <= max")
	case s.sleep == nil:
		return errors.New("applivery: sleep function must not be nil")
	}
	return nil
}

// WithBaseURL points the client at another API host, such as a fake server
// in tests. A path prefix is kept.
func WithBaseURL(baseURL string) Option {
	return func(s *settings) { s.baseURL = baseURL }
}

// WithHTTPClient replaces http.DefaultClient, e.g. to add a proxy.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) { s.httpClient = hc }
}

// WithToken sets the service-account token sent as a Bearer token.
func WithToken(token string) Option {
	return func(s *settings) { s.token = token }
}

// WithUserAgent overrides the User-Agent (default "testerbot").
func WithUserAgent(userAgent string) Option {
	return func(s *settings) { s.userAgent = userAgent }
}

// WithTimeout bounds each HTTP attempt (default 10s). The whole call is
// bounded by the caller's context.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) { s.timeout = d }
}

// WithRetry sets how many attempts a call makes in total (1 disables
// retries) and the bounds of the jittered exponential backoff between
// them. maxDelay also caps how long a Retry-After is honoured.
func WithRetry(maxAttempts int, baseDelay, maxDelay time.Duration) Option {
	return func(s *settings) {
		s.retry = retryPolicy{maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: maxDelay}
	}
}

// WithSleep replaces the wait between attempts, so tests can record the
// delays instead of waiting them out.
func WithSleep(sleep SleepFunc) Option {
	return func(s *settings) { s.sleep = sleep }
}

// WithObserver registers a hook called once per HTTP attempt, for metrics.
func WithObserver(observe Observer) Option {
	return func(s *settings) { s.observe = observe }
}

// WithGate makes every HTTP attempt of the client pass through g, which
// the process's other clients share: it bounds the attempts in flight, takes
// turns between units of work (WithShare) and holds everything back after a
// 429. The pause after a 429 lasts its Retry-After (1s when absent), capped
// like any wait the server asks for by WithRetry's maxDelay.
func WithGate(g *Gate) Option {
	return func(s *settings) { s.gate = g }
}

// sleepContext waits for d unless ctx ends first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
