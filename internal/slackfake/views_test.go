package slackfake

import (
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/internal/testclock"
)

func TestTriggerIDsAreSingleUseAndExpire(t *testing.T) {
	clock := testclock.New(time.Unix(1_700_000_000, 0))
	fake := New(t, WithClock(clock.Now))
	api := newAPI(fake)
	view := modal("invite", "", emailInput())

	trigger := fake.NewTriggerID()
	opened, err := api.OpenView(trigger, view)
	if err != nil {
		t.Fatal(err)
	}
	_, err = api.OpenView(trigger, view)
	if got := slackError(t, err); got != "exchanged_trigger_id" {
		t.Errorf("reused trigger: %s, want exchanged_trigger_id", got)
	}

	late := fake.NewTriggerID()
	clock.Advance(3*time.Second + time.Millisecond)
	_, err = api.OpenView(late, view)
	if got := slackError(t, err); got != "expired_trigger_id" {
		t.Errorf("late trigger: %s, want expired_trigger_id", got)
	}
	_, err = api.OpenView("123.456.made-up", view)
	if got := slackError(t, err); got != "invalid_trigger_id" {
		t.Errorf("made-up trigger: %s, want invalid_trigger_id", got)
	}

	views := fake.OpenedViews()
	if len(views) != 1 || views[0].ID != opened.ID || views[0].TriggerID != trigger {
		t.Errorf("opened views = %+v, want only %s", views, opened.ID)
	}
}

func TestViewsOpenEchoesTheViewAndUpdateReplacesIt(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	client := startClient(t, fake)
	fake.SlashCommand(SlashCommand{UserID: "U1", ChannelID: "C1"})
	cmd := client.next(t, "slash_commands").Data.(slack.SlashCommand)

	opened, err := api.OpenView(cmd.TriggerID, modal("invite", `{"channel":"C1"}`, emailInput()))
	if err != nil {
		t.Fatal(err)
	}
	if opened.ID == "" || opened.Hash == "" || opened.CallbackID != "invite" ||
		opened.PrivateMetadata != `{"channel":"C1"}` || len(opened.Blocks.BlockSet) != 1 || opened.RootViewID != opened.ID {
		t.Errorf("views.open answered %+v", opened.View)
	}
	if got := fake.OpenedViews()[0].UserID; got != "U1" {
		t.Errorf("view belongs to %q, want the command's user U1", got)
	}

	_, err = api.UpdateView(modal("invite", "", emailInput()), "", "stale-hash", opened.ID)
	if got := slackError(t, err); got != "hash_conflict" {
		t.Errorf("stale hash: %s, want hash_conflict", got)
	}
	updated, err := api.UpdateView(modal("invite-done", "", emailInput()), "", opened.Hash, opened.ID)
	if err != nil {
		t.Fatal(err)
	}
	if updated.ID != opened.ID || updated.Hash == opened.Hash || fake.OpenedViews()[0].CallbackID != "invite-done" {
		t.Errorf("views.update answered %+v", updated.View)
	}
	_, err = api.UpdateView(modal("x", "", emailInput()), "", "", "V0NOPE")
	if got := slackError(t, err); got != "not_found" {
		t.Errorf("unknown view: %s, want not_found", got)
	}
}

func TestSubmitViewCarriesStateAndMetadataToSlackGo(t *testing.T) {
	fake := New(t)
	api := newAPI(fake)
	client := startClient(t, fake)
	opened, err := api.OpenView(fake.NewTriggerID(), modal("invite", `{"channel":"C1"}`, emailInput()))
	if err != nil {
		t.Fatal(err)
	}

	id := fake.SubmitView(opened.ID, "U1", map[string]map[string]slack.BlockAction{
		"email_block": {"email": {Value: "ana@example.com"}},
	})
	ev := client.next(t, "interactive")
	cb := ev.Data.(slack.InteractionCallback)

	if ev.Request.EnvelopeID != id || cb.Type != slack.InteractionTypeViewSubmission {
		t.Fatalf("got %s %s", ev.Request.EnvelopeID, cb.Type)
	}
	if cb.View.ID != opened.ID || cb.View.CallbackID != "invite" || cb.View.PrivateMetadata != `{"channel":"C1"}` {
		t.Errorf("view = %+v", cb.View)
	}
	if cb.View.State == nil {
		t.Fatal("view.state missing")
	}
	email := cb.View.State.Values["email_block"]["email"]
	if email.Value != "ana@example.com" || email.Type != "plain_text_input" {
		t.Errorf("state value = %+v, want typed plain_text_input", email)
	}
	if cb.User.ID != "U1" || cb.TriggerID == "" || cb.Team.ID != teamID {
		t.Errorf("callback user/trigger/team = %+v %q %+v", cb.User, cb.TriggerID, cb.Team)
	}

	pushed, err := api.PushView(cb.TriggerID, modal("confirm", "", emailInput()))
	if err != nil {
		t.Fatalf("pushing with the submission's trigger: %v", err)
	}
	if pushed.PreviousViewID != opened.ID || pushed.RootViewID != opened.ID {
		t.Errorf("pushed view = %+v", pushed.View)
	}
}

func TestInteractionRoundTripsThroughSlackGo(t *testing.T) {
	fake := New(t)
	client := startClient(t, fake)

	fake.Interaction(slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission,
		User: slack.User{ID: "U1"},
		View: slack.View{
			ID: "V1", CallbackID: "invite", PrivateMetadata: "meta",
			State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
				"b": {"a": {Type: "plain_text_input", Value: "typed"}},
			}},
		},
	})
	submission := client.next(t, "interactive").Data.(slack.InteractionCallback)

	if submission.View.PrivateMetadata != "meta" || submission.View.State.Values["b"]["a"].Value != "typed" {
		t.Errorf("view_submission = %+v", submission.View)
	}
	if submission.TriggerID == "" || submission.APIAppID != appID || submission.ResponseURL != "" {
		t.Errorf("filled fields: trigger %q app %q response_url %q", submission.TriggerID, submission.APIAppID, submission.ResponseURL)
	}

	fake.Interaction(slack.InteractionCallback{
		Type:      slack.InteractionTypeBlockActions,
		User:      slack.User{ID: "U1"},
		Container: slack.Container{Type: "message", ChannelID: "C1", MessageTs: "1.2"},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: "retry", BlockID: "actions_block", Type: "button", Value: "ana@example.com"},
		}},
		BlockActionState: &slack.BlockActionStates{Values: map[string]map[string]slack.BlockAction{
			"b": {"a": {Type: "static_select", SelectedOption: slack.OptionBlockObject{Value: "ios"}}},
		}},
	})
	click := client.next(t, "interactive").Data.(slack.InteractionCallback)

	actions := click.ActionCallback.BlockActions
	if len(actions) != 1 || actions[0].ActionID != "retry" || actions[0].Value != "ana@example.com" {
		t.Errorf("block actions = %+v", actions)
	}
	if click.BlockActionState == nil || click.BlockActionState.Values["b"]["a"].SelectedOption.Value != "ios" {
		t.Errorf("block action state = %+v", click.BlockActionState)
	}
	if click.ResponseURL == "" {
		t.Error("block_actions on a message got no response_url")
	}
}

func TestClickButtonOnHomeTabAndOnMessage(t *testing.T) {
	fake := New(t)
	fake.AddChannel("C1", "beta") // the bot is in it: Slack refuses posts to a channel it is not in
	api := newAPI(fake)
	client := startClient(t, fake)
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{retryButton("from-home")}}}
	published, err := api.PublishView("U1", home, "")
	if err != nil {
		t.Fatal(err)
	}
	republished, err := api.PublishView("U1", home, published.Hash)
	if err != nil || republished.ID != published.ID {
		t.Fatalf("republish = %+v, %v; want the same view ID", republished, err)
	}

	fake.ClickButton("U1", "retry", "", OnHomeTab())
	homeClick := client.next(t, "interactive").Data.(slack.InteractionCallback)

	if homeClick.Container.Type != "view" || homeClick.Container.ViewID != published.ID || homeClick.View.ID != published.ID {
		t.Errorf("home click container %+v view %s", homeClick.Container, homeClick.View.ID)
	}
	if a := homeClick.ActionCallback.BlockActions; len(a) != 1 || a[0].Value != "from-home" || a[0].BlockID != "actions_block" {
		t.Errorf("home click actions = %+v", a)
	}
	if homeClick.ResponseURL != "" {
		t.Error("a Home tab click got a response_url; Slack sends none")
	}

	_, ts, err := api.PostMessage("C1", slack.MsgOptionBlocks(retryButton("from-message")))
	if err != nil {
		t.Fatal(err)
	}
	fake.ClickButton("U2", "retry", "override", InMessage("C1", ts))
	msgClick := client.next(t, "interactive").Data.(slack.InteractionCallback)

	if msgClick.Container.ChannelID != "C1" || msgClick.Container.MessageTs != ts || msgClick.Message.Timestamp != ts {
		t.Errorf("message click container %+v message ts %s", msgClick.Container, msgClick.Message.Timestamp)
	}
	if a := msgClick.ActionCallback.BlockActions; len(a) != 1 || a[0].Value != "override" || msgClick.User.ID != "U2" {
		t.Errorf("message click = %+v by %s", a, msgClick.User.ID)
	}
	if msgClick.ResponseURL == "" || msgClick.TriggerID == "" {
		t.Error("message click lacks response_url or trigger_id")
	}
	if got, ok := fake.HomeView("U1"); !ok || got.ID != published.ID {
		t.Errorf("HomeView = %+v, %v", got, ok)
	}
}
