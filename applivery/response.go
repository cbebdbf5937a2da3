package applivery

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// envelope is the wrapper around every Applivery response:
// {"status": true, "data": …} or {"status": false, "error": {…}}.
type envelope struct {
	Status *bool           `json:"status"`
	Data   json.RawMessage `json:"data"`
	Error  *apiError       `json:"error"`
}

type apiError struct {
	Code    flexInt `json:"code"`
	Message string  `json:"message"`
}

// interpret turns a complete HTTP response into success (nil, with out
// filled) or a classified failure.
func (c *Client) interpret(req request, resp *http.Response, body []byte, out any) *failure {
	var env envelope
	decodeErr := json.Unmarshal(body, &env)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.statusFailure(req, resp, body, env, decodeErr)
	}
	if decodeErr == nil && (env.Error != nil || (env.Status != nil && !*env.Status)) {
		// A refusal dressed as success: the server looked at the request and
		// said no, so the outcome is known.
		return &failure{err: c.errorResponse(req, resp, body, env, decodeErr)}
	}
	if err := decodeData(body, env, decodeErr, out); err != nil {
		e := c.errorResponse(req, resp, body, env, decodeErr)
		e.Message = "unreadable response (" + err.Error() + ")" + suffix(e.Message)
		// The server reported success, so a create probably happened even
		// though we cannot tell what it created.
		return &failure{err: e, mayHaveApplied: true}
	}
	return nil
}

// statusFailure classifies a non-2xx response.
func (c *Client) statusFailure(req request, resp *http.Response, body []byte, env envelope, decodeErr error) *failure {
	e := c.errorResponse(req, resp, body, env, decodeErr)
	f := &failure{err: e, retryAfter: e.RetryAfter}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		f.notApplied, f.transient = true, true
	case resp.StatusCode >= 500:
		f.transient, f.mayHaveApplied = true, true
	}
	return f
}

func (c *Client) errorResponse(req request, resp *http.Response, body []byte, env envelope, decodeErr error) *ErrorResponse {
	e := &ErrorResponse{
		StatusCode: resp.StatusCode,
		Method:     req.method,
		Path:       req.path,
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	switch {
	case decodeErr == nil && env.Error != nil:
		e.Code, e.Message = int(env.Error.Code), env.Error.Message
	case decodeErr != nil:
		e.Message = snippet(body)
	}
	e.Message = c.redact(e.Message)
	if e.forbidden() {
		// Applivery does not say which permission is missing (assumed from
		// its error codes; the reference documents no 403 body), but each
		// endpoint needs exactly one.
		e.Permission = req.permission
	}
	return e
}

// decodeData fills out from a successful response. An empty body is fine
// when the caller wants nothing back (e.g. a 204 to a DELETE).
func decodeData(body []byte, env envelope, decodeErr error, out any) error {
	if len(bytes.TrimSpace(body)) == 0 && out == nil {
		return nil
	}
	if decodeErr != nil {
		return errors.New("not JSON")
	}
	if out == nil {
		return nil
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return errors.New("no data")
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return errors.New("unexpected data shape")
	}
	return nil
}

// redact removes the token should a server or proxy echo it back, so no
// error string can ever leak it.
func (c *Client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[redacted]")
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// snippet is a short, single-line, tag-free excerpt of a body that is not
// JSON (typically a proxy's HTML error page), enough to tell what answered.
func snippet(body []byte) string {
	const limit = 120
	if !utf8.Valid(body) {
		body = bytes.ToValidUTF8(body, []byte("?"))
	}
	text := strings.Join(strings.Fields(htmlTag.ReplaceAllString(string(body), " ")), " ")
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	return string([]rune(text)[:limit]) + "…"
}

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// flexInt decodes a number that may arrive as a JSON number or a string.
type flexInt int

func (f *flexInt) UnmarshalJSON(data []byte) error {
	var n json.Number
	if err := json.Unmarshal(data, &n); err == nil {
		if i, err := strconv.Atoi(n.String()); err == nil {
			*f = flexInt(i)
		}
		return nil
	}
	var s string
	if json.Unmarshal(data, &s) == nil {
		if i, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			*f = flexInt(i)
		}
	}
	return nil
}
