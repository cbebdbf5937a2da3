package slackfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Identity of the fake workspace and app. Payloads carry these values the
// way real Slack payloads carry the installing workspace's IDs, so tests can
// assert on them without asking the server.
const (
	teamID            = "T0FAKETEAM"
	teamDomain        = "fake-workspace"
	appID             = "A0FAKEAPP"
	BotUserID         = "U0FAKEBOT"
	botID             = "B0FAKEBOT"
	verificationToken = "fake-verification-token"

	appToken = "xapp-1-test"
	botToken = "xoxb-test"

	defaultCommand      = "/invite-tester"
	defaultPingInterval = time.Second
	// triggerTTL is how long Slack honours a trigger_id.
	triggerTTL = 3 * time.Second
	// maxConnections is how many Socket Mode connections Slack lets an app
	// hold at once.
	maxConnections = 10
)

// Server is a fake Slack. Create it with New; every method is safe for
// concurrent use.
type Server struct {
	t            testing.TB
	http         *httptest.Server
	pingInterval time.Duration
	now          func() time.Time
	enterpriseID string        // the Enterprise Grid organisation of the fake workspace, if any
	minute       time.Duration // Slack's rate-limit minute, scaled by WithMinute
	postBurst    int           // chat.postMessage calls a quiet channel takes at once

	// goroutines tracks the socket goroutines so Close can wait for them.
	goroutines sync.WaitGroup

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	closed  bool
	ids     idSource
	state   state
}

// state is everything the fake remembers; it is guarded by Server.mu.
type state struct {
	tickets     map[string]bool // apps.connections.open tickets, true once used
	sockets     []*socket       // sockets that are still open, oldest first
	connections int             // sockets ever opened
	turn        int             // round-robin counter spreading envelopes over sockets
	pongs       int

	envelopes map[string]*envelope
	pending   []*envelope // waiting for a live socket
	acks      []Ack

	calls        []Call
	messages     []*Message
	posted       []Message // each message as it was posted, before any chat.update
	triggers     map[string]*trigger
	views        map[string]*storedView
	openedViews  []string          // modal view IDs in the order they were opened
	homeViews    map[string]string // user ID -> home view ID
	responseURLs map[string]*responseURL
	// responseURLsBroken makes response_url posts fail at the transport level.
	responseURLsBroken bool
	posts              []ResponsePost
	refusedPosts       int // response_url posts refused as used_url or expired_url

	channels      map[string]*channel
	usergroups    map[string][]string
	usergroupErr  string
	channelErrors map[string]string
	memberErrors  map[string]string // channel ID -> conversations.members error
	rateLimits    map[string]*rateLimit
	failures      map[string]*injectedFailure
	userNames     map[string]string
	users         map[string]User
	limits        limits
	// refuse answers a call with a Slack error code of the test's choosing (see Refuse).
	refuse func(Call) string
}

// Option configures a Server.
type Option func(*Server)

// WithPingInterval sets how often the fake sends WebSocket PING frames, as
// Slack does to keep Socket Mode connections alive. Zero or negative
// disables pings, which lets a test watch the bot detect a dead link.
func WithPingInterval(d time.Duration) Option {
	return func(s *Server) { s.pingInterval = d }
}

// WithEnterprise makes the fake workspace part of an Enterprise Grid organisation: auth.test
// names it, and users.info gives the workspace's users its enterprise_user.
func WithEnterprise(enterpriseID string) Option {
	return func(s *Server) { s.enterpriseID = enterpriseID }
}

// WithClock replaces the wall clock used for trigger_id expiry and for the
// timestamps written into payloads, so tests can expire triggers without
// sleeping. Ack latencies always use the real clock because they measure
// the bot, not the scenario.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// New starts a fake Slack on 127.0.0.1 and closes it when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		t:            t,
		pingInterval: defaultPingInterval,
		now:          time.Now,
		minute:       time.Minute,
		postBurst:    defaultPostBurst,
		changed:      make(chan struct{}),
		state:        newState(),
	}
	for _, opt := range opts {
		opt(s)
	}
	s.http = httptest.NewServer(s.routes())
	t.Cleanup(s.close)
	return s
}

func newState() state {
	return state{
		tickets:       map[string]bool{},
		envelopes:     map[string]*envelope{},
		triggers:      map[string]*trigger{},
		views:         map[string]*storedView{},
		homeViews:     map[string]string{},
		responseURLs:  map[string]*responseURL{},
		channels:      map[string]*channel{},
		usergroups:    map[string][]string{},
		channelErrors: map[string]string{},
		memberErrors:  map[string]string{},
		rateLimits:    map[string]*rateLimit{},
		failures:      map[string]*injectedFailure{},
		userNames:     map[string]string{},
		users:         map[string]User{},
		limits:        newLimits(),
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("/commands/", s.serveResponseURL)
	mux.HandleFunc("/actions/", s.serveResponseURL)
	return mux
}

// APIURL is the Web API base for slack.OptionAPIURL, with the trailing slash
// slack-go expects.
func (s *Server) APIURL() string { return s.http.URL + "/api/" }

// AppToken is the app-level token (xapp-…) that apps.connections.open accepts.
func (s *Server) AppToken() string { return appToken }

// BotToken is the bot token (xoxb-…) that every other Web API method accepts.
func (s *Server) BotToken() string { return botToken }

// wsURL turns the server's http:// base into the ws:// one Slack hands out.
func (s *Server) wsURL() string { return "ws" + strings.TrimPrefix(s.http.URL, "http") }

// notifyLocked wakes every waiter; the caller holds s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// close tears the server down: sockets first so their goroutines end, then
// the HTTP listener, then it waits for the goroutines it started.
func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	sockets := append([]*socket(nil), s.state.sockets...)
	s.notifyLocked()
	s.mu.Unlock()

	for _, sock := range sockets {
		sock.abort()
	}
	s.http.Close()
	s.goroutines.Wait()
}
