package slackfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestThreadRepliesAndUpdatesThroughSlackGo(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "beta") // the bot is in it: Slack refuses posts to a channel it is not in
	api := newAPI(fake)

	channel, parent, err := api.PostMessage("C1", slack.MsgOptionText("Inviting ana@example.com…", false))
	if err != nil {
		t.Fatal(err)
	}
	_, reply, err := api.PostMessage("C1", slack.MsgOptionTS(parent),
		slack.MsgOptionBlocks(retryButton("ana@example.com")), slack.MsgOptionText("Failed", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage("C1", parent, slack.MsgOptionText("Invited ana@example.com", false)); err != nil {
		t.Fatal(err)
	}

	if channel != "C1" || parent != "1700000000.000100" || reply != "1700000000.000200" {
		t.Errorf("channel/ts = %s %s %s", channel, parent, reply)
	}
	messages := fake.Messages("C1")
	if len(messages) != 2 || messages[0].Text != "Invited ana@example.com" || messages[0].Updates != 1 {
		t.Fatalf("messages = %+v", messages)
	}
	thread := fake.Thread("C1", parent)
	if len(thread) != 1 || thread[0].TS != reply || thread[0].User != BotUserID || !strings.Contains(string(thread[0].Blocks), `"retry"`) {
		t.Errorf("thread = %+v", thread)
	}
}

func TestPostMessageResponseCarriesTheMessage(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "beta") // the bot is in it: Slack refuses posts to a channel it is not in
	api := newAPI(fake)

	_, ts, msg, err := api.PostMessageWithResponse("C1", slack.MsgOptionTS("1699999999.000001"),
		slack.MsgOptionBlocks(retryButton("x")))

	if err != nil {
		t.Fatal(err)
	}
	if msg.Timestamp != ts || msg.ThreadTimestamp != "1699999999.000001" || msg.BotID != botID || len(msg.Blocks.BlockSet) != 1 {
		t.Errorf("message = %+v", msg)
	}
}

func TestEphemeralMessagesAndChannelErrors(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "beta") // the bot is in it: Slack refuses posts to a channel it is not in
	api := newAPI(fake)
	fake.SetChannelError("C2", "not_in_channel")

	ts, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("Only you", false))
	if err != nil || ts == "" {
		t.Fatalf("PostEphemeral = %q, %v", ts, err)
	}
	_, _, err = api.PostMessage("C2", slack.MsgOptionText("hi", false))

	if got := slackError(t, err); got != "not_in_channel" {
		t.Errorf("error = %s, want not_in_channel", got)
	}
	msg, err := fake.WaitMessage(testContext(t), "C1", func(m Message) bool { return m.Ephemeral })
	if err != nil || msg.User != "U1" || msg.TS != ts {
		t.Errorf("ephemeral = %+v, %v", msg, err)
	}
	_, _, _, err = api.UpdateMessage("C1", ts, slack.MsgOptionText("edit", false))
	if got := slackError(t, err); got != "message_not_found" {
		t.Errorf("updating an ephemeral message: %s, want message_not_found", got)
	}
}

func TestRateLimitSurfacesAsRateLimitedError(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "beta") // the bot is in it: Slack refuses posts to a channel it is not in
	api := newAPI(fake)
	fake.RateLimit("chat.postMessage", 1, 2*time.Second)

	_, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false))
	var limited *slack.RateLimitedError
	if !errors.As(err, &limited) || limited.RetryAfter != 2*time.Second {
		t.Fatalf("error = %#v, want RateLimitedError after 2s", err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("second call: %v", err)
	}

	calls := fake.Calls("chat.postMessage")
	if len(calls) != 2 || calls[0].Error != "ratelimited" || calls[1].Error != "" || calls[1].Args["text"] != "hi" {
		t.Errorf("calls = %+v", calls)
	}
	if _, leaked := calls[0].Args["token"]; leaked {
		t.Error("recorded call holds the token")
	}
}

func TestTokensAndUnknownMethods(t *testing.T) {
	fake := New(t)

	wrong := slack.New("xoxb-wrong", slack.OptionAPIURL(fake.APIURL()))
	_, err := wrong.AuthTest()
	if got := slackError(t, err); got != "invalid_auth" {
		t.Errorf("wrong bot token: %s, want invalid_auth", got)
	}
	auth, err := newAPI(fake).AuthTest()
	if err != nil || auth.UserID != BotUserID || auth.TeamID != teamID || auth.BotID != botID {
		t.Errorf("auth.test = %+v, %v", auth, err)
	}

	resp, err := http.PostForm(fake.APIURL()+"chat.delete", url.Values{"token": {fake.BotToken()}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body["ok"] != false || body["error"] != "unknown_method" || len(fake.Calls("chat.delete")) != 1 {
		t.Errorf("unknown method answered %v", body)
	}
}

func TestDirectoryLookups(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	fake.AddUsergroup("S1", "U1", "U2")
	fake.AddChannel("C1", "releases")

	members, err := api.GetUserGroupMembers("S1")
	if err != nil || strings.Join(members, ",") != "U1,U2" {
		t.Errorf("members = %v, %v", members, err)
	}
	_, err = api.GetUserGroupMembers("S404")
	if got := slackError(t, err); got != "no_such_subteam" {
		t.Errorf("unknown group: %s", got)
	}
	fake.FailUsergroups("missing_scope")
	_, err = api.GetUserGroupMembers("S1")
	if got := slackError(t, err); got != "missing_scope" {
		t.Errorf("failing groups: %s", got)
	}

	ch, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C1"})
	if err != nil || ch.Name != "releases" || !ch.IsMember {
		t.Errorf("conversations.info = %+v, %v", ch, err)
	}
	_, err = api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "C404"})
	if got := slackError(t, err); got != "channel_not_found" {
		t.Errorf("unknown channel: %s", got)
	}

	user, err := api.GetUserInfo("U1")
	if err != nil || user.ID != "U1" || user.TeamID != teamID {
		t.Errorf("users.info = %+v, %v", user, err)
	}
}

func TestResponseURLPostsAreRecorded(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	id := fake.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1"})
	payload, _ := fake.Payload(id)
	var cmd slack.SlashCommand
	if err := json.Unmarshal(payload, &cmd); err != nil {
		t.Fatal(err)
	}

	_, _, err := api.PostMessage("", slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeEphemeral),
		slack.MsgOptionText("Working on it", false))
	if err != nil {
		t.Fatal(err)
	}
	post, err := fake.WaitResponsePost(testContext(t), nil)
	if err != nil {
		t.Fatal(err)
	}

	if post.URL != cmd.ResponseURL || !strings.Contains(string(post.Body), `"text":"Working on it"`) {
		t.Errorf("post = %s %s", post.URL, post.Body)
	}
	if err := slack.PostWebhook(strings.TrimSuffix(fake.APIURL(), "api/")+"commands/T1/1/nope", &slack.WebhookMessage{Text: "x"}); err == nil {
		t.Error("posting to an unknown response_url succeeded")
	}
}

func TestPostedKeepsWhatWasFirstSaid(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "beta")
	api := newAPI(fake)

	_, parent, err := api.PostMessage("C1", slack.MsgOptionText("Inviting ana@example.com…", false), slack.MsgOptionBlocks(retryButton("x")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("Only you", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage("C1", parent, slack.MsgOptionText("Invited ana@example.com", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage("C2", slack.MsgOptionText("not here", false)); slackError(t, err) != "not_in_channel" {
		t.Fatalf("posting where the bot is not: %v", err)
	}

	posted := fake.Posted("C1")
	if len(posted) != 2 || posted[0].TS != parent || posted[0].Text != "Inviting ana@example.com…" || posted[0].Updates != 0 ||
		!strings.Contains(string(posted[0].Blocks), `"retry"`) {
		t.Fatalf("posted = %+v", posted)
	}
	if !posted[1].Ephemeral || posted[1].User != "U1" || posted[1].Text != "Only you" {
		t.Errorf("posted[1] = %+v", posted[1])
	}
	if now := fake.Messages("C1")[0]; now.Text != "Invited ana@example.com" || now.Updates != 1 {
		t.Errorf("Messages still reads the update: %+v", now)
	}
	if refused := fake.Posted("C2"); len(refused) != 0 {
		t.Errorf("a refused post is not posted: %+v", refused)
	}
}

func TestRefuseAnswersWhatTheTestChooses(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "beta")
	api := newAPI(fake)
	fake.Refuse(func(c Call) string {
		if c.Args["blocks"] != "" {
			return "invalid_blocks"
		}
		return ""
	})

	_, _, err := api.PostMessage("C1", slack.MsgOptionText("with blocks", false), slack.MsgOptionBlocks(retryButton("x")))
	if got := slackError(t, err); got != "invalid_blocks" {
		t.Errorf("a message with blocks: %s, want invalid_blocks", got)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("plain", false)); err != nil {
		t.Errorf("a plain message: %v", err)
	}
	calls := fake.Calls("chat.postMessage")
	if len(calls) != 2 || calls[0].Error != "invalid_blocks" || calls[1].Error != "" {
		t.Errorf("calls = %+v", calls)
	}
	if msgs := fake.Messages("C1"); len(msgs) != 1 || msgs[0].Text != "plain" {
		t.Errorf("messages = %+v", msgs)
	}

	fake.Refuse(nil)
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("with blocks", false), slack.MsgOptionBlocks(retryButton("x"))); err != nil {
		t.Errorf("after Refuse(nil): %v", err)
	}
}

func TestNewResponseURLTakesPostsLikeACommands(t *testing.T) {
	fake := New(t)
	url := fake.NewResponseURL()
	if !strings.HasPrefix(url, strings.TrimSuffix(fake.APIURL(), "api/")+"commands/") {
		t.Errorf("url = %s", url)
	}
	for i := range responseURLUses {
		if err := slack.PostWebhook(url, &slack.WebhookMessage{Text: "x"}); err != nil {
			t.Fatalf("post %d: %v", i+1, err)
		}
	}
	if err := slack.PostWebhook(url, &slack.WebhookMessage{Text: "x"}); err == nil {
		t.Error("a sixth post succeeded")
	}
	if posts := fake.ResponsePosts(); len(posts) != responseURLUses || posts[0].URL != url {
		t.Errorf("posts = %+v", posts)
	}
	if other := fake.NewResponseURL(); other == url {
		t.Error("the same response_url twice")
	}
}
