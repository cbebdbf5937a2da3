package applivery_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

const (
	testOrg   = "acme"
	testToken = "sk_live_do-not-leak-4f9a"
	storeID   = "5f2b1c9e8d7a6b5c4d3e2f10"
	appID     = "6a1b2c3d4e5f60718293a4b5"
	userID    = "7b2c3d4e5f60718293a4b5c6"
)

// seen is what a test server observed about one request.
type seen struct {
	Method  string
	Path    string // decoded
	RawPath string // as sent, escapes intact
	Query   url.Values
	Header  http.Header
	Body    string
}

// stub is an httptest server that records requests and answers with the
// handler of the current test.
type stub struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newStub(t *testing.T, handler http.HandlerFunc) *stub {
	t.Helper()
	s := &stub{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, seen{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(),
			Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body),
		})
		s.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *stub) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func (s *stub) last(t *testing.T) seen {
	t.Helper()
	reqs := s.requests()
	require.NotEmpty(t, reqs, "no request reached the server")
	return reqs[len(reqs)-1]
}

// sleeps records the waits a client asked for instead of waiting.
type sleeps struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// newTestClient is a client for the stub with the test token and recorded
// (not real) waits.
func newTestClient(t *testing.T, s *stub, opts ...applivery.Option) (*applivery.Client, *sleeps) {
	t.Helper()
	waits := &sleeps{}
	base := []applivery.Option{
		applivery.WithBaseURL(s.URL),
		applivery.WithToken(testToken),
		applivery.WithSleep(waits.sleep),
	}
	c, err := applivery.NewClient(testOrg, append(base, opts...)...)
	require.NoError(t, err)
	return c, waits
}

// respond writes a fixed status and body.
func respond(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// sequence answers successive requests with successive handlers, repeating
// the last one.
func sequence(handlers ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := handlers[min(n, len(handlers)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

const userJSON = `{"id":"` + userID + `","organizationId":"5e0000000000000000000001","storeId":"` + storeID + `",
	"publishedApplicationId":"` + appID + `","email":"Ada@Example.com","allowedDownloadsNum":-1,
	"lastLoginDate":null,"lastDownloadDate":"2026-03-02T10:00:00.000Z",
	"createdAt":"2026-03-01T09:30:00.123Z","updatedAt":"2026-03-01T09:30:00.123Z","futureField":{"x":1}}`

var storePath = "/v1/organizations/" + testOrg + "/stores/" + storeID
