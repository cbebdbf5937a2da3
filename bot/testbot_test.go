package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery/appliverytest"
	"github.com/testerbot/testerbot/internal/access"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/mapping"
	"github.com/testerbot/testerbot/internal/outbox"
	"github.com/testerbot/testerbot/internal/slackfake"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

// Who is who in the handler tests. Without qa_leads, ana is a member of both mapped channels and
// olga of neither; with qa_leads, ana is the one QA lead and olga may only ask.
const (
	ana  = "U0ANA0001"
	olga = "U0OLGA001"
)

// membersMapping maps betaIOS and betaBoth (views_test.go); channel members manage testers.
const membersMapping = `channels:
  - channel: C0123ABCD
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps: [{id: 64a1b2c3d4e5f6a7b8c9d0e2, name: Acme iOS beta}]
    downloads: 3
  - channel: C0999WXYZ
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps: [{id: 64a1b2c3d4e5f6a7b8c9d0e2, name: Acme iOS beta}, {id: 64a1b2c3d4e5f6a7b8c9d0e3, name: "Acme Android <beta>"}]
    downloads: -1
    domains: [acme.com]
`

// leadsMapping is membersMapping with ana as the only QA lead.
const leadsMapping = membersMapping + "qa_leads:\n  users: [U0ANA0001]\n"

// testMinute is Slack's rate-limit minute in the handler tests, the bot's and the fake Slack's
// alike: Slack's pace at a hundredth of its time, which the fake enforces (a response_url, good
// for thirty minutes, lasts 18 s of it).
const testMinute = 600 * time.Millisecond

// testBot is a Bot on the fake Slack (the Web API over real HTTP), with the real Slack-free
// parts behind it: the invite core and the asks on a SQLite file, the live mapping and the
// access policy, and the fake Applivery over real HTTP. Tests call handlers as dispatch would;
// run does the work after the ack on the test's goroutine, so all it sent is recorded when run
// returns. The bot is in both mapped channels.
type testBot struct {
	*Bot
	t         *testing.T
	slack     *slackfake.Server
	applivery *appliverytest.Server
}

// testBotOptions change what newTestBot builds.
type testBotOptions struct {
	maxEmails int                                   // largest request: invite.Options.MaxEmails
	reading   appliverytest.FilterReading           // how the fake Applivery reads the email filter
	deps      func(d *Deps, fake *slackfake.Server) // changes the bot's dependencies before it is built
}

// withDeps changes the bot's dependencies before it is built; fake is the Slack it talks to.
func withDeps(f func(d *Deps, fake *slackfake.Server)) func(*testBotOptions) {
	return func(o *testBotOptions) { o.deps = f }
}

// readingFilterAs has the fake Applivery read the OTP-user listing's email filter as told.
func readingFilterAs(r appliverytest.FilterReading) func(*testBotOptions) {
	return func(o *testBotOptions) { o.reading = r }
}

func newTestBot(t *testing.T, mappingYAML string, opts ...func(*testBotOptions)) *testBot {
	t.Helper()
	o := testBotOptions{reading: appliverytest.FilterAsRegex}
	for _, opt := range opts {
		opt(&o)
	}
	db := storetest.Open(t, storetest.SQLite(t))
	file := filepath.Join(t.TempDir(), "channels.yaml")
	require.NoError(t, os.WriteFile(file, []byte(mappingYAML), 0o600))
	channels, err := mapping.New(context.Background(), file, db)
	require.NoError(t, err)

	fake := appliverytest.New(t, appliverytest.ReadFilterAs(o.reading))
	fake.AddStore(betaIOS.Store, "Acme beta")
	fake.AddPublishedApp(betaIOS.Store, iosApp.ID, iosApp.Name, "https://acme.applivery.io/acme-ios")
	fake.AddPublishedApp(betaIOS.Store, androidApp.ID, androidApp.Name, "")
	client := fake.Client(t)
	sl := slackfake.New(t, slackfake.WithMinute(testMinute))
	sl.AddChannel(betaIOS.ID, "beta-ios")
	sl.AddChannel(betaBoth.ID, "beta")
	dir := directory{betaIOS.ID: {ana}, betaBoth.ID: {ana}}
	d := Deps{
		Slack: slack.New(sl.BotToken(), slack.OptionAPIURL(sl.APIURL())), Mappings: channels, MappingFile: file,
		Invites: invite.NewService(client, db, invite.Options{MaxEmails: o.maxEmails}),
		Asks:    approval.NewService(db, approval.Options{}), Catalog: client,
		Access: access.NewPolicy(channels.Leads, dir, time.Minute),
		Store:  db, Pace: outbox.Scaled(testMinute),
	}
	if o.deps != nil {
		o.deps(&d, sl)
	}
	b := New(d)
	sending, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { b.Outbox().Run(sending); close(stopped) }()
	t.Cleanup(func() { stop(); <-stopped })
	return &testBot{Bot: b, t: t, slack: sl, applivery: fake}
}

func withMaxEmails(n int) func(*testBotOptions) {
	return func(o *testBotOptions) { o.maxEmails = n }
}

// directory is what the access policy asks Slack: each channel's members. Nobody is a guest and
// there are no user groups.
type directory map[string][]string

func (d directory) ChannelMembers(_ context.Context, channelID string) ([]string, error) {
	return d[channelID], nil
}

func (directory) GroupMembers(context.Context, string) ([]string, error) { return nil, nil }
func (directory) Person(context.Context, string) (access.Person, error) {
	return access.Person{Org: access.Org{TeamID: "T0HOME"}}, nil
}
func (directory) Home(context.Context) (access.Org, error) { return access.Org{TeamID: "T0HOME"}, nil }

// run does what a reply leaves for after the ack, as dispatch would, and returns its ack once
// the outbox has sent what that work saved.
func (tb *testBot) run(r reply) any {
	tb.t.Helper()
	require.NotNil(tb.t, r.after, "the reply has work after the ack")
	r.after(tb.t.Context())
	tb.drain()
	return r.ack
}

// drain waits until the outbox has sent everything it holds.
func (tb *testBot) drain() {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(tb.t, tb.Outbox().Drain(ctx), "the outbox drains")
}

// handle is what dispatch does before the ack: it finds the envelope's one route by its key and
// runs it.
func (tb *testBot) handle(data any) reply {
	tb.t.Helper()
	evt := socketmode.Event{Data: data}
	h, ok := tb.routes[keyOf(evt)]
	require.True(tb.t, ok, "a route for %+v", keyOf(evt))
	return h(evt)
}

// command is /invite-tester typed by user in channel, with a trigger_id and a response_url the
// fake Slack issued, as Slack's payload carries them.
func (tb *testBot) command(user, channel, text string) reply {
	return tb.handle(slack.SlashCommand{Command: "/invite-tester", UserID: user, ChannelID: channel, Text: text,
		TriggerID: tb.slack.NewTriggerID(), ResponseURL: tb.slack.NewResponseURL()})
}

// click is user clicking the button actionID, whose value is value, on a message in channel.
func (tb *testBot) click(user, channel, actionID, value string, msg slackfake.Message) slack.InteractionCallback {
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user},
		Channel:   slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: channel}}},
		TriggerID: tb.slack.NewTriggerID(), ResponseURL: tb.slack.NewResponseURL(),
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actionID, Value: value}}}}
	cb.Message.Timestamp, cb.Message.ThreadTimestamp = msg.TS, msg.ThreadTS
	return cb
}

// posts returns the messages the bot posted in a channel, or sent to a person directly, each as
// it was posted (before any chat.update).
func (tb *testBot) posts(channel string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range tb.slack.Posted(channel) {
		if !m.Ephemeral {
			out = append(out, m)
		}
	}
	return out
}

// updates returns the edits of one message that Slack took, each as chat.update sent it: Blocks
// is nil when the edit left them as they were.
func (tb *testBot) updates(channel, ts string) []slackfake.Message {
	var out []slackfake.Message
	for _, c := range tb.slack.Calls("chat.update") {
		if c.Error == "" && c.Args["channel"] == channel && c.Args["ts"] == ts {
			out = append(out, callMessage(c))
		}
	}
	return out
}

// callMessage is the message a chat.* call sent.
func callMessage(c slackfake.Call) slackfake.Message {
	m := slackfake.Message{Channel: c.Args["channel"], TS: c.Args["ts"], ThreadTS: c.Args["thread_ts"], Text: c.Args["text"],
		User: c.Args["user"], Ephemeral: c.Method == "chat.postEphemeral"}
	if raw, ok := c.Args["blocks"]; ok {
		m.Blocks = json.RawMessage(raw)
	}
	return m
}

// privately returns, in the order Slack took them, what was shown to one person only: ephemeral
// messages (with Channel and User) and answers through a response_url (with neither).
func (tb *testBot) privately() []slackfake.Message {
	type told struct {
		at  time.Time
		msg slackfake.Message
	}
	var all []told
	for _, c := range tb.slack.Calls("chat.postEphemeral") {
		if c.Error == "" {
			all = append(all, told{c.At, callMessage(c)})
		}
	}
	for _, p := range tb.slack.ResponsePosts() {
		var body slack.WebhookMessage
		require.NoError(tb.t, json.Unmarshal(p.Body, &body))
		require.Equal(tb.t, slack.ResponseTypeEphemeral, body.ResponseType, "the bot answers through a response_url privately: %s", p.Body)
		all = append(all, told{p.At, slackfake.Message{Text: body.Text, Ephemeral: true}})
	}
	slices.SortStableFunc(all, func(a, b told) int { return a.at.Compare(b.at) })
	out := make([]slackfake.Message, len(all))
	for i, x := range all {
		out[i] = x.msg
	}
	return out
}

// private returns, one a line, the texts of what was shown to one person only.
func (tb *testBot) private() string {
	var texts []string
	for _, m := range tb.privately() {
		texts = append(texts, m.Text)
	}
	return strings.Join(texts, "\n")
}

// view returns the nth modal the bot opened, as the person sees it now.
func (tb *testBot) view(n int) (slack.ModalViewRequest, bool) {
	tb.t.Helper()
	views := tb.slack.OpenedViews()
	if n >= len(views) {
		return slack.ModalViewRequest{}, false
	}
	var v slack.ModalViewRequest
	require.NoError(tb.t, json.Unmarshal(views[n].JSON, &v))
	return v, true
}

// home returns the App Home the bot last published for a person.
func (tb *testBot) home(userID string) (slack.HomeTabViewRequest, bool) {
	tb.t.Helper()
	stored, ok := tb.slack.HomeView(userID)
	if !ok {
		return slack.HomeTabViewRequest{}, false
	}
	var v slack.HomeTabViewRequest
	require.NoError(tb.t, json.Unmarshal(stored.JSON, &v))
	return v, true
}

// lookedUp returns the addresses the bot looked for among the workspace's people, each time
// Slack answered (found or not).
func (tb *testBot) lookedUp() []string {
	var emails []string
	for _, c := range tb.slack.Calls("users.lookupByEmail") {
		if c.Error != "ratelimited" {
			emails = append(emails, c.Args["email"])
		}
	}
	return emails
}

// blocksOf decodes a message's blocks as Slack received them.
func blocksOf(t *testing.T, m slackfake.Message) []slack.Block {
	t.Helper()
	if m.Blocks == nil {
		return nil
	}
	var blocks slack.Blocks
	require.NoError(t, json.Unmarshal(m.Blocks, &blocks))
	return blocks.BlockSet
}

// button finds the button actionID among a message's blocks.
func button(t *testing.T, blocks []slack.Block, actionID string) *slack.ButtonBlockElement {
	t.Helper()
	for _, b := range blocks {
		var elements []slack.BlockElement
		switch b := b.(type) {
		case *slack.ActionBlock:
			elements = b.Elements.ElementSet
		case *slack.SectionBlock:
			if b.Accessory != nil && b.Accessory.ButtonElement != nil {
				elements = []slack.BlockElement{b.Accessory.ButtonElement}
			}
		}
		for _, e := range elements {
			if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
				return btn
			}
		}
	}
	t.Fatalf("no %s button in %s", actionID, blocksJSON(t, blocks))
	return nil
}

// blocksJSON shows blocks as Slack receives them, with <@U…> and &lt; left readable.
func blocksJSON(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(blocks))
	return buf.String()
}

// submit is user submitting the modal callbackID with the given inputs, keyed by block id.
func submit(user, callbackID, metadata string, inputs map[string]slack.BlockAction) slack.InteractionCallback {
	values := map[string]map[string]slack.BlockAction{}
	for block, v := range inputs {
		values[block] = map[string]slack.BlockAction{block: v}
	}
	return slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user},
		View: slack.View{ID: "V-submitted", CallbackID: callbackID, PrivateMetadata: metadata, State: &slack.ViewState{Values: values}}}
}
