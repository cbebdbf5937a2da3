package applivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

// appBody is a publication as GetPublishedApp reads it.
const appBody = `{"status":true,"data":{"id":"` + appID + `","slug":"beta"}}`

var storePath = "/v1/organizations/" + testOrg + "/stores/" + storeID

// pagedUsers serves emails as a mongoose-paginate listing, honouring page
// and limit like the real API.
func pagedUsers(emails []string) http.HandlerFunc {
	return pagedUsersWithout(emails)
}

// pagedUsersWithout is pagedUsers leaving the given members out of every
// page, as servers that do not send them would.
func pagedUsersWithout(emails []string, omit ...string) http.HandlerFunc {
	items := make([]map[string]any, len(emails))
	for i, email := range emails {
		items[i] = map[string]any{"id": fmt.Sprintf("%024x", i), "email": email, "publishedApplicationId": appID}
	}
	return pagedItems(items, omit...)
}

// pagedItems serves items as a mongoose-paginate listing, leaving the given
// members out of every page.
func pagedItems(all []map[string]any, omit ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit < 1 {
			limit = 10
		}
		start, end := min((page-1)*limit, len(all)), min(page*limit, len(all))
		totalPages := max(1, (len(all)+limit-1)/limit)
		var next any
		if page < totalPages {
			next = page + 1
		}
		data := map[string]any{
			"items": all[start:end], "totalDocs": len(all), "limit": limit, "page": page, "totalPages": totalPages,
			"hasNextPage": page < totalPages, "nextPage": next, "hasPrevPage": page > 1, "prevPage": nil,
		}
		for _, key := range omit {
			delete(data, key)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": true, "data": data})
	}
}

func emails(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tester%02d@example.com", i)
	}
	return out
}

func TestNewClientRejectsMisconfiguration(t *testing.T) {
	cases := map[string]struct {
		org  string
		opts []applivery.Option
	}{
		"empty organization":   {org: " "},
		"relative base URL":    {org: testOrg, opts: []applivery.Option{applivery.WithBaseURL("api.applivery.io")}},
		"non-http base URL":    {org: testOrg, opts: []applivery.Option{applivery.WithBaseURL("ftp://api.applivery.io")}},
		"unparseable base URL": {org: testOrg, opts: []applivery.Option{applivery.WithBaseURL("http://[::1")}},
		"base URL with query":  {org: testOrg, opts: []applivery.Option{applivery.WithBaseURL("https://x.io/?a=b")}},
		"zero attempts":        {org: testOrg, opts: []applivery.Option{applivery.WithRetry(0, time.Second, time.Second)}},
		"max below base delay": {org: testOrg, opts: []applivery.Option{applivery.WithRetry(3, time.Second, time.Millisecond)}},
		"zero timeout":         {org: testOrg, opts: []applivery.Option{applivery.WithTimeout(0)}},
		"empty user agent":     {org: testOrg, opts: []applivery.Option{applivery.WithUserAgent(" ")}},
		"nil HTTP client":      {org: testOrg, opts: []applivery.Option{applivery.WithHTTPClient(nil)}},
		"HTTP client timeout below the attempt's": {org: testOrg, opts: []applivery.Option{
			applivery.WithHTTPClient(&http.Client{Timeout: time.Second}), applivery.WithTimeout(5 * time.Second)}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := applivery.NewClient(tc.org, tc.opts...)
			assert.Error(t, err)
			assert.Nil(t, c)
		})
	}
}

// countingTransport counts the requests it carries.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestWithHTTPClientCarriesEveryRequestButNoRedirectElsewhere(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("the redirect to another host was followed")
	}))
	defer elsewhere.Close()
	s := newStub(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	transport := &countingTransport{}
	followAll := func(*http.Request, []*http.Request) error { return nil } // the caller's policy would follow anything
	c, _ := newTestClient(t, s, applivery.WithHTTPClient(&http.Client{Transport: transport, CheckRedirect: followAll}))

	_, err := c.GetStore(context.Background(), storeID)
	require.Error(t, err)
	assert.Equal(t, int32(1), transport.n.Load(), "one request, through the caller's transport")
}

func TestNewClientDefaultsToPublicAPI(t *testing.T) {
	c, err := applivery.NewClient(testOrg)
	require.NoError(t, err)
	assert.NotNil(t, c)
}

func TestPathSegmentsAreEscaped(t *testing.T) {
	s := newStub(t, respond(200, appBody))
	c, _ := newTestClient(t, s)

	_, err := c.GetPublishedApp(context.Background(), "store/../x", "a b?c")
	require.NoError(t, err)

	req := s.last(t)
	assert.Equal(t, http.MethodGet, req.Method)
	assert.Equal(t, "/v1/organizations/acme/stores/store%2F..%2Fx/pubApps/a%20b%3Fc", req.RawPath)
	assert.Empty(t, req.Query)
	assert.Empty(t, req.Header.Get("Content-Type"), "no body, no content type")
}

func TestBaseURLPathPrefixIsKept(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"id":"`+storeID+`"}}`))
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL(s.URL+"/proxy/"), applivery.WithToken(testToken))
	require.NoError(t, err)

	_, err = c.GetStore(context.Background(), storeID)
	require.NoError(t, err)
	assert.Equal(t, "/proxy"+storePath, s.last(t).Path)
	assert.Equal(t, "testerbot", s.last(t).Header.Get("User-Agent"))
}

func TestNoAuthorizationHeaderWithoutToken(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"id":"`+storeID+`"}}`))
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL(s.URL))
	require.NoError(t, err)

	_, err = c.GetStore(context.Background(), storeID)
	require.NoError(t, err)
	assert.Empty(t, s.last(t).Header.Values("Authorization"))
}

func TestObserverSeesEveryAttempt(t *testing.T) {
	s := newStub(t, sequence(respond(503, `{}`), respond(200, `{"status":true,"data":{}}`)))
	type attempt struct {
		method, route string
		status        int
	}
	var got []attempt
	c, _ := newTestClient(t, s, applivery.WithObserver(func(method, route string, status int, d time.Duration) {
		assert.GreaterOrEqual(t, d, time.Duration(0))
		got = append(got, attempt{method, route, status})
	}))

	require.NoError(t, c.DeleteOTPUser(context.Background(), storeID, userID))
	assert.Equal(t, []attempt{{"DELETE", "otp-users/{id}", 503}, {"DELETE", "otp-users/{id}", 200}}, got)
}

func TestObserverReportsStatusZeroWithoutResponse(t *testing.T) {
	s := newStub(t, respond(200, `{}`))
	url := s.URL
	s.Close() // nothing listens any more
	var statuses []int
	var routes []string
	c, err := applivery.NewClient(testOrg, applivery.WithBaseURL(url), applivery.WithRetry(1, 0, 0),
		applivery.WithObserver(func(_, route string, status int, _ time.Duration) {
			statuses = append(statuses, status)
			routes = append(routes, route)
		}))
	require.NoError(t, err)

	_, err = c.GetStore(context.Background(), storeID)
	require.Error(t, err)
	assert.Equal(t, []int{0}, statuses)
	assert.Equal(t, []string{"store"}, routes)
}

func TestListAllOTPUsersWalksWithoutHasNextPage(t *testing.T) {
	cases := map[string][]string{
		"by totalPages":          {"hasNextPage", "nextPage"},
		"by totalDocs":           {"hasNextPage", "nextPage", "totalPages"},
		"by totalDocs, no limit": {"hasNextPage", "nextPage", "totalPages", "limit"},
		"hasNextPage alone":      {"totalPages", "totalDocs", "nextPage"},
	}
	for name, omit := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, pagedUsersWithout(emails(23), omit...))
			c, _ := newTestClient(t, s)

			users, _, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Limit: 10}, 0)
			require.NoError(t, err)
			require.Len(t, users, 23)
			assert.Equal(t, "tester22@example.com", users[22].Email)
			assert.Len(t, s.requests(), 3, "no page is asked for beyond the last")
		})
	}
}

func TestListAllOTPUsersStopsWhenNothingSaysThereIsMore(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"items":[{"id":"`+userID+`","email":"ada@example.com"}],"page":1}}`))
	c, _ := newTestClient(t, s)

	users, _, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{}, 0)
	require.NoError(t, err)
	assert.Len(t, users, 1)
	assert.Len(t, s.requests(), 1)
}

func TestListAllOTPUsersSurvivesAnEmptyPageClaimingMore(t *testing.T) {
	for name, body := range map[string]string{
		"hasNextPage": `{"items":[],"totalDocs":5,"page":1,"hasNextPage":true,"nextPage":1}`,
		"totalPages":  `{"items":[],"totalDocs":5,"page":1,"totalPages":3}`,
		"totalDocs":   `{"items":[],"totalDocs":5,"page":1}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, respond(200, `{"status":true,"data":`+body+`}`))
			c, _ := newTestClient(t, s)

			users, total, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{}, 0)
			require.NoError(t, err)
			assert.Empty(t, users)
			assert.Equal(t, 5, total)
			assert.Len(t, s.requests(), 1)
		})
	}
}
