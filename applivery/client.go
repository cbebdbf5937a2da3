package applivery

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the public Applivery API.
const DefaultBaseURL = "https://api.applivery.io"

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

// SleepFunc waits for d or until ctx is done, returning ctx.Err() in the
// latter case. Tests replace it to avoid real waiting.
type SleepFunc func(ctx context.Context, d time.Duration) error

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
		opt(&s)
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	base, err := parseBaseURL(s.baseURL)
	if err != nil {
		return nil, err
	}
	s.baseURL = base
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
