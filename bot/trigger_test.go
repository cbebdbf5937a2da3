package bot

import (
	"context"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/slackfake"
)

// A trigger_id lasts 3 s. On every path that opens a form, views.open comes first: no database
// work (the duplicate check, the channel's link) runs before it.

// beforeViewsOpen notes each database call made while no modal is open yet.
type beforeViewsOpen struct {
	slack *slackfake.Server
	mu    sync.Mutex
	calls []string
}

func (o *beforeViewsOpen) note(call string) {
	if len(o.slack.OpenedViews()) == 0 {
		o.mu.Lock()
		o.calls = append(o.calls, call)
		o.mu.Unlock()
	}
}

// checkedEnvelopes is the bot's store, noting each look for a duplicate envelope.
type checkedEnvelopes struct {
	Store
	o *beforeViewsOpen
}

func (e checkedEnvelopes) FirstToHandle(context.Context, string) (bool, error) {
	e.o.note("FirstToHandle")
	return true, nil
}

type checkedMappings struct {
	Mappings
	o *beforeViewsOpen
}

func (m checkedMappings) Lookup(ctx context.Context, id string) (config.Channel, bool, error) {
	m.o.note("Mappings.Lookup")
	return m.Mappings.Lookup(ctx, id)
}

type noAck struct{}

func (noAck) Ack(socketmode.Request, ...any) error { return nil }

func TestNoDatabaseWorkBeforeViewsOpenOnATriggersPath(t *testing.T) {
	t.Parallel()
	// Each event carries a trigger_id and a response_url the test's fake Slack issued.
	type event func(fake *slackfake.Server) socketmode.Event
	command := func(text, channel string) event {
		return func(fake *slackfake.Server) socketmode.Event {
			return socketmode.Event{Type: socketmode.EventTypeSlashCommand, Request: &socketmode.Request{EnvelopeID: "E-" + text + channel},
				Data: slack.SlashCommand{Command: "/invite-tester", Text: text, UserID: ana, ChannelID: channel,
					TriggerID: fake.NewTriggerID(), ResponseURL: fake.NewResponseURL()}}
		}
	}
	interaction := func(cb slack.InteractionCallback) event {
		return func(fake *slackfake.Server) socketmode.Event {
			cb.User.ID, cb.TriggerID = ana, fake.NewTriggerID()
			return socketmode.Event{Type: socketmode.EventTypeInteractive, Request: &socketmode.Request{EnvelopeID: "E-" + cb.CallbackID}, Data: cb}
		}
	}
	button := func(actionID string) event {
		cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions}
		cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: actionID, Value: "x"}}
		return interaction(cb)
	}
	for name, evt := range map[string]event{
		"the command without addresses":                    command("", betaIOS.ID),
		"the command in a channel linked on a new replica": command("", "C0NEWLINK1"),
		"the setup command":                                command("setup", betaIOS.ID),
		"the global shortcut":                              interaction(slack.InteractionCallback{Type: slack.InteractionTypeShortcut, CallbackID: callbackGlobalShortcut}),
		"the message shortcut": interaction(slack.InteractionCallback{Type: slack.InteractionTypeMessageAction, CallbackID: callbackMessageShortcut,
			Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: betaIOS.ID}}}}),
		"the App Home's invite button": button(actionHomeInvite),
		"the App Home's find button":   button(actionHomeFind),
		"a request's deny button":      button(actionAskDeny),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var o *beforeViewsOpen
			tb := newTestBot(t, leadsMapping, withDeps(func(d *Deps, fake *slackfake.Server) {
				o = &beforeViewsOpen{slack: fake}
				d.Store = checkedEnvelopes{Store: d.Store, o: o}
				d.Mappings = checkedMappings{Mappings: d.Mappings, o: o}
			}))
			tb.dispatch(noAck{}, evt(tb.slack))
			<-tb.work.idle()
			_, opened := tb.view(0)
			require.True(t, opened, "a form was opened")
			assert.Empty(t, o.calls, "database work before views.open")
		})
	}
}
