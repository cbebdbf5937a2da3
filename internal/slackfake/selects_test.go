package slackfake

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failures stands in for the test so a test can see the failures the fake
// reports for misuse, instead of failing.
type failures struct {
	testing.TB
	mu       sync.Mutex
	messages []string
}

func (f *failures) Helper() {}

func (f *failures) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages = append(f.messages, format)
}

func (f *failures) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.messages)
}

func plainTextObject(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}

// selectsModal has an external select of testers in an input block and a
// static select of platforms in a section, which Slack reports as it changes.
func selectsModal() slack.ModalViewRequest {
	tester := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, plainTextObject("Find a tester"), "tester")
	platform := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plainTextObject("Platform"), "platform",
		slack.NewOptionBlockObject("ios", plainTextObject("iOS"), nil),
		slack.NewOptionBlockObject("android", plainTextObject("Android"), nil))
	return modal("find", "",
		slack.NewInputBlock("tester_block", plainTextObject("Tester"), nil, tester),
		slack.NewSectionBlock(plainTextObject("Show"), nil, slack.NewAccessory(platform), slack.SectionBlockOptionBlockID("platform_block")))
}

func TestExternalSelectSuggestionsAndChoiceReachTheSubmission(t *testing.T) {
	fake, client, view := openSelectsModal(t)
	ctx := testContext(t)

	id := fake.Suggest(view.ID, "U1", "tester", "ana")
	ev := client.next(t, socketmode.EventTypeInteractive)
	cb := ev.Data.(slack.InteractionCallback)

	assert.Equal(t, slack.InteractionTypeBlockSuggestion, cb.Type)
	assert.Equal(t, "tester", cb.ActionID)
	assert.Equal(t, "tester_block", cb.BlockID)
	assert.Equal(t, "ana", cb.Value)
	assert.Equal(t, view.ID, cb.View.ID)
	assert.Equal(t, view.ID, cb.Container.ViewID)
	assert.Equal(t, "U1", cb.User.ID)
	assert.Empty(t, cb.TriggerID, "suggestions come without a trigger_id")

	ana := slack.NewOptionBlockObject("U0ANA", plainTextObject("Ana Lopez"), nil)
	require.NoError(t, client.sm.Ack(*ev.Request, slack.OptionsResponse{Options: []*slack.OptionBlockObject{ana}}))
	options, err := fake.WaitSuggestedOptions(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []slack.OptionBlockObject{*ana}, options)

	assert.Empty(t, fake.SelectOption(view.ID, "U1", "tester", "U0ANA"),
		"Slack sends no block_actions for a menu in an input block without dispatch_action")
	fake.SubmitView(view.ID, "U1", nil)
	submission := client.next(t, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	chosen := submission.View.State.Values["tester_block"]["tester"]
	assert.Equal(t, slack.ActionType("external_select"), chosen.Type)
	assert.Equal(t, "U0ANA", chosen.SelectedOption.Value)
	require.NotNil(t, chosen.SelectedOption.Text)
	assert.Equal(t, "Ana Lopez", chosen.SelectedOption.Text.Text, "the text the bot suggested")

	fake.SubmitView(view.ID, "U1", map[string]map[string]slack.BlockAction{
		"tester_block": {"tester": {SelectedOption: slack.OptionBlockObject{Value: "U0BEA"}}},
	})
	submission = client.next(t, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	chosen = submission.View.State.Values["tester_block"]["tester"]
	assert.Equal(t, "U0BEA", chosen.SelectedOption.Value)
	require.NotNil(t, chosen.SelectedOption.Text)
	assert.Equal(t, "U0BEA", chosen.SelectedOption.Text.Text, "a value never suggested shows as itself")
}

func TestSuggestionsSlackCannotShowAreRefused(t *testing.T) {
	fake, client, view := openSelectsModal(t)

	id := fake.Suggest(view.ID, "U1", "tester", "bea")
	ev := client.next(t, socketmode.EventTypeInteractive)
	var tooMany []*slack.OptionBlockObject
	for range 101 {
		tooMany = append(tooMany, slack.NewOptionBlockObject("U0BEA", plainTextObject("Bea"), nil))
	}
	require.NoError(t, client.sm.Ack(*ev.Request, slack.OptionsResponse{Options: tooMany}))

	_, err := fake.WaitSuggestedOptions(testContext(t), id)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no more than 100 items allowed [json-pointer:/options]")
	assert.Empty(t, fake.SelectOption(view.ID, "U1", "tester", "U0BEA"))
	assert.Equal(t, "U0BEA", selectedText(t, fake.OpenedViews()[0], "tester_block", "tester"),
		"options of a refused answer were never shown")
}

func TestStaticSelectChangeIsSentWithTheViewState(t *testing.T) {
	fake, client, view := openSelectsModal(t)

	id := fake.SelectOption(view.ID, "U1", "platform", "android")
	ev := client.next(t, socketmode.EventTypeInteractive)
	cb := ev.Data.(slack.InteractionCallback)

	assert.Equal(t, id, ev.Request.EnvelopeID)
	assert.Equal(t, slack.InteractionTypeBlockActions, cb.Type)
	require.Len(t, cb.ActionCallback.BlockActions, 1)
	action := cb.ActionCallback.BlockActions[0]
	assert.Equal(t, "platform", action.ActionID)
	assert.Equal(t, "platform_block", action.BlockID)
	assert.Equal(t, slack.ActionType("static_select"), action.Type)
	assert.Equal(t, "android", action.SelectedOption.Value)
	assert.Equal(t, "Android", action.SelectedOption.Text.Text)
	assert.Equal(t, "android", cb.View.State.Values["platform_block"]["platform"].SelectedOption.Value)
	assert.NotEmpty(t, cb.TriggerID)
}

func TestSelectsRejectWhatPeopleCannotDo(t *testing.T) {
	tb := &failures{TB: t}
	fake := New(tb)
	view, err := newAPI(fake).OpenView(fake.NewTriggerID(), selectsModal())
	require.NoError(t, err)

	assert.Empty(t, fake.SelectOption(view.ID, "U1", "platform", "windows"), "not on the menu")
	assert.Empty(t, fake.Suggest(view.ID, "U1", "tester", "an"), "Slack waits for 3 characters")
	assert.Empty(t, fake.Suggest(view.ID, "U1", "platform", "android"), "a static menu asks for nothing")

	assert.Equal(t, 3, tb.count())
}

// selectedText reads the text of the option chosen in a view's state.
func selectedText(t *testing.T, view View, blockID, actionID string) string {
	t.Helper()
	var fields struct {
		State slack.ViewState `json:"state"`
	}
	require.NoError(t, json.Unmarshal(view.JSON, &fields))
	option := fields.State.Values[blockID][actionID].SelectedOption
	require.NotNil(t, option.Text)
	return option.Text.Text
}

// openSelectsModal opens selectsModal from a connected client.
func openSelectsModal(t *testing.T) (*Server, *botClient, *slack.ViewResponse) {
	t.Helper()
	fake := New(t)
	client := startClient(t, fake)
	view, err := client.api.OpenView(fake.NewTriggerID(), selectsModal())
	require.NoError(t, err)
	return fake, client, view
}
