package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/access"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/mapping"
	"github.com/testerbot/testerbot/internal/slackfake"
	"github.com/testerbot/testerbot/internal/store/storetest"
	"github.com/testerbot/testerbot/internal/testlog"
)

// A panic while deciding the ack (here: the invite service is missing, so checking the size of
// the request dereferences nil) must not take the bot down or leave Slack without an ack.
func TestPanicBeforeTheAckIsRecoveredAckedAndReported(t *testing.T) {
	pb := startPanickyBot(t, Deps{Access: access.NewPolicy(func() *config.QALeads { return nil }, nil, time.Minute)})

	id := pb.fake.SlashCommand(slackfake.SlashCommand{UserID: "U0LEAD0001", ChannelID: betaIOS.ID, Text: "alice@example.com"})

	ack, err := pb.fake.WaitAck(pb.ctx(t), id)
	require.NoError(t, err, "the envelope is acked although its handler panicked")
	assert.Empty(t, ack.Payload)
	entry := pb.assertToldWithReference(t, "slash_commands")
	assert.Contains(t, entry.Stack, "CheckSize", "it panicked where this test means it to")
	pb.assertStillServing(t)
}

// A panic in the slow work after the ack (here: the access policy is missing) is recovered the
// same way: logged with a reference, and the person told.
func TestPanicAfterTheAckIsRecoveredAndReported(t *testing.T) {
	pb := startPanickyBot(t, Deps{Invites: invite.NewService(nil, storetest.Open(t, storetest.SQLite(t)), invite.Options{})})

	id := pb.fake.SlashCommand(slackfake.SlashCommand{UserID: "U0LEAD0001", ChannelID: betaIOS.ID, Text: "alice@example.com"})

	_, err := pb.fake.WaitAck(pb.ctx(t), id)
	require.NoError(t, err)
	entry := pb.assertToldWithReference(t, "slash_commands")
	assert.Contains(t, entry.Stack, "MayManage", "it panicked where this test means it to")
	pb.assertStillServing(t)
}

// liveMapping is the mapping of a file with the given contents, and no links.
func liveMapping(t *testing.T, yaml string) *mapping.Live {
	t.Helper()
	path := filepath.Join(t.TempDir(), "channels.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
	m, err := mapping.New(context.Background(), path, storetest.Open(t, storetest.SQLite(t)))
	require.NoError(t, err)
	return m
}

// panickyBot is a Bot on a real Socket Mode connection to a fake Slack, built with a missing
// dependency so that handling an invite panics.
type panickyBot struct {
	fake *slackfake.Server
	logs *testlog.Buffer
}

func startPanickyBot(t *testing.T, d Deps) *panickyBot {
	t.Helper()
	fake := slackfake.New(t)
	sb := startSocketBot(t, fake, d, 1)
	pb := &panickyBot{fake: fake, logs: sb.logs}
	require.NoError(t, fake.WaitConnected(pb.ctx(t)))
	return pb
}

// socketBot is a Bot running on real Socket Mode connections to a fake Slack.
type socketBot struct {
	*Bot
	logs    *testlog.Buffer
	stopped chan struct{} // closed once Run returned
	err     error         // what Run returned, once stopped
}

// startSocketBot runs a Bot with the given number of Socket Mode connections to fake, the
// mapping of one channel, and an outbox in SQLite; the test's end stops it.
func startSocketBot(t *testing.T, fake *slackfake.Server, d Deps, connections int) *socketBot {
	t.Helper()
	return startSocketBotWith(t, fake, d, connections, nil)
}

// startSocketBotWith is startSocketBot with set-up of the Bot before it runs (routes of a test's
// own, say), when setUp is not nil.
func startSocketBotWith(t *testing.T, fake *slackfake.Server, d Deps, connections int, setUp func(*Bot)) *socketBot {
	t.Helper()
	fake.AddChannel(betaIOS.ID, "beta-ios")
	api := slack.New(fake.BotToken(), slack.OptionAppLevelToken(fake.AppToken()), slack.OptionAPIURL(fake.APIURL()))
	logs := &testlog.Buffer{}
	for range connections {
		d.Sockets = append(d.Sockets, NewSocket(api))
	}
	d.Slack = api
	if d.Mappings == nil {
		d.Mappings = liveMapping(t, "channels:\n  - {channel: "+betaIOS.ID+", store: "+betaIOS.Store+", apps: [{id: "+iosApp.ID+", name: x}], downloads: 3}\n")
	}
	d.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	d.Store = storetest.Open(t, storetest.SQLite(t))
	sb := &socketBot{Bot: New(d), logs: logs, stopped: make(chan struct{})}
	if setUp != nil {
		setUp(sb.Bot)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(sb.stopped)
		sb.err = sb.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-sb.stopped
	})
	return sb
}

func (pb *panickyBot) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// assertToldWithReference checks the log line names the envelope type and a reference, and the
// person was told privately, quoting that same reference.
func (pb *panickyBot) assertToldWithReference(t *testing.T, envelopeType string) panicEntry {
	t.Helper()
	post, err := pb.fake.WaitResponsePost(pb.ctx(t), func(p slackfake.ResponsePost) bool {
		return strings.Contains(string(p.Body), "Something went wrong")
	})
	require.NoError(t, err, "the person is told; logs:\n%s", pb.logs)

	entry := pb.panicLogEntry(t)
	assert.Equal(t, envelopeType, entry.Type)
	require.NotEmpty(t, entry.Ref)
	assert.Contains(t, string(post.Body), "`"+entry.Ref+"`", "the message quotes the reference in the log")
	return entry
}

type panicEntry struct {
	Msg, Ref, Type, Stack string
}

func (pb *panickyBot) panicLogEntry(t *testing.T) panicEntry {
	t.Helper()
	for _, line := range strings.Split(pb.logs.String(), "\n") {
		var e panicEntry
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "panic while handling envelope" {
			return e
		}
	}
	t.Fatalf("no panic log line in:\n%s", pb.logs)
	return panicEntry{}
}

// assertStillServing sends a command that needs no missing dependency and expects its answer.
func (pb *panickyBot) assertStillServing(t *testing.T) {
	t.Helper()
	id := pb.fake.SlashCommand(slackfake.SlashCommand{UserID: "U0LEAD0001", ChannelID: betaIOS.ID, Text: "help"})
	ack, err := pb.fake.WaitAck(pb.ctx(t), id)
	require.NoError(t, err, "the bot survived the panic")
	assert.Contains(t, string(ack.Payload), "/invite-tester")
}
