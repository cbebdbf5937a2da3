package applivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/testerbot/testerbot/internal/wait"
)

// defaultBaseURL is the public Applivery API.
const defaultBaseURL = "https://api.applivery.io"

// Defaults chosen for an interactive bot: a user waits in Slack, so a
// request gives up after a few attempts and well under a minute.
const (
	defaultUserAgent   = "testerbot"
	defaultTimeout     = 10 * time.Second
	defaultMaxAttempts = 4
	defaultBaseDelay   = 500 * time.Millisecond
	defaultMaxDelay    = 10 * time.Second
)

// Observer is told about every HTTP attempt, for metrics. route is a
// low-cardinality template such as "otp-users/{id}"; status is 0 when no
// response arrived.
type Observer func(method, route string, status int, d time.Duration)

// Client talks to one Applivery organization. It is safe for concurrent
// use.
type Client struct {
	settings     // as validated by NewClient; baseURL without trailing slash
	organization string
}

// NewClient returns a client for the organization identified by its slug
// (or id). It fails when the organization is empty or an option is
// invalid, so that misconfiguration surfaces at start-up, not on the first
// invite.
func NewClient(organization string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(organization) == "" {
		return nil, errors.New("applivery: organization is required")
	}
	s := defaultSettings()
	for _, opt := range opts {
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: s.timeout}
	}
	s.http = withSameOriginRedirects(s.http)
	return &Client{settings: s, organization: organization}, nil
}

// parseBaseURL accepts an absolute http(s) URL, optionally with a path
// prefix (for a proxy), and returns it without a trailing slash.
func parseBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("applivery: base URL is not a valid URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("applivery: base URL must be an absolute http or https URL")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("applivery: base URL must not carry a query, fragment or credentials")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// Option configures a Client. An option refuses a value it cannot use, and
// NewClient returns that error.
type Option func(*settings) error

// settings collects options before NewClient validates them.
type settings struct {
	baseURL   string
	token     string
	userAgent string
	timeout   time.Duration
	retry     retryPolicy
	sleep     func(context.Context, time.Duration) error // wait.Sleep; tests record the waits instead
	observe   Observer
	gate      *Gate        // nil: no limit shared with other clients
	http      *http.Client // nil until NewClient: a client of its own with the timeout
}

func defaultSettings() settings {
	return settings{
		baseURL:   defaultBaseURL, // valid: parseBaseURL would return it as it is
		userAgent: defaultUserAgent,
		timeout:   defaultTimeout,
		retry: retryPolicy{
			maxAttempts: defaultMaxAttempts,
			baseDelay:   defaultBaseDelay,
			maxDelay:    defaultMaxDelay,
		},
		sleep: wait.Sleep,
	}
}

// validate checks what no single option can: the timeout against a client
// of the caller's own.
func (s settings) validate() error {
	if s.http != nil && s.http.Timeout > 0 && s.http.Timeout < s.timeout {
		return errors.New("applivery: the HTTP client's timeout is shorter than the attempt timeout")
	}
	return nil
}

// WithBaseURL points the client at another API host, such as a fake server
// in tests. A path prefix is kept.
func WithBaseURL(baseURL string) Option {
	return func(s *settings) error {
		base, err := parseBaseURL(baseURL)
		s.baseURL = base
		return err
	}
}

// WithToken sets the service-account token sent as a Bearer token.
func WithToken(token string) Option {
	return func(s *settings) error {
		s.token = token
		return nil
	}
}

// WithUserAgent overrides the User-Agent (default "testerbot").
func WithUserAgent(userAgent string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(userAgent) == "" {
			return errors.New("applivery: user agent must not be empty")
		}
		s.userAgent = userAgent
		return nil
	}
}

// WithTimeout bounds each HTTP attempt (default 10s). The whole call is
// bounded by the caller's context.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return errors.New("applivery: timeout must be positive")
		}
		s.timeout = d
		return nil
	}
}

// WithRetry sets how many attempts a call makes in total (1 disables
// retries) and the bounds of the jittered exponential backoff between
// them. maxDelay also caps how long a Retry-After is honoured.
func WithRetry(maxAttempts int, baseDelay, maxDelay time.Duration) Option {
	return func(s *settings) error {
		switch {
		case maxAttempts < 1:
			return errors.New("applivery: retry needs at least one attempt")
		case baseDelay < 0 || maxDelay < baseDelay:
			return errors.New("applivery: retry delays must satisfy 0 <= base <= max")
		}
		s.retry = retryPolicy{maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: maxDelay}
		return nil
	}
}

// WithObserver registers a hook called once per HTTP attempt, for metrics.
func WithObserver(observe Observer) Option {
	return func(s *settings) error {
		s.observe = observe
		return nil
	}
}

// WithHTTPClient makes the requests with c, e.g. for a proxy or a transport
// of one's own. The client is copied, and its redirect policy wrapped so
// that no redirect leaves the API's scheme and host whatever c allows. By
// default the client has an http.Client of its own whose timeout is the
// attempt timeout (WithTimeout), over Go's default transport.
func WithHTTPClient(c *http.Client) Option {
	return func(s *settings) error {
		if c == nil {
			return errors.New("applivery: the HTTP client must not be nil")
		}
		s.http = c
		return nil
	}
}

// WithGate makes every HTTP attempt of the client pass through g, which
// the process's other clients share: it bounds the attempts in flight, takes
// turns between units of work (WithShare) and holds everything back after a
// 429. The pause after a 429 lasts its Retry-After (1s when absent), capped
// like any wait the server asks for by WithRetry's maxDelay.
func WithGate(g *Gate) Option {
	return func(s *settings) error {
		s.gate = g
		return nil
	}
}

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

// orgPath is the escaped path of a resource of the organization. Every
// segment is escaped so an id can never reach another resource.
func (c *Client) orgPath(segments ...string) string {
	var b strings.Builder
	b.WriteString("/v1/organizations/")
	b.WriteString(url.PathEscape(c.organization))
	for _, s := range segments {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// storePath is the escaped path of a store and, optionally, of resources
// under it.
func (c *Client) storePath(storeID string, segments ...string) string {
	return c.orgPath(append([]string{"stores", storeID}, segments...)...)
}

func encodeBody(body any) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	return json.Marshal(body)
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

// maxResponseBytes bounds how much of a response is read, so a broken
// proxy cannot make the bot buffer an endless body.
const maxResponseBytes = 8 << 20

// fetch performs req and returns the "data" of its response decoded as a T.
func fetch[T any](ctx context.Context, c *Client, req request) (*T, error) {
	var v T
	if err := c.do(ctx, req, &v); err != nil {
		return nil, err
	}
	return &v, nil
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

// withSameOriginRedirects is a copy of c whose redirect policy follows a redirect only to the
// same scheme and host, then applies c's own. One elsewhere (an https API sent to http, or to
// another host, where the token or an invite would go) is not followed: the redirect itself is
// the answer, an error like any other non-2xx.
func withSameOriginRedirects(c *http.Client) *http.Client {
	copied := *c
	own := c.CheckRedirect
	copied.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := sameOrigin(req, via); err != nil || own == nil {
			return err
		}
		return own(req, via)
	}
	return &copied
}

// maxRedirects is how many redirects within the API's own host one request follows.
const maxRedirects = 5

func sameOrigin(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host) || len(via) > maxRedirects {
		return http.ErrUseLastResponse
	}
	return nil
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
	resp, err := c.http.Do(httpReq)
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
		f := transportFailure(ctx, req, err)
		// The status line came, so the server has finished with the request,
		// unless a gateway wrote it.
		f.mayStillLand = gatewayGaveUp(resp.StatusCode, envelope{}, err)
		return f
	}
	return c.interpret(req, resp, body, out)
}

func (c *Client) notify(req request, status int, start time.Time) {
	if c.observe != nil {
		c.observe(req.method, req.route, status, time.Since(start))
	}
}

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

func (c *Client) errorResponse(req request, resp *http.Response, body []byte, env envelope, decodeErr error) *ErrorResponse {
	e := &ErrorResponse{StatusCode: resp.StatusCode, method: req.method, path: req.path}
	switch {
	case decodeErr == nil && env.Error != nil:
		e.Code, e.Message = int(env.Error.Code), env.Error.Message
	case decodeErr != nil:
		e.Message = c.snippet(body)
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

// redact removes the token should a server or proxy echo it back, and
// anything shaped like a credential whatever its value (an Authorization
// header's "Bearer …", a Slack xox… or xapp-… token), so no error string can
// ever leak one.
func (c *Client) redact(s string) string {
	if c.token != "" {
		s = strings.ReplaceAll(s, c.token, "[redacted]")
	}
	return secretShaped.ReplaceAllStringFunc(s, func(secret string) string {
		if scheme, _, ok := strings.Cut(secret, " "); ok && strings.EqualFold(scheme, "bearer") {
			return scheme + " [redacted]" // what was there stays readable
		}
		return "[redacted]"
	})
}

// secretShaped matches what looks like a credential: "Bearer" and what follows it, and
// Slack's token shapes (xoxb-, xoxp-, xoxe.xoxp-…, xapp-…).
var secretShaped = regexp.MustCompile(`(?i)\bbearer\s+[^\s"',;<>]+|\bxox[a-z0-9.]*-[a-z0-9._-]+|\bxapp-[a-z0-9._-]+`)

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// snippet is a short, single-line, tag-free excerpt of a body that is not
// JSON (typically a proxy's HTML error page), enough to tell what answered.
// It is redacted before it is cut, so no secret straddling the cut can leak
// in part, and again after the tags go, in case they split one.
func (c *Client) snippet(body []byte) string {
	const limit = 120
	if !utf8.Valid(body) {
		body = bytes.ToValidUTF8(body, []byte("?"))
	}
	text := c.redact(string(body))
	text = c.redact(strings.Join(strings.Fields(htmlTag.ReplaceAllString(text, " ")), " "))
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

// Page is one page of a listing, in Applivery's mongoose-paginate shape.
type Page[T any] struct {
	Items      []T `json:"items"`
	TotalDocs  int `json:"totalDocs"`
	Limit      int `json:"limit"`
	Page       int `json:"page"`
	TotalPages int `json:"totalPages"`
	// HasNextPage is nil when the server did not say; walking a listing then
	// goes by TotalPages or TotalDocs.
	HasNextPage *bool `json:"hasNextPage"`
	NextPage    int   `json:"nextPage"` // 0 when there is no next page
}

// walkPages hands the pages of a listing, from page number first on, to
// visit until visit returns false or the listing ends. getPage gets one
// page by number; limit is the page size it asks for (0 for the server's
// default).
func walkPages[T any](ctx context.Context, first, limit int, getPage func(context.Context, int) (*Page[T], error), visit func(*Page[T]) bool) error {
	n := max(first, 1)
	for {
		page, err := getPage(ctx, n)
		if err != nil {
			return err
		}
		if !visit(page) || !page.hasMore(n, limit) {
			return nil
		}
		n = page.nextNumber(n)
	}
}

// hasMore says whether page number n, asked for with the given limit, has a
// successor. hasNextPage decides when the server sent it; otherwise
// totalPages, then totalDocs. An empty page always ends the walk: one that
// claims a successor would loop forever.
func (p *Page[T]) hasMore(n, limit int) bool {
	switch {
	case len(p.Items) == 0:
		return false
	case p.HasNextPage != nil:
		return *p.HasNextPage
	case p.TotalPages > 0:
		return n < p.TotalPages
	default:
		// Every page before this one was full.
		size := firstPositive(p.Limit, limit, len(p.Items))
		return (n-1)*size+len(p.Items) < p.TotalDocs
	}
}

// nextNumber trusts the server's nextPage only when it moves forward.
func (p *Page[T]) nextNumber(current int) int {
	if p.NextPage > current {
		return p.NextPage
	}
	return current + 1
}

func firstPositive(values ...int) int {
	for _, v := range values {
		if v > 0 {
			return v
		}
	}
	return 0
}

// Helpers for reading Applivery's JSON leniently. The API has changed
// shape over the years ("_id" vs "id", references as ids or objects), and
// a bot should not break on an informational field it does not need.

// jsonTime is an RFC 3339 timestamp that leaves itself unset for anything
// that is not a valid timestamp (null, "", numbers): dates are
// informational, so a surprising one must not make a whole response
// unreadable.
type jsonTime struct{ time.Time }

func (j *jsonTime) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) != nil {
		return nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		j.Time = t
	}
	return nil
}

func timePointer(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ref is a reference to another resource, sent either as its id or as the
// resource itself ({"id" or "_id": …, "name": …}). A member of an
// unexpected type is left empty.
type ref struct{ id, name string }

func (r *ref) UnmarshalJSON(data []byte) error {
	if json.Unmarshal(data, &r.id) == nil {
		return nil
	}
	var resource struct {
		ID      string `json:"id"`
		MongoID string `json:"_id"`
		Name    string `json:"name"`
	}
	_ = json.Unmarshal(data, &resource) // keeps the members it could read
	*r = ref{id: firstNonEmpty(resource.ID, resource.MongoID), name: resource.Name}
	return nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
