package outbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/internal/outbox"
	"github.com/testerbot/testerbot/internal/store/storetest"
	"github.com/testerbot/testerbot/internal/testlog"
)

// memSlack is Slack as the sender sees it, in memory: it records each call and answers with the
// errors a test scripts.
type memSlack struct {
	mu      sync.Mutex
	posts   []post
	updates map[string]string // ts → text
	lookups map[string]int
	members map[string]string // email → user id
	fail    map[string][]error
	refused bool
	n       int
}

type post struct{ channel, thread, text string }

func newMemSlack() *memSlack {
	return &memSlack{updates: map[string]string{}, lookups: map[string]int{}, members: map[string]string{}, fail: map[string][]error{}}
}

// failNext makes the next calls to what ("post C1", "update", "lookup") fail with errs, in turn.
func (m *memSlack) failNext(what string, errs ...error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail[what] = append(m.fail[what], errs...)
}

func (m *memSlack) failure(what string) error {
	if m.refused {
		return slack.SlackErrorResponse{Err: "token_revoked"}
	}
	if errs := m.fail[what]; len(errs) > 0 {
		m.fail[what] = errs[1:]
		return errs[0]
	}
	return nil
}

func (m *memSlack) Post(_ context.Context, channel, thread, text string, _ json.RawMessage) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failure("post " + channel); err != nil {
		return "", err
	}
	m.n++
	m.posts = append(m.posts, post{channel, thread, text})
	return fmt.Sprintf("1700000000.%06d", m.n), nil
}

func (m *memSlack) Update(_ context.Context, _, ts, text string, _ json.RawMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failure("update"); err != nil {
		return err
	}
	m.updates[ts] = text
	return nil
}

func (m *memSlack) Respond(context.Context, string, string, json.RawMessage) error { return nil }

func (m *memSlack) LookupEmail(_ context.Context, email string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failure("lookup"); err != nil {
		return "", err
	}
	m.lookups[email]++
	return m.members[email], nil
}

func (m *memSlack) AuthTest(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.refused {
		return slack.SlackErrorResponse{Err: "token_revoked"}
	}
	return nil
}

func (m *memSlack) sent() []post {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]post(nil), m.posts...)
}

// fast is a pace that keeps Slack's shape at a hundredth of its time.
var fast = outbox.Pace{PostEvery: 10 * time.Millisecond, PostBurst: 3, TierBurst: 5, Minute: 600 * time.Millisecond,
	PerMinute: map[string]int{"chat.update": 50, "users.lookupByEmail": 50}}

type failedCall struct {
	key, code string
}

type harness struct {
	*outbox.Outbox
	slack  *memSlack
	failed chan failedCall
}

func start(t *testing.T, db outbox.Store, sl *memSlack) *harness {
	t.Helper()
	h := &harness{slack: sl, failed: make(chan failedCall, 100)}
	h.Outbox = outbox.New(db, sl, outbox.Options{Pace: fast, Poll: 20 * time.Millisecond, ProbeEvery: 20 * time.Millisecond,
		Backoff: 10 * time.Millisecond,
		Failed:  func(_ context.Context, r outbox.Record, code string) { h.failed <- failedCall{r.Key, code} }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func drain(t *testing.T, h *harness) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.Drain(ctx))
}

func enqueue(t *testing.T, h *harness, m outbox.Message) outbox.Record {
	t.Helper()
	r, err := h.Enqueue(t.Context(), m)
	require.NoError(t, err)
	return r
}

func TestThreadInOrderAfterItsParentAndEditsCollapse(t *testing.T) {
	t.Parallel()
	sl := newMemSlack()
	sl.failNext("post C1", &slack.RateLimitedError{RetryAfter: 50 * time.Millisecond}) // the parent waits once
	h := start(t, storetest.Open(t, storetest.SQLite(t)), sl)
	enqueue(t, h, outbox.Message{Key: "r1:parent", Channel: "C1", Text: "inviting", Priority: outbox.PriorityParent})
	for i := range 5 {
		enqueue(t, h, outbox.Message{Key: fmt.Sprintf("r1:group%d", i), Channel: "C1", ThreadOf: "r1:parent", Text: fmt.Sprintf("group %d", i)})
	}
	for i := range 20 {
		enqueue(t, h, outbox.Message{Key: "r1:edit", Kind: outbox.Update, Channel: "C1", EditOf: "r1:parent", Replace: true,
			Text: fmt.Sprintf("%d of 20 done", i+1)})
	}
	drain(t, h)
	posts := sl.sent()
	require.Len(t, posts, 6)
	assert.Equal(t, "inviting", posts[0].text)
	for i, p := range posts[1:] {
		assert.Equal(t, fmt.Sprintf("group %d", i), p.text, "the thread keeps its order")
		assert.Equal(t, "1700000000.000001", p.thread, "each group is in the parent's thread")
	}
	assert.Equal(t, "20 of 20 done", sl.updates["1700000000.000001"], "the latest edit lands")
}

func TestARateLimitedChannelHoldsNoOtherBack(t *testing.T) {
	t.Parallel()
	sl := newMemSlack()
	sl.failNext("post C1", &slack.RateLimitedError{RetryAfter: time.Hour})
	h := start(t, storetest.Open(t, storetest.SQLite(t)), sl)
	enqueue(t, h, outbox.Message{Key: "a", Channel: "C1", Text: "to C1"})
	for i := range 5 {
		enqueue(t, h, outbox.Message{Key: fmt.Sprintf("b%d", i), Channel: "C2", Text: "to C2"})
	}
	require.Eventually(t, func() bool { return len(sl.sent()) == 5 }, 5*time.Second, 5*time.Millisecond)
	for _, p := range sl.sent() {
		assert.Equal(t, "C2", p.channel)
	}
	r, err := h.Wait(shortly(t, 50*time.Millisecond), "a")
	assert.Error(t, err, "C1's message is still waiting: %+v", r)
}

func shortly(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestARefusedTokenStopsTheSenderUntilItWorksAgain(t *testing.T) {
	t.Parallel()
	sl := newMemSlack()
	sl.refused = true
	h := start(t, storetest.Open(t, storetest.SQLite(t)), sl)
	for i := range 10 {
		enqueue(t, h, outbox.Message{Key: fmt.Sprintf("m%d", i), Channel: "C1", Text: fmt.Sprint(i), Group: "r1",
			AskerURL: "https://hooks.slack.com/x"})
	}
	require.Eventually(t, func() bool { return !h.Ready() }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, failedCall{"m0", "token_revoked"}, <-h.failed, "the asker is told once, through their response_url")
	assert.Empty(t, sl.sent())
	sl.mu.Lock()
	sl.refused = false
	sl.mu.Unlock()
	drain(t, h)
	assert.True(t, h.Ready())
	require.Len(t, sl.sent(), 10, "the backlog drains, nothing lost")
	assert.Empty(t, h.failed)
}

func TestAChannelOutOfReachIsFinalAndReported(t *testing.T) {
	t.Parallel()
	sl := newMemSlack()
	sl.failNext("post C1", slack.SlackErrorResponse{Err: "not_in_channel"})
	h := start(t, storetest.Open(t, storetest.SQLite(t)), sl)
	enqueue(t, h, outbox.Message{Key: "p", Channel: "C1", Text: "parent"})
	enqueue(t, h, outbox.Message{Key: "g", Channel: "C1", ThreadOf: "p", Text: "group"})
	r, err := h.Wait(t.Context(), "p")
	require.NoError(t, err)
	assert.Equal(t, outbox.Failed, r.State)
	assert.Equal(t, "not_in_channel", r.Error)
	drain(t, h)
	g, err := h.Wait(t.Context(), "g")
	require.NoError(t, err)
	assert.Equal(t, outbox.Failed, g.State, "a thread whose parent was never posted cannot be posted either")
	assert.Equal(t, failedCall{"p", "not_in_channel"}, <-h.failed)
	assert.Empty(t, sl.sent())
}

func TestAMessageTooLongIsSplit(t *testing.T) {
	t.Parallel()
	sl := newMemSlack()
	sl.failNext("post C1", slack.SlackErrorResponse{Err: "msg_too_long"})
	h := start(t, storetest.Open(t, storetest.SQLite(t)), sl)
	text := strings.Repeat("line one\n", 10) + strings.Repeat("line two\n", 10)
	enqueue(t, h, outbox.Message{Key: "long", Channel: "C1", Text: text})
	enqueue(t, h, outbox.Message{Key: "after", Channel: "C1", Text: "after"})
	drain(t, h)
	posts := sl.sent()
	require.Len(t, posts, 3)
	assert.Equal(t, strings.TrimSpace(text), strings.TrimSpace(posts[0].text+"\n"+posts[1].text), "nothing is lost in the split")
	assert.Equal(t, "after", posts[2].text, "the parts keep the message's place")
}

func TestDirectMessagesLookEachAddressUpOnce(t *testing.T) {
	t.Parallel()
	sl := newMemSlack()
	sl.members["ana@acme.com"] = "U1"
	h := start(t, storetest.Open(t, storetest.SQLite(t)), sl)
	for i, email := range []string{"ana@acme.com", "ana@acme.com", "nobody@acme.com", "nobody@acme.com"} {
		enqueue(t, h, outbox.Message{Key: fmt.Sprintf("dm%d", i), ToEmail: email, Text: "welcome", Priority: outbox.PriorityLow})
	}
	drain(t, h)
	assert.Equal(t, map[string]int{"ana@acme.com": 1, "nobody@acme.com": 1}, sl.lookups, "misses are remembered too")
	assert.Equal(t, []post{{"U1", "", "welcome"}, {"U1", "", "welcome"}}, sl.sent())
	r, err := h.Wait(t.Context(), "dm2")
	require.NoError(t, err)
	assert.Equal(t, outbox.Dropped, r.State)
}

func TestAMessageIsSentOnceWhateverRestarts(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, storetest.SQLite(t))
	sl := newMemSlack()
	first := start(t, db, sl)
	enqueue(t, first, outbox.Message{Key: "once", Channel: "C1", Text: "hello"})
	drain(t, first)
	second := start(t, db, sl) // a second process, or the same after a restart
	r := enqueue(t, second, outbox.Message{Key: "once", Channel: "C1", Text: "hello"})
	assert.Equal(t, outbox.Sent, r.State)
	drain(t, second)
	assert.Len(t, sl.sent(), 1)
}

func TestTransientFailuresAreTriedAgain(t *testing.T) {
	t.Parallel()
	sl := newMemSlack()
	sl.failNext("post C1", fmt.Errorf("connection reset"), slack.SlackErrorResponse{Err: "internal_error"})
	h := start(t, storetest.Open(t, storetest.SQLite(t)), sl)
	enqueue(t, h, outbox.Message{Key: "m", Channel: "C1", Text: "hello"})
	r, err := h.Wait(t.Context(), "m")
	require.NoError(t, err)
	assert.Equal(t, outbox.Sent, r.State)
	assert.Len(t, sl.sent(), 1)
}

// With PostgreSQL, two senders share the outbox and never send one channel's messages at once,
// nor any message twice.
func TestTwoReplicasSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	cfg := storetest.Postgres(t)
	sl := newMemSlack()
	a := start(t, storetest.Open(t, cfg), sl)
	b := start(t, storetest.Open(t, cfg), sl)
	for i := range 30 {
		h := a
		if i%2 == 1 {
			h = b
		}
		enqueue(t, h, outbox.Message{Key: fmt.Sprintf("m%02d", i), Channel: fmt.Sprintf("C%d", i%3), Text: fmt.Sprintf("m%02d", i)})
	}
	drain(t, a)
	drain(t, b)
	seen := map[string]int{}
	for _, p := range sl.sent() {
		seen[p.text]++
	}
	assert.Len(t, seen, 30)
	for text, n := range seen {
		assert.Equal(t, 1, n, text)
	}
}

// The sender deletes what it settled once Keep has passed, on its own schedule, so the outbox
// of a bot that runs for months stays small; a message still inside Keep is kept.
func TestTheSenderDeletesMessagesSettledLongerThanKeepAgo(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, storetest.SQLite(t))
	sl := newMemSlack()
	first := start(t, db, sl)
	enqueue(t, first, outbox.Message{Key: "long-ago", Channel: "C1", Text: "hello"})
	drain(t, first)

	var now atomic.Int64
	now.Store(time.Now().Add(outbox.DefaultKeep + time.Hour).UnixNano()) // four months on
	logs := &testlog.Buffer{}
	later := outbox.New(db, sl, outbox.Options{Pace: fast, Poll: 10 * time.Millisecond, PruneEvery: 10 * time.Millisecond,
		Now: func() time.Time { return time.Unix(0, now.Load()) }, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { later.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	waitCtx, stop := context.WithTimeout(t.Context(), 10*time.Second)
	defer stop()
	require.NoError(t, logs.WaitFor(waitCtx, `"msg":"deleted old sent messages from the outbox","messages":1`))
	_, err := db.LoadMessage(t.Context(), "long-ago")
	require.ErrorIs(t, err, outbox.ErrNotFound, "deleted once Keep has passed")
	r, err := later.Enqueue(t.Context(), outbox.Message{Key: "today", Channel: "C1", Text: "hi"})
	require.NoError(t, err)
	require.NoError(t, later.Drain(t.Context()))
	_, err = db.LoadMessage(t.Context(), r.Key)
	assert.NoError(t, err, "a message sent within Keep stays")
}
