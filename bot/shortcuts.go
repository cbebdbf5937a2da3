package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/internal/address"
)

// The global shortcut (⚡ menu) and the message shortcut (a message's ⋯ menu). Both open the
// invite modal (inviteForm's routes); their callback ids are set in manifest.yaml.
const (
	callbackGlobalShortcut  = "invite_testers"
	callbackMessageShortcut = "invite_testers_from_message"
)

// onGlobalShortcut opens the invite modal with a choice of every mapping the person may manage.
func (f *inviteForm) onGlobalShortcut(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID, responseURL: cb.ResponseURL}
	return reply{opens: true, after: func(ctx context.Context) { f.openAnyTarget(ctx, w, cb.TriggerID, originGlobalShortcut) }}
}

// onMessageShortcut opens the invite modal prefilled with the addresses found in the message;
// results go into that message's thread.
func (f *inviteForm) onMessageShortcut(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID, channelID: cb.Channel.ID, responseURL: cb.ResponseURL}
	thread := cb.Message.ThreadTimestamp
	if thread == "" {
		thread = cb.Message.Timestamp
	}
	return reply{opens: true, after: func(ctx context.Context) {
		f.openForLookedUpChannel(ctx, w, cb.TriggerID, address.Find(cb.Message.Text),
			modalMeta{Origin: originMessageShortcut, ThreadTS: thread})
	}}
}

func foundNote(n int) string {
	if n == 0 {
		return "I found no email address in that message; type them below. Results will be posted in its thread."
	}
	return fmt.Sprintf("I found %s in that message. Results will be posted in its thread.", plural(n, "address", "addresses"))
}
