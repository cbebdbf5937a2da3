package slackfake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// testTimeout bounds every wait; tests finish in milliseconds when healthy.
const testTimeout = 5 * time.Second

// botClient is a real slack-go Socket Mode client wired to the fake, the way
// the bot under test builds its own.
type botClient struct {
	api *slack.Client
	sm  *socketmode.Client
}

func newAPI(fake *Server) *slack.Client {
	return slack.New(fake.BotToken(),
		slack.OptionAppLevelToken(fake.AppToken()),
		slack.OptionAPIURL(fake.APIURL()))
}

// startClient runs a socketmode client until the test ends.
func startClient(t *testing.T, fake *Server) *botClient {
	t.Helper()
	api := newAPI(fake)
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = sm.RunContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return &botClient{api: api, sm: sm}
}

// next returns the client's next event of the given type, skipping the
// lifecycle events (connecting, connected, …) slack-go emits around it.
func (c *botClient) next(t *testing.T, want socketmode.EventType) socketmode.Event {
	t.Helper()
	timeout := time.NewTimer(testTimeout)
	defer timeout.Stop()
	for {
		select {
		case ev := <-c.sm.Events:
			if ev.Type == want {
				return ev
			}
		case <-timeout.C:
			t.Fatalf("no %q event within %s", want, testTimeout)
		}
	}
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// slackError extracts the Slack error code from a slack-go error.
func slackError(t *testing.T, err error) string {
	t.Helper()
	var resp slack.SlackErrorResponse
	if !errors.As(err, &resp) {
		t.Fatalf("want a slack.SlackErrorResponse, got %T: %v", err, err)
	}
	return resp.Err
}

func modal(callbackID, metadata string, blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Invite tester", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Invite", false, false),
		CallbackID:      callbackID,
		PrivateMetadata: metadata,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func emailInput() slack.Block {
	element := slack.NewPlainTextInputBlockElement(nil, "email")
	label := slack.NewTextBlockObject(slack.PlainTextType, "Email", false, false)
	return slack.NewInputBlock("email_block", label, nil, element)
}

func retryButton(value string) slack.Block {
	text := slack.NewTextBlockObject(slack.PlainTextType, "Retry", false, false)
	return slack.NewActionBlock("actions_block", slack.NewButtonBlockElement("retry", value, text))
}
