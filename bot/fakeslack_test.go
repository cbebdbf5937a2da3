package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/slack-go/slack"
)

// fakeSlack is the bot's SlackAPI for unit tests of its handlers: it records what the bot
// sends, and where, and answers the way Slack does. Messages go through slack-go's own encoding
// (a client whose transport is the fake), so the fake reads them as Slack would receive them;
// posts to a response_url reach it the same way, through the client httpClient returns, which
// the bot gets as Deps.HTTPClient. Nothing goes on the network. It is safe for concurrent use.
type fakeSlack struct {
	encoder *slack.Client

	mu      sync.Mutex
	sent    []sentMessage
	opened  []string                          // view ids, in the order views.open opened them
	views   map[string]slack.ModalViewRequest // each modal as views.open or views.update last left it
	homes   map[string]slack.HomeTabViewRequest
	members map[string]string          // the workspace's people: user id by email
	lookups []string                   // the addresses users.lookupByEmail was asked about
	refuse  func(m sentMessage) string // Slack's error code for a message it refuses; "" accepts it
	lastTS  int
}

// sentMessage is one message the bot sent, as Slack received it.
type sentMessage struct {
	via       string // chat.postMessage, chat.postEphemeral, chat.update or response_url
	channel   string // a channel, or a user for a direct message; "" through a response_url
	user      string // chat.postEphemeral: the one person who sees it
	ts        string // the message's own ts; for chat.update, the message it replaces
	thread    string // the thread it is posted in
	text      string
	blocks    []slack.Block
	ephemeral bool // only the person it answers sees it
}

// webAPI is where the fake's encoder sends Web API calls, to the fake itself.
const webAPI = "https://slack.test/api/"

func newFakeSlack() *fakeSlack {
	f := &fakeSlack{views: map[string]slack.ModalViewRequest{}, homes: map[string]slack.HomeTabViewRequest{},
		members: map[string]string{}}
	f.encoder = slack.New("xoxb-test", slack.OptionAPIURL(webAPI), slack.OptionHTTPClient(f.httpClient()))
	return f
}

// httpClient sends every request to the fake: the bot's response_url posts, and the encoder's calls.
func (f *fakeSlack) httpClient() *http.Client {
	return &http.Client{Transport: roundTripper(f.roundTrip)}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return rt(req) }

func (f *fakeSlack) roundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.String(), webAPI) {
		return f.responseURL(req)
	}
	if err := req.ParseForm(); err != nil {
		return nil, err
	}
	form := req.PostForm
	m := sentMessage{via: path.Base(req.URL.Path), channel: form.Get("channel"), user: form.Get("user"),
		ts: form.Get("ts"), thread: form.Get("thread_ts"), text: form.Get("text")}
	m.ephemeral = m.via == "chat.postEphemeral"
	if raw := form.Get("blocks"); raw != "" {
		var blocks slack.Blocks
		if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
			return nil, fmt.Errorf("fake Slack: blocks: %w", err)
		}
		m.blocks = blocks.BlockSet
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse != nil {
		if code := f.refuse(m); code != "" {
			return answer(map[string]any{"ok": false, "error": code})
		}
	}
	if m.via == "chat.postMessage" {
		f.lastTS++
		m.ts = fmt.Sprintf("1700000000.%06d", f.lastTS)
	}
	f.sent = append(f.sent, m)
	return answer(map[string]any{"ok": true, "channel": m.channel, "ts": m.ts, "message_ts": m.ts})
}

func (f *fakeSlack) responseURL(req *http.Request) (*http.Response, error) {
	var msg slack.WebhookMessage
	if err := json.NewDecoder(req.Body).Decode(&msg); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sentMessage{via: "response_url", text: msg.Text, ephemeral: msg.ResponseType == slack.ResponseTypeEphemeral})
	return answer("ok")
}

func answer(v any) (*http.Response, error) {
	raw, err := json.Marshal(v)
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(raw))}, err
}

func (f *fakeSlack) PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error) {
	return f.encoder.PostMessageContext(ctx, channelID, options...)
}

func (f *fakeSlack) PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error) {
	return f.encoder.PostEphemeralContext(ctx, channelID, userID, options...)
}

func (f *fakeSlack) UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error) {
	return f.encoder.UpdateMessageContext(ctx, channelID, timestamp, options...)
}

func (f *fakeSlack) OpenViewContext(_ context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if triggerID == "" {
		return nil, slack.SlackErrorResponse{Err: "invalid_trigger_id"}
	}
	id := fmt.Sprintf("V%03d", len(f.opened)+1)
	f.opened = append(f.opened, id)
	f.views[id] = view
	return &slack.ViewResponse{View: slack.View{ID: id}}, nil
}

func (f *fakeSlack) UpdateViewContext(_ context.Context, view slack.ModalViewRequest, _, _, viewID string) (*slack.ViewResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.views[viewID]; !ok {
		return nil, slack.SlackErrorResponse{Err: "not_found"}
	}
	f.views[viewID] = view
	return &slack.ViewResponse{View: slack.View{ID: viewID}}, nil
}

func (f *fakeSlack) PublishViewContext(_ context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.homes[req.UserID] = req.View
	return &slack.ViewResponse{}, nil
}

// GetConversationInfoContext knows no channel: the bot then names channels by their ids.
func (f *fakeSlack) GetConversationInfoContext(context.Context, *slack.GetConversationInfoInput) (*slack.Channel, error) {
	return nil, slack.SlackErrorResponse{Err: "channel_not_found"}
}

func (f *fakeSlack) GetUserByEmailContext(_ context.Context, email string) (*slack.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups = append(f.lookups, email)
	id, ok := f.members[email]
	if !ok {
		return nil, slack.SlackErrorResponse{Err: "users_not_found"}
	}
	return &slack.User{ID: id}, nil
}

// addMember puts someone in the workspace.
func (f *fakeSlack) AuthTestContext(context.Context) (*slack.AuthTestResponse, error) {
	return &slack.AuthTestResponse{UserID: "U0BOT"}, nil
}

func (f *fakeSlack) addMember(userID, email string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members[email] = userID
}

// refuseWith makes Slack refuse the messages for which code returns an error code.
func (f *fakeSlack) refuseWith(code func(m sentMessage) string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse = code
}

// messages returns what the bot sent, in order, that matches keep.
func (f *fakeSlack) messages(keep func(m sentMessage) bool) []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sentMessage
	for _, m := range f.sent {
		if keep(m) {
			out = append(out, m)
		}
	}
	return out
}

// posts returns the messages posted in a channel, or sent to a person directly.
func (f *fakeSlack) posts(channel string) []sentMessage {
	return f.messages(func(m sentMessage) bool { return m.via == "chat.postMessage" && m.channel == channel })
}

// updates returns the edits of one message.
func (f *fakeSlack) updates(channel, ts string) []sentMessage {
	return f.messages(func(m sentMessage) bool { return m.via == "chat.update" && m.channel == channel && m.ts == ts })
}

// private returns, one a line, what was shown to one person only: ephemeral messages and
// answers through a response_url.
func (f *fakeSlack) private() string {
	var texts []string
	for _, m := range f.messages(func(m sentMessage) bool { return m.ephemeral }) {
		texts = append(texts, m.text)
	}
	return strings.Join(texts, "\n")
}

// view returns a modal the bot opened, as the person sees it now.
func (f *fakeSlack) view(n int) (slack.ModalViewRequest, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n >= len(f.opened) {
		return slack.ModalViewRequest{}, false
	}
	return f.views[f.opened[n]], true
}

// home returns the App Home the bot last published for a person.
func (f *fakeSlack) home(userID string) (slack.HomeTabViewRequest, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.homes[userID]
	return v, ok
}

// lookedUp returns the addresses the bot looked for among the workspace's people.
func (f *fakeSlack) lookedUp() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lookups...)
}
