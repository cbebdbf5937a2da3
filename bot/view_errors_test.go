package bot

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/config"
)

// Slack refuses a response_action "errors" that names a block which is not an input of the
// submitted view, and the person then sees no problem at all. Each form is submitted here as the
// bot drew it, with every kind of problem it can have, and each error must sit under an input.

// submitted is view as Slack sends it back in a view_submission: with its blocks, the state of
// the given inputs (keyed by block id) and the private metadata the bot put there.
func submitted(t *testing.T, user string, view slack.ModalViewRequest, inputs map[string]slack.BlockAction) slack.InteractionCallback {
	t.Helper()
	raw, err := json.Marshal(view)
	require.NoError(t, err)
	var v slack.View
	require.NoError(t, json.Unmarshal(raw, &v))
	cb := submit(user, view.CallbackID, view.PrivateMetadata, inputs)
	v.ID, v.State = cb.View.ID, cb.View.State
	cb.View = v
	return cb
}

func requireErrorsUnderInputs(t *testing.T, cb slack.InteractionCallback, r reply, wantSome string) {
	t.Helper()
	ack, ok := r.ack.(*slack.ViewSubmissionResponse)
	require.True(t, ok, "the ack answers the form: %#v", r.ack)
	require.Equal(t, slack.RAErrors, ack.ResponseAction)
	require.NotEmpty(t, ack.Errors)
	inputs := inputBlockIDs(cb.View.Blocks.BlockSet)
	var all string
	for block, message := range ack.Errors {
		assert.Contains(t, inputs, block, "error %q names a block that is not an input of the form", message)
		all += message + "\n"
	}
	assert.Contains(t, all, wantSome)
}

func TestEveryFormErrorNamesAnInputOfThatForm(t *testing.T) {
	t.Parallel()
	tb := newTestBot(t, membersMapping, withMaxEmails(2))
	gone := config.Channel{ID: "C0GONE0001", Store: betaIOS.Store, Apps: []config.App{iosApp}, Downloads: 3} // mapped no more
	single := inviteModalView(inviteModal{Targets: channelTargets(betaIOS, "#beta-ios"), MaxEmails: 2, FixedTarget: true,
		Meta: modalMeta{Origin: originModal}})
	singleGone := inviteModalView(inviteModal{Targets: channelTargets(gone, "#gone"), MaxEmails: 2, FixedTarget: true,
		Meta: modalMeta{Origin: originModal}})
	several := inviteModalView(inviteModal{Targets: append(channelTargets(betaIOS, "#beta-ios"), channelTargets(betaBoth, "#beta")...),
		MaxEmails: 2, Meta: modalMeta{Origin: originGlobalShortcut}})
	asking := inviteModalView(inviteModal{Targets: channelTargets(betaIOS, "#beta-ios"), MaxEmails: 2, FixedTarget: true, Ask: true,
		Meta: modalMeta{Origin: originModal}})
	badAddress := map[string]slack.BlockAction{blockEmails: {Value: "bob@"}, blockDownloads: {Value: "0"},
		blockAccessEnds: {SelectedDateTime: time.Now().Add(-time.Hour).Unix()}}
	for name, tc := range map[string]struct {
		view   slack.ModalViewRequest
		inputs map[string]slack.BlockAction
		want   string
	}{
		"one target, every input wrong":  {single, badAddress, "Not email addresses"},
		"one target that is gone":        {singleGone, map[string]slack.BlockAction{blockEmails: {Value: "alice@example.com"}}, "no longer set up"},
		"several targets, none chosen":   {several, map[string]slack.BlockAction{blockTarget: {SelectedOption: slack.OptionBlockObject{Value: "C0GONE0001/x"}}}, "Choose where"},
		"an ask with no address":         {asking, map[string]slack.BlockAction{blockEmails: {Value: " "}}, "Enter at least one"},
		"one target, too many addresses": {single, map[string]slack.BlockAction{blockEmails: {Value: "a@example.com b@example.com c@example.com"}}, "at most 2"},
	} {
		t.Run("invite: "+name, func(t *testing.T) {
			cb := submitted(t, ana, tc.view, tc.inputs)
			requireErrorsUnderInputs(t, cb, tb.handle(cb), tc.want)
		})
	}

	stores := []applivery.Store{{ID: betaIOS.Store}, {ID: "64a1b2c3d4e5f6a7b8c9d0ff"}}
	apps := []applivery.PublishedApp{{ID: iosApp.ID, Name: "Acme iOS beta"}}
	noStore := setupView(setupModal{ChannelID: "C0NEW0001", Stores: stores, Downloads: "3"})
	noApps := setupView(setupModal{ChannelID: "C0NEW0001", Stores: stores, Store: stores[1].ID, Downloads: "3"})
	withApps := setupView(setupModal{ChannelID: "C0NEW0001", Stores: stores, Store: betaIOS.Store, Apps: apps, Downloads: "3"})
	pick := func(id string) slack.BlockAction {
		return slack.BlockAction{SelectedOption: slack.OptionBlockObject{Value: id}}
	}
	for name, tc := range map[string]struct {
		view   slack.ModalViewRequest
		inputs map[string]slack.BlockAction
		want   string
	}{
		"no store chosen":                    {noStore, map[string]slack.BlockAction{blockDownloads: {Value: "3"}}, "Choose a store"},
		"a store chosen, its apps not shown": {noStore, map[string]slack.BlockAction{blockSetupStore: pick(betaIOS.Store), blockDownloads: {Value: "3"}}, "Wait for this store's apps"},
		"a store without apps":               {noApps, map[string]slack.BlockAction{blockDownloads: {Value: "0"}, blockSetupDomains: {Value: "not a domain"}}, "no published app"},
		"another store than the apps shown":  {withApps, map[string]slack.BlockAction{blockSetupStore: pick(stores[1].ID), blockSetupApp: pick(iosApp.ID), blockDownloads: {Value: "3"}}, "Wait for this store's apps"},
		"no app chosen":                      {withApps, map[string]slack.BlockAction{blockDownloads: {Value: "3"}}, "Choose one of the store's apps"},
	} {
		t.Run("setup: "+name, func(t *testing.T) {
			cb := submitted(t, ana, tc.view, tc.inputs)
			requireErrorsUnderInputs(t, cb, tb.handle(cb), tc.want)
		})
	}

	t.Run("find: no target", func(t *testing.T) {
		view := findModalView(findModal{Targets: append(channelTargets(betaIOS, "#beta-ios"), channelTargets(betaBoth, "#beta")...)})
		cb := submitted(t, ana, view, map[string]slack.BlockAction{blockTarget: {SelectedOption: slack.OptionBlockObject{Value: "C0GONE0001/x"}}})
		requireErrorsUnderInputs(t, cb, tb.handle(cb), "Choose a channel and app")
	})
}

func TestAProblemOfABlockThatIsNoInputMovesUnderTheFirstInput(t *testing.T) {
	t.Parallel()
	view := slack.View{Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewContextBlock("target", mrkdwn("Inviting into *Acme*")),
		slack.NewInputBlock(blockEmails, plain("Email addresses"), nil, slack.NewPlainTextInputBlockElement(nil, blockEmails)),
	}}}
	ack := inputErrors(view, map[string]string{blockTarget: "The app is gone.", blockEmails: "Not email addresses: bob@"})
	assert.Equal(t, map[string]string{blockEmails: "The app is gone. Not email addresses: bob@"}, ack.Errors)
}
