package applivery

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// failure is an attempt that did not succeed, with what is known about
// whether the server acted on it. Those facts, not the error type, decide
// retries.
type failure struct {
	err error
	// notApplied: the server certainly did not act on the request (HTTP 429,
	// or the connection was never made), so even a create may be repeated.
	notApplied bool
	// transient: the failure may go away on its own (5xx, network errors,
	// attempt timeouts); worth repeating when repeating is harmless.
	transient bool
	// mayHaveApplied: the server may have acted although we saw a failure.
	// For a create this makes the outcome unknown.
	mayHaveApplied bool
	// mayStillLand: no answer came (a timeout, a connection dropped after
	// the request was written, a gateway's 502 or 504), so the server may
	// still be working on the request and apply it later. An answer, even a
	// 5xx, means the server is done with it.
	mayStillLand bool
	// retryAfter is the wait the server asked for, zero when none.
	retryAfter time.Duration
	// hopeless: no attempt can succeed until an admin acts (a HostError).
	hopeless bool
}

// retryPolicy decides whether and how long to wait before another attempt.
type retryPolicy struct {
	maxAttempts int
	baseDelay   time.Duration
	maxDelay    time.Duration
}

// statusFailure classifies a non-2xx response.
func (c *Client) statusFailure(req request, resp *http.Response, body []byte, env envelope, decodeErr error) *failure {
	e := c.errorResponse(req, resp, body, env, decodeErr)
	f := &failure{err: e}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		f.notApplied, f.transient = true, true
	case resp.StatusCode >= 500:
		f.transient, f.mayHaveApplied = true, true
		f.mayStillLand = gatewayGaveUp(resp.StatusCode, env, decodeErr)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		f.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		e.RetryAfter = f.retryAfter
	}
	return f
}

// gatewayGaveUp reports a 502 or 504 that Applivery itself did not write
// (no body in its JSON envelope): a proxy in front of it stopped waiting,
// and the request may still be running behind it.
func gatewayGaveUp(status int, env envelope, decodeErr error) bool {
	if status != http.StatusBadGateway && status != http.StatusGatewayTimeout {
		return false
	}
	return decodeErr != nil || env.Status == nil
}

// transportFailure classifies an error that left us without a complete
// response. A refused connection never reached the server; anything later
// (timeout, reset, cancel) may have.
func (c *Client) transportFailure(ctx context.Context, req request, err error) *failure {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // its message repeats the URL, query and all
	}
	if hp := hostProblem(hostOf(c.baseURL), err); hp != nil {
		// No request left this process (no address, or a handshake refused before it was sent).
		return &failure{err: fmt.Errorf("applivery: %s %s: %w", req.method, req.path, hp), notApplied: true, hopeless: true}
	}
	f := &failure{err: fmt.Errorf("applivery: %s %s: %w", req.method, req.path, err)}
	if neverConnected(err) {
		f.notApplied = true
		f.transient = ctx.Err() == nil
		return f
	}
	f.mayHaveApplied, f.mayStillLand = true, true
	f.transient = ctx.Err() == nil // an attempt timeout, not the caller giving up
	return f
}

func neverConnected(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// shouldRetry reports whether attempt number attempt (1-based) may be
// followed by another one.
func (p retryPolicy) shouldRetry(method string, attempt int, f *failure) bool {
	if attempt >= p.maxAttempts || f.hopeless {
		return false
	}
	return f.notApplied || (f.transient && isIdempotent(method))
}

// delay is the wait before the attempt after attempt number attempt. A
// server's Retry-After wins (capped at maxDelay, so a hostile or confused
// server cannot park the bot); otherwise the wait grows exponentially with
// "equal jitter" so concurrent invites do not retry in lockstep.
func (p retryPolicy) delay(attempt int, f *failure) time.Duration {
	if f.retryAfter > 0 {
		return min(f.retryAfter, p.maxDelay)
	}
	return jitter(p.backoff(attempt))
}

// backoff is baseDelay doubled per attempt, capped at maxDelay.
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.baseDelay
	for i := 1; i < attempt && d < p.maxDelay; i++ {
		d *= 2
	}
	return min(d, p.maxDelay)
}

// jitter returns a random duration in [d/2, d].
func jitter(d time.Duration) time.Duration {
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(d-half+1)
}

func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// rateLimitPause is how long a 429 holds the gate: its Retry-After, or
// defaultRateLimitPause without one, capped at maxDelay so that a confused
// server cannot park the whole bot.
func (c *Client) rateLimitPause(retryAfter string) time.Duration {
	d := parseRetryAfter(retryAfter, time.Now())
	if d <= 0 {
		d = defaultRateLimitPause
	}
	return min(d, c.retry.maxDelay)
}

// parseRetryAfter reads a Retry-After header given either as seconds or as
// an HTTP date; it returns zero when the header is absent or unusable.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		const longest = int64(24 * time.Hour / time.Second) // avoids overflow; the caller caps far lower
		return time.Duration(min(max(secs, 0), longest)) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now), 0)
	}
	return 0
}

// finalError is what the caller sees when no more attempts will be made.
func finalError(req request, f *failure) error {
	if f.mayHaveApplied && !isIdempotent(req.method) {
		return &outcomeUnknownError{err: f.err, mayStillLand: f.mayStillLand}
	}
	return f.err
}

// interrupted reports that the caller's context ended before the call
// could finish, keeping the last failure (if any) inspectable.
func interrupted(req request, ctxErr error, last *failure) error {
	if last == nil {
		return fmt.Errorf("applivery: %s %s: %w", req.method, req.path, ctxErr)
	}
	return fmt.Errorf("%w (gave up waiting to retry: %w)", finalError(req, last), ctxErr)
}
