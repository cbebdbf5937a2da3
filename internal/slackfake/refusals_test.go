package slackfake

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slackRefusal extracts the error Slack answered with, detail included.
func slackRefusal(t *testing.T, err error) slack.SlackErrorResponse {
	t.Helper()
	var resp slack.SlackErrorResponse
	require.True(t, errors.As(err, &resp), "want a slack.SlackErrorResponse, got %T: %v", err, err)
	return resp
}

func confirmedRevoke(text string) slack.Block {
	confirm := slack.NewConfirmationBlockObject(
		slack.NewTextBlockObject(slack.PlainTextType, "Revoke?", false, false),
		slack.NewTextBlockObject(slack.MarkdownType, text, false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Revoke", false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Keep", false, false))
	revoke := slack.NewButtonBlockElement("revoke", "v", slack.NewTextBlockObject(slack.PlainTextType, "Revoke", false, false)).WithConfirm(confirm)
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "ana@example.com", false, false), nil, slack.NewAccessory(revoke))
}

func TestChatRefusesBlocksPastBlockKitLimits(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "beta") // the bot is in it: Slack refuses posts to a channel it is not in
	api := newAPI(fake)
	want := "[ERROR] must be less than 301 characters [json-pointer:/blocks/0/accessory/confirm/text/text]"

	_, _, err := api.PostMessage("C1", slack.MsgOptionBlocks(confirmedRevoke(strings.Repeat("é", 301))))

	refusal := slackRefusal(t, err)
	assert.Equal(t, "invalid_blocks", refusal.Err)
	assert.Equal(t, []string{want}, refusal.ResponseMetadata.Messages)
	assert.Empty(t, fake.Messages("C1"), "a refused message is not posted")
	calls := fake.Calls("chat.postMessage")
	require.Len(t, calls, 1)
	assert.Equal(t, "invalid_blocks", calls[0].Error)
	assert.Equal(t, []string{want}, calls[0].Messages)

	_, ts, err := api.PostMessage("C1", slack.MsgOptionBlocks(confirmedRevoke(strings.Repeat("é", 300))))
	require.NoError(t, err, "300 characters fit")
	_, _, _, err = api.UpdateMessage("C1", ts, slack.MsgOptionBlocks(confirmedRevoke(strings.Repeat("x", 301))))
	assert.Equal(t, "invalid_blocks", slackRefusal(t, err).Err)
	assert.Zero(t, fake.Messages("C1")[0].Updates, "a refused update changes nothing")

	_, err = api.PostEphemeral("C1", "U1", slack.MsgOptionText(strings.Repeat("x", 40_001), false))
	assert.Equal(t, "msg_too_long", slackRefusal(t, err).Err)
}

func TestViewsRefuseViewsPastBlockKitLimits(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	view := modal("invite", "", emailInput())
	view.Title = slack.NewTextBlockObject(slack.PlainTextType, "Invite testers to the beta", false, false)

	_, err := api.OpenView(fake.NewTriggerID(), view)

	refusal := slackRefusal(t, err)
	assert.Equal(t, "invalid_arguments", refusal.Err)
	assert.Equal(t, []string{"[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"}, refusal.ResponseMetadata.Messages)
	assert.Empty(t, fake.OpenedViews())

	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab}
	for range 101 {
		home.Blocks.BlockSet = append(home.Blocks.BlockSet, slack.NewDividerBlock())
	}
	_, err = api.PublishView("U1", home, "")
	assert.Equal(t, []string{"[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"}, slackRefusal(t, err).ResponseMetadata.Messages)
	_, published := fake.HomeView("U1")
	assert.False(t, published)
	assert.Equal(t, "invalid_arguments", fake.Calls("views.publish")[0].Error)
}

// submitted opens a modal, submits it as U1 and returns the view and the
// submission the client received.
func submitted(t *testing.T, fake *Server, client *botClient) (*slack.ViewResponse, socketmode.Event) {
	t.Helper()
	opened, err := client.api.OpenView(fake.NewTriggerID(), modal("invite", "", emailInput()))
	require.NoError(t, err)
	fake.SubmitView(opened.ID, "U1", map[string]map[string]slack.BlockAction{"email_block": {"email": {Value: "ana"}}})
	return opened, client.next(t, socketmode.EventTypeInteractive)
}

func TestSubmissionAcksAreCheckedAndApplied(t *testing.T) {
	fake := New(t)
	client := startClient(t, fake)
	ctx := testContext(t)

	t.Run("errors for a block that is not an input are refused", func(t *testing.T) {
		_, ev := submitted(t, fake, client)
		require.NoError(t, client.sm.Ack(*ev.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"actions_block": "no"})))

		ack, err := fake.WaitAck(ctx, ev.Request.EnvelopeID)

		require.NoError(t, err)
		assert.Equal(t, "invalid_arguments", ack.Error)
		assert.Equal(t, []string{"[ERROR] not an input block of the view [json-pointer:/errors/actions_block]"}, ack.Messages)
	})

	t.Run("errors for an input block are accepted", func(t *testing.T) {
		_, ev := submitted(t, fake, client)
		require.NoError(t, client.sm.Ack(*ev.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"email_block": "Not an email"})))

		ack, err := fake.WaitAck(ctx, ev.Request.EnvelopeID)

		require.NoError(t, err)
		assert.Empty(t, ack.Error)
		assert.Nil(t, ack.Messages)
	})

	t.Run("an oversized update is refused and not applied", func(t *testing.T) {
		opened, ev := submitted(t, fake, client)
		tooLong := modal("done", strings.Repeat("m", 3001), emailInput())
		require.NoError(t, client.sm.Ack(*ev.Request, slack.NewUpdateViewSubmissionResponse(&tooLong)))

		ack, err := fake.WaitAck(ctx, ev.Request.EnvelopeID)

		require.NoError(t, err)
		assert.Equal(t, []string{"[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"}, ack.Messages)
		assert.Equal(t, "invite", viewByID(t, fake, opened.ID).CallbackID)
	})

	t.Run("an update replaces the modal, a push stacks one on it", func(t *testing.T) {
		opened, ev := submitted(t, fake, client)
		done := modal("done", "", emailInput())
		require.NoError(t, client.sm.Ack(*ev.Request, slack.NewUpdateViewSubmissionResponse(&done)))
		ack, err := fake.WaitAck(ctx, ev.Request.EnvelopeID)
		require.NoError(t, err)
		require.Empty(t, ack.Error)
		updated := viewByID(t, fake, opened.ID)
		assert.Equal(t, "done", updated.CallbackID)
		assert.NotEqual(t, opened.Hash, updated.Hash)

		id := fake.SubmitView(opened.ID, "U1", nil)
		ev = client.next(t, socketmode.EventTypeInteractive)
		confirm := modal("confirm", "", emailInput())
		require.NoError(t, client.sm.Ack(*ev.Request, slack.NewPushViewSubmissionResponse(&confirm)))
		_, err = fake.WaitAck(ctx, id)
		require.NoError(t, err)
		views := fake.OpenedViews()
		pushed := views[len(views)-1]
		assert.Equal(t, "confirm", pushed.CallbackID)
		assert.Equal(t, "U1", pushed.UserID)
		var fields struct {
			PreviousViewID string `json:"previous_view_id"`
		}
		require.NoError(t, json.Unmarshal(pushed.JSON, &fields))
		assert.Equal(t, opened.ID, fields.PreviousViewID)
	})
}

func viewByID(t *testing.T, fake *Server, id string) View {
	t.Helper()
	for _, view := range fake.OpenedViews() {
		if view.ID == id {
			return view
		}
	}
	t.Fatalf("no opened view %s", id)
	return View{}
}
