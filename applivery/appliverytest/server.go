// Package appliverytest runs an in-memory Applivery API over real HTTP on
// 127.0.0.1, for end-to-end tests of code that uses package applivery.
//
// It follows the real API closely, errors included: a wrong organization,
// store, published app or user id is a 404 with code 3001, a missing token a
// 401 with code 4002, a wrong one a 401 with code 4004, a token without the
// endpoint's permission (see AddToken) a 403 with code 4003, and a
// malformed body or id a 400 with code 6002. Listings of stores,
// publications and OTP users are paginated like the real ones
// (mongoose-paginate, 10 items a page unless a limit is given). It is deliberately strict where the real
// API's exact behaviour is not documented, so client bugs show up here
// rather than in production:
//
//   - ids must be 24 hex characters (use NewID);
//   - creating a second OTP user with the same email (ignoring case) for
//     the same published app is a 400 with code 6001;
//   - the list "email" filter is at most 500 characters, and read in one
//     of two ways (ReadFilterAs), because the reference does not say which
//     is real: as a case-insensitive regular expression, where "+" and "."
//     mean what they mean in a pattern, or as case-insensitive plain text;
//   - a store listing can be made to refuse page and limit, which the
//     reference does not document for it (StoresRefusePaging).
//
// Test controls inject latency, API errors, proxy failures, rate limits,
// creates that commit but answer late or that commit late, and duplicate OTP
// users, and record every request with its arrival time.
package appliverytest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/testerbot/testerbot/applivery"
)

// The organization the server serves and the token it accepts, unless
// AddToken adds others.
const (
	serverOrganization = "acme"
	serverToken        = "test-applivery-token"
)

// Server is a fake Applivery API. It is safe for concurrent use.
type Server struct {
	srv   *httptest.Server
	mux   *http.ServeMux
	orgID string
	done  chan struct{} // closed on cleanup to release waiting handlers

	mu              sync.Mutex
	tokens          map[string]permissions
	stores          map[string]*store
	storeOrder      []string // store ids in the order they were added
	latency         time.Duration
	hangAfterCreate time.Duration
	commitDelay     time.Duration // creates commit this long after arriving
	duplicatesOK    bool          // creates skip the duplicate-email check
	createHooks     []func(applivery.OTPUser)
	injectors       []func(*http.Request) *Fault
	rules           []*failRule
	requests        []Request
	inFlight        int
	maxInFlight     int

	reading       FilterReading // fixed by New
	storesNoPages bool          // fixed by New
}

// Option sets how the server reads what the reference leaves open.
type Option func(*Server)

// FilterReading is how the server reads the OTP-user listing's email
// filter. The reference calls it only "a partial or full email address",
// so code that looks testers up must be right under each, and its tests run
// under each (ForEachFilterReading).
type FilterReading string

const (
	// FilterAsRegex reads the filter as a case-insensitive regular
	// expression, as a MongoDB $regex search would: "a+b" matches "aab".
	FilterAsRegex FilterReading = "regex"
	// FilterAsText reads the filter as case-insensitive plain text that the
	// address contains: "a+b" matches "a+b" only.
	FilterAsText FilterReading = "text"
)

// FilterReadings are every reading of the email filter.
var FilterReadings = []FilterReading{FilterAsRegex, FilterAsText}

// ReadFilterAs sets how the server reads the email filter (by default as a
// regular expression).
func ReadFilterAs(r FilterReading) Option {
	return func(s *Server) { s.reading = r }
}

// StoresRefusePaging makes the store listing refuse page and limit with a
// 400, as a server that takes no such parameters there might, and answer
// every store on one page without them.
func StoresRefusePaging() Option {
	return func(s *Server) { s.storesNoPages = true }
}

// ForEachFilterReading runs test as a subtest under each reading of the
// email filter, named after it.
func ForEachFilterReading(t *testing.T, test func(t *testing.T, reading FilterReading)) {
	t.Helper()
	for _, r := range FilterReadings {
		t.Run("filter="+string(r), func(t *testing.T) { test(t, r) })
	}
}

// New starts a fake Applivery that is shut down when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		orgID:   NewID(),
		done:    make(chan struct{}),
		tokens:  map[string]permissions{serverToken: nil},
		stores:  make(map[string]*store),
		reading: FilterAsRegex,
	}
	for _, opt := range opts {
		opt(s)
	}
	s.mux = s.routes()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// URL is the base URL to give applivery.WithBaseURL.
func (s *Server) URL() string { return s.srv.URL }

// Token is the token the server accepts.
func (s *Server) Token() string { return serverToken }

// Organization is the organization slug the server serves.
func (s *Server) Organization() string { return serverOrganization }

// permissions are what a token may do, by name (see the applivery
// Permission constants); nil grants everything.
type permissions map[string]bool

// AddToken makes the server accept another token that holds only the given
// permissions. A call needing any other is refused with HTTP 403 and code
// 4003, as Applivery refuses a service account that lacks a permission.
func (s *Server) AddToken(token string, granted ...string) {
	perms := permissions{}
	for _, p := range granted {
		perms[p] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = perms
}

// Client returns a real client for this server with the valid token, the
// four attempts of a default client but no waiting between them (not even
// for a Retry-After, which the retry policy caps at its longest wait), and
// any extra options.
func (s *Server) Client(t testing.TB, opts ...applivery.Option) *applivery.Client {
	t.Helper()
	base := []applivery.Option{
		applivery.WithBaseURL(s.URL()),
		applivery.WithToken(serverToken),
		applivery.WithRetry(4, 0, 0),
	}
	c, err := applivery.NewClient(serverOrganization, append(base, opts...)...)
	if err != nil {
		t.Fatalf("appliverytest: client: %v", err)
	}
	return c
}

// serveHTTP records the request, applies latency and faults, then serves
// it like the real API.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.begin(r, body)
	defer s.end()

	if !s.wait(r, s.currentLatency()) {
		return
	}
	fault := s.faultFor(r)
	switch {
	case fault == nil:
		s.mux.ServeHTTP(w, r)
	case fault.AfterCommit:
		s.mux.ServeHTTP(httptest.NewRecorder(), r)
		fault.write(w)
	default:
		fault.write(w)
	}
}

// wait pauses for d unless the client goes away or the server shuts down;
// it reports whether the full wait elapsed.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	return s.sleep(d, r.Context().Done())
}

// sleep pauses for d unless gone (nil for never) is closed or the server
// shuts down; it reports whether the full wait elapsed.
func (s *Server) sleep(d time.Duration, gone <-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-gone:
		return false
	case <-s.done:
		return false
	}
}

func (s *Server) currentLatency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}
