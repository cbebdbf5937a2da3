package slackfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// testMinute is the fake's minute in these tests: Slack's windows at a hundredth.
const testMinute = 600 * time.Millisecond

func TestTierThreeMethodAnswers429AfterFiftyAMinute(t *testing.T) {
	fake := New(t, WithMinute(testMinute))
	fake.AddUser(User{ID: "U1", Email: "ana@example.com"})
	api := newAPI(fake)

	for i := range tier3 {
		if _, err := api.GetUserByEmail("ana@example.com"); err != nil {
			t.Fatalf("look-up %d: %v", i+1, err)
		}
	}
	_, err := api.GetUserByEmail("ana@example.com")
	var limited *slack.RateLimitedError
	if !errors.As(err, &limited) {
		t.Fatalf("51st look-up within a minute: %v, want a 429", err)
	}
	if limited.RetryAfter < time.Second {
		t.Errorf("Retry-After %s, want whole seconds, at least one", limited.RetryAfter)
	}
	if got := fake.RateLimited("users.lookupByEmail"); got != 1 {
		t.Errorf("RateLimited = %d, want 1", got)
	}
	if got := fake.RateLimitedByMethod(); len(got) != 1 || got["users.lookupByEmail"] != 1 {
		t.Errorf("RateLimitedByMethod = %v", got)
	}

	// Another method has its own allowance.
	if _, err := api.GetUserInfo("U1"); err != nil {
		t.Errorf("users.info while users.lookupByEmail is limited: %v", err)
	}
	first := fake.Calls("users.lookupByEmail")[0].At
	time.Sleep(time.Until(first.Add(testMinute))) // the window is time itself
	if _, err := api.GetUserByEmail("ana@example.com"); err != nil {
		t.Errorf("look-up a minute later: %v", err)
	}
}

func TestEveryListedMethodHasItsTier(t *testing.T) {
	want := map[string]int{"usergroups.users.list": 20, "chat.update": 50, "users.lookupByEmail": 50,
		"conversations.info": 50, "conversations.open": 50, "users.conversations": 50, "views.open": 100,
		"views.push": 100, "views.update": 100, "views.publish": 100, "users.info": 100,
		"conversations.members": 100, "chat.postEphemeral": 100}
	for method, n := range want {
		if methodTiers[method] != n {
			t.Errorf("%s: %d a minute, want %d", method, methodTiers[method], n)
		}
	}
}

func TestPostMessageTakesABurstThenOneASecondPerChannel(t *testing.T) {
	fake := New(t, WithMinute(6*time.Second)) // a second of 100 ms, longer than a few calls take
	fake.AddChannel("C1", "beta")
	fake.AddChannel("C2", "other")
	api := newAPI(fake)
	post := func(channel string) error {
		_, _, err := api.PostMessage(channel, slack.MsgOptionText("hi", false))
		return err
	}

	for i := range defaultPostBurst {
		if err := post("C1"); err != nil {
			t.Fatalf("post %d of the burst: %v", i+1, err)
		}
	}
	var limited *slack.RateLimitedError
	if err := post("C1"); !errors.As(err, &limited) {
		t.Fatalf("post past the burst: %v, want a 429", err)
	}
	if err := post("C2"); err != nil {
		t.Errorf("another channel has its own pace: %v", err)
	}
	time.Sleep(fake.second()) // one post a second
	if err := post("C1"); err != nil {
		t.Errorf("a second later: %v", err)
	}
	if got := fake.RateLimited("chat.postMessage"); got != 1 {
		t.Errorf("RateLimited = %d, want 1", got)
	}
}

func TestPostsNeedTheBotInTheChannel(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "beta")
	fake.SetChannelMember("C1", false)
	api := newAPI(fake)

	for channel, want := range map[string]string{
		"C1":        "not_in_channel",    // the bot was removed
		"C0UNKNOWN": "not_in_channel",    // a public channel the bot never joined
		"G0PRIVATE": "channel_not_found", // a private one is invisible to it
	} {
		_, _, err := api.PostMessage(channel, slack.MsgOptionText("hi", false))
		if got := slackError(t, err); got != want {
			t.Errorf("post to %s: %s, want %s", channel, got, want)
		}
	}
	if _, _, err := api.PostMessage("U1", slack.MsgOptionText("a DM", false)); err != nil {
		t.Errorf("a DM needs no channel: %v", err)
	}
	fake.SetChannelMember("C1", true)
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("after the bot is back: %v", err)
	}
}

func TestResponseURLTakesFivePosts(t *testing.T) {
	fake := New(t)
	id := fake.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1"})
	payload, _ := fake.Payload(id)
	var cmd slack.SlashCommand
	if err := json.Unmarshal(payload, &cmd); err != nil {
		t.Fatal(err)
	}
	post := func(i int) (int, string) {
		resp, err := http.Post(cmd.ResponseURL, "application/json", strings.NewReader(fmt.Sprintf(`{"text":"%d"}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}

	for i := range responseURLUses {
		if status, body := post(i); status != http.StatusOK {
			t.Fatalf("post %d: %d %s", i+1, status, body)
		}
	}
	if status, body := post(6); status != http.StatusNotFound || body != "used_url" {
		t.Errorf("sixth post: %d %q, want 404 used_url", status, body)
	}
	if got := len(fake.ResponsePosts()); got != responseURLUses {
		t.Errorf("%d posts recorded, want %d", got, responseURLUses)
	}
	if got := fake.RefusedResponsePosts(); got != 1 {
		t.Errorf("RefusedResponsePosts = %d, want 1", got)
	}
}

func TestResponseURLExpiresAfterThirtyMinutes(t *testing.T) {
	fake := New(t, WithMinute(testMinute/10)) // thirty minutes are 1.8 s
	id := fake.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1"})
	payload, _ := fake.Payload(id)
	var cmd slack.SlashCommand
	if err := json.Unmarshal(payload, &cmd); err != nil {
		t.Fatal(err)
	}
	time.Sleep(responseURLMinutes * testMinute / 10)
	resp, err := http.Post(cmd.ResponseURL, "application/json", strings.NewReader(`{"text":"late"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("post after thirty minutes: %d, want 404", resp.StatusCode)
	}
}
