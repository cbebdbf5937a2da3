package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/app"
	"github.com/testerbot/testerbot/internal/slackfake"
	"github.com/testerbot/testerbot/internal/testclock"
	"github.com/testerbot/testerbot/internal/testlog"
)

// The mapping every end-to-end test starts from: an iOS channel with one app, a channel with
// two apps and a domain allowlist. Channels not listed here are unmapped.
const (
	store      = "64a1b2c3d4e5f6a7b8c9d0e1"
	iosApp     = "64a1b2c3d4e5f6a7b8c9d0e2"
	androidApp = "64a1b2c3d4e5f6a7b8c9d0e3"
	iosChan    = "C0IOSBETA1"
	bothChan   = "C0BOTHBETA"
	lead       = "U0LEAD0001"
	stranger   = "U0OTHER001"
)

const baseMapping = `
channels:
  - channel: C0IOSBETA1
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9d0e2
        name: Acme iOS beta
    downloads: 3
  - channel: C0BOTHBETA
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9d0e2
        name: Acme iOS beta
      - id: 64a1b2c3d4e5f6a7b8c9d0e3
        name: Acme Android beta
    downloads: -1
    domains: [acme.com]
`

// slackMinute is the minute of Slack's rate limits in the end-to-end tests, the bot's
// SLACK_MINUTE and the fake Slack's alike: Slack's pace at a fiftieth, so many commands in one
// channel take no minutes. The fake enforces Slack's limits at that pace.
const slackMinute = 1200 * time.Millisecond

// newSlack is the fake Slack of the end-to-end tests, at slackMinute.
func newSlack(t testing.TB, opts ...slackfake.Option) *slackfake.Server {
	return slackfake.New(t, append([]slackfake.Option{slackfake.WithMinute(slackMinute)}, opts...)...)
}

// harness runs the whole program, in-process through app.Main, against a fake Slack (over a
// real websocket) and a fake Applivery (real HTTP), as an operator would run it.
type harness struct {
	t         *testing.T
	slack     *slackfake.Server
	applivery *appliverytest.Server
	logs      *testlog.Buffer
	env       map[string]string
	dir       string
	stop      context.CancelFunc
	exit      chan int
	serve     []app.Option // for every bot the harness starts
}

type harnessOption func(*harness)

func withMapping(yaml string) harnessOption {
	return func(h *harness) { h.env["CHANNELS_FILE"] = h.writeFile("channels.yaml", yaml) }
}

func withEnv(key, value string) harnessOption { return func(h *harness) { h.env[key] = value } }

// onSlackOf runs the bot against the fake Slack of an earlier harness, stopped before, as a
// restarted process meets the same Slack: what the earlier process left in its outbox goes
// there too. It waits until the fake has seen the earlier connections close, so that start
// waits for the new one.
func onSlackOf(earlier *harness) harnessOption {
	return func(h *harness) {
		wait, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		require.NoError(h.t, earlier.slack.WaitDisconnected(wait), "the earlier process is still connected")
		h.slack = earlier.slack
		h.env["SLACK_APP_TOKEN"], h.env["SLACK_BOT_TOKEN"], h.env["SLACK_API_URL"] =
			earlier.slack.AppToken(), earlier.slack.BotToken(), earlier.slack.APIURL()
	}
}

// withClock runs the bots on a clock the test moves, instead of waiting time out.
func withClock(c *testclock.Clock) harnessOption {
	return func(h *harness) { h.serve = append(h.serve, app.WithClock(c.Now)) }
}

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	return newHarnessReading(t, appliverytest.FilterAsRegex, opts...)
}

// newHarnessReading is newHarness with a fake Applivery that reads the OTP-user listing's email
// filter as told: the reference leaves it open, so tests that find a tester run under each.
func newHarnessReading(t *testing.T, reading appliverytest.FilterReading, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{t: t, slack: newSlack(t, slackfake.WithPingInterval(200*time.Millisecond)),
		applivery: appliverytest.New(t, appliverytest.ReadFilterAs(reading)), logs: &testlog.Buffer{}, dir: t.TempDir(), exit: make(chan int, 1)}
	h.applivery.AddStore(store, "Acme beta", appliverytest.StoreCustomDomain("beta.acme.com"))
	h.applivery.AddPublishedApp(store, iosApp, "Acme iOS beta", "https://acme.applivery.io/acme-ios")
	h.applivery.AddPublishedApp(store, androidApp, "Acme Android beta", "")
	h.slack.AddChannel(iosChan, "beta-ios")
	h.slack.AddChannel(bothChan, "beta")
	h.slack.AddUser(slackfake.User{ID: lead, Name: "ana"})
	h.slack.AddUser(slackfake.User{ID: stranger, Name: "olga"})
	// Without qa_leads, a channel's members manage its testers: the lead is in both channels.
	h.slack.SetChannelMembers(iosChan, lead)
	h.slack.SetChannelMembers(bothChan, lead)
	h.env = map[string]string{
		"SLACK_APP_TOKEN":        h.slack.AppToken(),
		"SLACK_BOT_TOKEN":        h.slack.BotToken(),
		"SLACK_API_URL":          h.slack.APIURL(),
		"SLACK_MINUTE":           slackMinute.String(),
		"APPLIVERY_API_TOKEN":    h.applivery.Token(),
		"APPLIVERY_ORGANIZATION": h.applivery.Organization(),
		"APPLIVERY_API_URL":      h.applivery.URL(),
		"AUDIT_DB":               filepath.Join(h.dir, "invites.db"),
		"HTTP_ADDR":              "127.0.0.1:0",
		"LOG_LEVEL":              "debug",
	}
	h.env["CHANNELS_FILE"] = h.writeFile("channels.yaml", baseMapping)
	for _, opt := range opts {
		opt(h)
	}
	return h
}

func (h *harness) writeFile(name, content string) string {
	path := filepath.Join(h.dir, name)
	require.NoError(h.t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// config is the bot's configuration, read from h.env as config.Load reads the environment.
// The tests run in parallel, so each bot is handed its own rather than sharing the process's.
func (h *harness) config() *config.Env {
	h.t.Helper()
	return envFrom(h.t, h.env)
}

func envFrom(t testing.TB, vars map[string]string) *config.Env {
	t.Helper()
	env := config.Defaults()
	for name, value := range vars {
		require.NoError(t, env.Set(name, value))
	}
	require.NoError(t, env.Validate())
	return env
}

// connectionsPerProcess is how many sockets each bot process holds: SLACK_CONNECTIONS's default.
var connectionsPerProcess = int(config.Defaults().SlackConnections)

// start runs the bot and waits until all its connections to the fake Slack are up.
func (h *harness) start() *harness {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	env := h.config()
	go func() { h.exit <- app.Serve(ctx, env, h.logs, h.serve...) }()
	h.t.Cleanup(func() { h.shutdown() })
	wait, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	require.NoError(h.t, h.slack.WaitConnections(wait, connectionsPerProcess), "bot never connected; logs:\n%s", h.logs)
	return h
}

// restart starts the bot again after shutdown, on the same database, once Slack has seen the
// stopped process go.
func (h *harness) restart() {
	h.t.Helper()
	require.NoError(h.t, h.slack.WaitDisconnected(h.ctx()))
	h.start()
}

// replica is another process of the bot on the same database, Slack app and Applivery, as a
// second replica of a Deployment would be.
type replica struct {
	logs *testlog.Buffer
	stop context.CancelFunc
	exit chan int
	once sync.Once
	code int
}

// shutdown stops the replica as SIGTERM would and returns its exit status; again, the same.
func (r *replica) shutdown() int {
	r.once.Do(func() {
		r.stop()
		r.code = <-r.exit
	})
	return r.code
}

// startReplica runs one more process of the bot and waits until Slack has a connection from
// each process started so far.
func (h *harness) startReplica(running int) *replica {
	h.t.Helper()
	r := &replica{logs: &testlog.Buffer{}, exit: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	env := h.config()
	go func() { r.exit <- app.Serve(ctx, env, r.logs, h.serve...) }()
	h.t.Cleanup(func() { r.shutdown() })
	wait, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	require.NoError(h.t, h.slack.WaitConnections(wait, (running+1)*connectionsPerProcess), "replica never connected; logs:\n%s", r.logs)
	return r
}

// shutdown stops the bot as SIGTERM would and returns its exit status.
func (h *harness) shutdown() int {
	if h.stop == nil {
		return -1
	}
	h.stop()
	h.stop = nil
	select {
	case code := <-h.exit:
		return code
	case <-time.After(30 * time.Second):
		h.t.Fatalf("bot did not stop; logs:\n%s", h.logs)
		return -1
	}
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// command types /invite-tester and returns its envelope id once the bot has acked it.
func (h *harness) command(user, channel, text string) (string, slackfake.Ack) {
	h.t.Helper()
	id := h.slack.SlashCommand(slackfake.SlashCommand{UserID: user, ChannelID: channel, Text: text})
	ack, err := h.slack.WaitAck(h.ctx(), id)
	require.NoError(h.t, err)
	return id, ack
}

// ackText is the ephemeral text of a slash command ack ("" for an empty ack).
func ackText(ack slackfake.Ack) string {
	var body struct{ Text string }
	_ = json.Unmarshal(ack.Payload, &body)
	return body.Text
}

// waitParent waits for the bot's finished parent message (the summary) in a channel.
func (h *harness) waitSummary(channel string) slackfake.Message {
	h.t.Helper()
	msg, err := h.slack.WaitMessage(h.ctx(), channel, func(m slackfake.Message) bool {
		return m.ThreadTS == "" && strings.Contains(m.Text, "Details in the thread")
	})
	require.NoError(h.t, err, "no summary; logs:\n%s", h.logs)
	return msg
}

// threadText waits until the thread under ts has n replies and returns their text and blocks.
// invitedInThread has the lead invite one address in the iOS channel and returns the summary
// and the tester's reply in its thread (the one with the Revoke button).
func (h *harness) invitedInThread(email string) (summary, reply slackfake.Message) {
	h.t.Helper()
	h.command(lead, iosChan, email)
	summary = h.waitSummary(iosChan)
	h.threadText(iosChan, summary.TS, 1)
	return summary, h.slack.Thread(iosChan, summary.TS)[0]
}

func (h *harness) threadText(channel, ts string, n int) string {
	h.t.Helper()
	_, err := h.slack.WaitMessage(h.ctx(), channel, func(slackfake.Message) bool {
		return len(h.slack.Thread(channel, ts)) >= n
	})
	require.NoError(h.t, err, "thread has %d replies; logs:\n%s", len(h.slack.Thread(channel, ts)), h.logs)
	var b strings.Builder
	for _, m := range h.slack.Thread(channel, ts) {
		b.WriteString(m.Text)
		b.WriteString("\n")
		b.WriteString(readable(m.Blocks))
		b.WriteString("\n")
	}
	return b.String()
}

// waitResponse waits for a private answer posted to a response_url that contains want.
func (h *harness) waitResponse(want string) string {
	h.t.Helper()
	post, err := h.slack.WaitResponsePost(h.ctx(), func(p slackfake.ResponsePost) bool {
		return strings.Contains(string(p.Body), want)
	})
	require.NoError(h.t, err, "no response_url post containing %q; logs:\n%s", want, h.logs)
	return readable(post.Body)
}

// readable undoes JSON's HTML-safe escaping of <, > and &, so tests can look for mrkdwn
// such as <@U123> in what the bot sent.
func readable(raw []byte) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(raw))
}

// healthURL is the health server's base URL, read from the start-up log line.
func (h *harness) healthURL() string {
	h.t.Helper()
	m := regexp.MustCompile(`"http_addr":"([^"]+)"`).FindStringSubmatch(h.logs.String())
	require.NotNil(h.t, m, "no http_addr in logs:\n%s", h.logs)
	return "http://" + m[1]
}

func emails(n int, domain string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tester%03d+qa@%s", i, domain) // a "+" means something else to a regex
	}
	return out
}
