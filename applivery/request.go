package applivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// maxResponseBytes bounds how much of a response is read, so a broken
// proxy cannot make the bot buffer an endless body.
const maxResponseBytes = 8 << 20

// request describes one API call independently of its attempts.
type request struct {
	method string
	route  string // low-cardinality name for the observer, e.g. "otp-users/{id}"
	path   string // escaped URL path
	query  url.Values
	body   any // JSON-encoded when non-nil
	// permission is what the token needs for this call, reported when the
	// API refuses it for lack of permission.
	permission string
}

// do performs req, retrying as the retry policy allows, and decodes the
// "data" member of the response into out (which may be nil).
func (c *Client) do(ctx context.Context, req request, out any) error {
	payload, err := encodeBody(req.body)
	if err != nil {
		return fmt.Errorf("applivery: %s %s: encoding body: %w", req.method, req.path, err)
	}
	var last *failure
	uncertain := false // an earlier attempt may have been applied
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return interrupted(req, err, last)
		}
		release, err := c.gate.acquire(ctx)
		if err != nil {
			return interrupted(req, err, last)
		}
		f := c.attempt(ctx, req, payload, out)
		release()
		if f == nil {
			return nil
		}
		if uncertain && req.method == http.MethodDelete && errors.Is(f.err, ErrNotFound) {
			// The earlier attempt most likely did the deleting: the
			// resource is gone, which is what the caller asked for.
			return nil
		}
		uncertain = uncertain || f.mayHaveApplied
		last = f
		if !c.retry.shouldRetry(req.method, attempt, f) {
			return finalError(req, f)
		}
		if err := c.sleep(ctx, c.retry.delay(attempt, f)); err != nil {
			return interrupted(req, err, last)
		}
	}
}

// attempt makes one HTTP exchange; it returns nil on success.
func (c *Client) attempt(ctx context.Context, req request, payload []byte, out any) *failure {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	httpReq, err := c.newHTTPRequest(actx, req, payload)
	if err != nil {
		return &failure{err: fmt.Errorf("applivery: %s %s: %w", req.method, req.path, err)}
	}
	start := time.Now()
	resp, err := c.httpClient.Do(httpReq)
	if err != nil {
		c.notify(req, 0, start)
		return transportFailure(ctx, req, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if resp.StatusCode == http.StatusTooManyRequests {
		// Before anything else, so that no attempt of this process starts
		// inside the window Applivery asked for.
		c.gate.pause(c.rateLimitPause(resp.Header.Get("Retry-After")))
	}
	c.notify(req, resp.StatusCode, start)
	if err != nil {
		return transportFailure(ctx, req, err)
	}
	return c.interpret(req, resp, body, out)
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

func (c *Client) newHTTPRequest(ctx context.Context, req request, payload []byte) (*http.Request, error) {
	target := c.baseURL + req.path
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	httpReq, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return nil, err
	}
	httpReq.Header.Set("Accept", "application/json")
	httpReq.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		httpReq.Header.Set("Authorization", "Bearer "+c.token)
	}
	return httpReq, nil
}

func (c *Client) notify(req request, status int, start time.Time) {
	if c.observe != nil {
		c.observe(req.method, req.route, status, time.Since(start))
	}
}

// transportFailure classifies an error that left us without a complete
// response. A refused connection never reached the server; anything later
// (timeout, reset, cancel) may have.
func transportFailure(ctx context.Context, req request, err error) *failure {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // its message repeats the URL, query and all
	}
	f := &failure{err: fmt.Errorf("applivery: %s %s: %w", req.method, req.path, err)}
	if neverConnected(err) {
		f.notApplied = true
		f.transient = ctx.Err() == nil
		return f
	}
	f.mayHaveApplied = true
	f.transient = ctx.Err() == nil // an attempt timeout, not the caller giving up
	return f
}

func neverConnected(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// finalError is what the caller sees when no more attempts will be made.
func finalError(req request, f *failure) error {
	if f.mayHaveApplied && !isIdempotent(req.method) {
		return &outcomeUnknownError{err: f.err}
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

func encodeBody(body any) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	return json.Marshal(body)
}
