package bot

import (
	"context"
	"encoding/json"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/audit"
)

// onRevoke handles the Revoke button under an invited tester (Slack has already asked the
// person to confirm). The result is posted in the same thread.
func (b *Bot) onRevoke(cb slack.InteractionCallback, action *slack.BlockAction) reply {
	var rt revokeTarget
	if err := json.Unmarshal([]byte(action.Value), &rt); err != nil || rt.Email == "" {
		return reply{}
	}
	w := who{userID: cb.User.ID, channelID: cb.Channel.ID, responseURL: cb.ResponseURL}
	thread := cb.Message.ThreadTimestamp
	if thread == "" {
		thread = cb.Container.ThreadTs
	}
	if thread == "" {
		thread = cb.Message.Timestamp
	}
	return reply{after: b.asLead(w, func(ctx context.Context) {
		if !b.stillMapped(cb.Channel.ID, rt) {
			b.tell(ctx, w, "This channel no longer invites into that app, so I can't revoke from here. Use `"+b.d.Command+" remove` in the channel that does.")
			return
		}
		text := b.remove(ctx, w, cb.Channel.ID, audit.SurfaceRevokeButton, rt)
		if _, err := b.slack.post(ctx, cb.Channel.ID, slack.MsgOptionTS(thread), slack.MsgOptionText(text, false)); err != nil {
			b.tell(ctx, w, text)
		}
	})}
}

// stillMapped checks a button's target against today's mapping: buttons outlive restarts.
func (b *Bot) stillMapped(channelID string, rt revokeTarget) bool {
	ch, ok := b.d.Mapping.Channel(channelID)
	if !ok || ch.Store != rt.Store {
		return false
	}
	_, ok = ch.App(rt.App)
	return ok
}
