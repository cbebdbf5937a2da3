package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestClientReceivesHelloAndAnswersPings(t *testing.T) {
	fake := New(t, WithPingInterval(10*time.Millisecond))
	client := startClient(t, fake)

	hello := client.next(t, socketmode.EventTypeHello)
	if got := hello.Request.ConnectionInfo.AppID; got != appID {
		t.Errorf("hello app_id = %q, want %q", got, appID)
	}
	if got := hello.Request.NumConnections; got != 1 {
		t.Errorf("hello num_connections = %d, want 1", got)
	}
	if err := fake.WaitConnected(testContext(t)); err != nil {
		t.Fatal(err)
	}
	_, err := waitFor(testContext(t), fake, "a pong", func() (int, bool) {
		pongs := fake.Pongs()
		return pongs, pongs > 0
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fake.Connections(); got != 1 {
		t.Errorf("Connections() = %d, want 1", got)
	}
}

func TestSlashCommandIsParsedAndItsAckTimed(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "releases")
	client := startClient(t, fake)

	id := fake.SlashCommand(SlashCommand{UserID: "U1", UserName: "ana", ChannelID: "C1", Text: "ana@example.com ios"})
	ev := client.next(t, socketmode.EventTypeSlashCommand)
	cmd := ev.Data.(slack.SlashCommand)

	if ev.Request.EnvelopeID != id || !ev.Request.AcceptsResponsePayload {
		t.Errorf("envelope = %+v, want id %s accepting a response payload", ev.Request, id)
	}
	want := slack.SlashCommand{
		Token: verificationToken, TeamID: teamID, TeamDomain: teamDomain, ChannelID: "C1",
		ChannelName: "releases", UserID: "U1", UserName: "ana", Command: "/invite-tester",
		Text: "ana@example.com ios", APIAppID: appID,
		ResponseURL: cmd.ResponseURL, TriggerID: cmd.TriggerID,
	}
	if cmd != want {
		t.Errorf("command = %+v\nwant      %+v", cmd, want)
	}
	if !strings.HasPrefix(cmd.ResponseURL, "http://127.0.0.1:") || cmd.TriggerID == "" {
		t.Errorf("response_url %q / trigger_id %q not filled", cmd.ResponseURL, cmd.TriggerID)
	}

	if err := client.sm.Ack(*ev.Request, map[string]string{"text": "On it"}); err != nil {
		t.Fatal(err)
	}
	ack, err := fake.WaitAck(testContext(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Latency <= 0 || ack.Latency > testTimeout {
		t.Errorf("ack latency = %s, want a small positive duration", ack.Latency)
	}
	if string(ack.Payload) != `{"text":"On it"}` {
		t.Errorf("ack payload = %s", ack.Payload)
	}
	if got := len(fake.Acks(id)); got != 1 {
		t.Errorf("Acks = %d, want 1", got)
	}
}

func TestAppHomeOpenedEventIsParsedBySlackGo(t *testing.T) {
	fake := New(t)
	client := startClient(t, fake)

	id := fake.Event(map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"})
	ev := client.next(t, socketmode.EventTypeEventsAPI)

	if ev.Request.EnvelopeID != id || ev.Request.AcceptsResponsePayload || ev.Request.RetryAttempt != 0 {
		t.Errorf("envelope = %+v", ev.Request)
	}
	outer := ev.Data.(slackevents.EventsAPIEvent)
	if outer.Type != slackevents.CallbackEvent || outer.TeamID != teamID || outer.APIAppID != appID {
		t.Errorf("outer event = %+v", outer)
	}
	inner, ok := outer.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok {
		t.Fatalf("inner event is %T", outer.InnerEvent.Data)
	}
	if inner.User != "U1" || inner.Tab != "home" || inner.Channel != "D1" || inner.EventTimeStamp == "" {
		t.Errorf("app_home_opened = %+v", inner)
	}
}

func TestRedeliveryRepeatsTheEnvelopeWithRetryAttempt(t *testing.T) {
	fake := New(t)
	client := startClient(t, fake)

	id := fake.Event(map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"})
	first := client.next(t, socketmode.EventTypeEventsAPI)
	fake.Redeliver(id)
	retry := client.next(t, socketmode.EventTypeEventsAPI)

	if retry.Request.EnvelopeID != id || retry.Request.RetryAttempt != 1 || retry.Request.RetryReason != "timeout" {
		t.Errorf("redelivery = %+v", retry.Request)
	}
	if !json.Valid(retry.Request.Payload) || string(retry.Request.Payload) != string(first.Request.Payload) {
		t.Errorf("redelivered payload differs:\n%s\n%s", first.Request.Payload, retry.Request.Payload)
	}
	client.sm.Ack(*first.Request)
	client.sm.Ack(*retry.Request)
	if _, err := waitFor(testContext(t), fake, "two acks", func() ([]Ack, bool) {
		acks := fake.Acks(id)
		return acks, len(acks) == 2
	}); err != nil {
		t.Fatal(err)
	}
}

func TestDisconnectMakesSlackGoReconnectAndLaterEnvelopesArrive(t *testing.T) {
	fake := New(t)
	client := startClient(t, fake)
	if err := fake.WaitConnected(testContext(t)); err != nil {
		t.Fatal(err)
	}

	fake.Disconnect("refresh_requested")
	// Raised before the client is back: it must wait for the new socket.
	id := fake.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1", Text: "after refresh"})

	requireDeliveredOnSecondConnection(t, fake, client, socketmode.EventTypeSlashCommand, id)
}

func TestDroppedConnectionIsReopened(t *testing.T) {
	fake := New(t)
	client := startClient(t, fake)
	if err := fake.WaitConnected(testContext(t)); err != nil {
		t.Fatal(err)
	}

	fake.DropConnection()
	id := fake.Event(map[string]any{"type": "app_home_opened", "user": "U2", "tab": "home"})

	requireDeliveredOnSecondConnection(t, fake, client, socketmode.EventTypeEventsAPI, id)
}

// requireDeliveredOnSecondConnection checks that an envelope raised while the socket was down
// reached the client once it had connected again.
func requireDeliveredOnSecondConnection(t *testing.T, fake *Server, client *botClient, typ socketmode.EventType, id string) {
	t.Helper()
	ev := client.next(t, typ)
	if ev.Request.EnvelopeID != id {
		t.Errorf("got envelope %s, want %s", ev.Request.EnvelopeID, id)
	}
	if got := fake.Connections(); got != 2 {
		t.Errorf("Connections() = %d, want 2", got)
	}
}

func TestSocketModeRefusesAnythingButTheAppToken(t *testing.T) {
	fake := New(t)
	api := slack.New(fake.BotToken(), slack.OptionAppLevelToken(fake.BotToken()), slack.OptionAPIURL(fake.APIURL()))
	sm := socketmode.New(api) // its Events buffer outlasts the few events a failed connect emits

	err := sm.RunContext(testContext(t))

	if err == nil || err.Error() != "invalid_auth" {
		t.Errorf("RunContext error = %v, want invalid_auth", err)
	}
	if got := fake.Connections(); got != 0 {
		t.Errorf("Connections() = %d, want 0", got)
	}
}

func TestWaitersGiveUpWithTheContext(t *testing.T) {
	fake := New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := fake.WaitAck(ctx, "nope")

	if !errors.Is(err, context.Canceled) {
		t.Errorf("WaitAck error = %v, want context.Canceled", err)
	}
}
