package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/address"
	"github.com/testerbot/testerbot/audit"
)

// onGlobalShortcut opens the invite modal with a choice of every mapped channel and app.
func (b *Bot) onGlobalShortcut(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID, responseURL: cb.ResponseURL}
	return reply{after: func(ctx context.Context) {
		b.openForLead(ctx, w, cb.TriggerID, func() { b.openInviteModal(ctx, w, cb.TriggerID, b.anyTargetModal(ctx, audit.SurfaceGlobalShortcut)) })
	}}
}

// onMessageShortcut opens the invite modal prefilled with the addresses found in the message;
// results go into that message's thread.
func (b *Bot) onMessageShortcut(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID, channelID: cb.Channel.ID, responseURL: cb.ResponseURL}
	return reply{after: func(ctx context.Context) {
		ch, ok := b.d.Mapping.Channel(cb.Channel.ID)
		if !ok {
			b.openNotice(ctx, w, cb.TriggerID, "Invite testers", b.unmappedText(cb.Channel.ID))
			return
		}
		thread := cb.Message.ThreadTimestamp
		if thread == "" {
			thread = cb.Message.Timestamp
		}
		emails := address.Find(cb.Message.Text)
		b.openForLead(ctx, w, cb.TriggerID, func() {
			m := b.inviteModalFor(ch, emails, modalMeta{Surface: audit.SurfaceMessageShortcut, ThreadTS: thread})
			m.Note = foundNote(len(emails))
			b.openInviteModal(ctx, w, cb.TriggerID, m)
		})
	}}
}

func foundNote(n int) string {
	if n == 0 {
		return "I found no email address in that message; type them below. Results will be posted in its thread."
	}
	return fmt.Sprintf("I found %s in that message. Results will be posted in its thread.", plural(n, "address", "addresses"))
}

// openForLead opens what open does for QA leads; anyone else gets a modal saying who can help
// (the trigger id is there to be used, and a modal answers where the person is looking).
func (b *Bot) openForLead(ctx context.Context, w who, triggerID string, open func()) {
	ok, err := b.d.Access.IsLead(ctx, w.userID)
	switch {
	case err != nil:
		b.log.Error("could not check QA lead membership", "user", w.userID, "error", err.Error())
		b.openNotice(ctx, w, triggerID, "Invite testers", ":warning: I couldn't check whether you are a QA lead (Slack did not answer). Please try again in a moment.")
	case !ok:
		b.openNotice(ctx, w, triggerID, "Invite testers", "Sorry, only QA leads can invite testers. "+leadsText(b.d.Access.Leads())+" can help you.")
	default:
		open()
	}
}

func (b *Bot) openNotice(ctx context.Context, w who, triggerID, title, text string) {
	if _, err := b.slack.openView(ctx, triggerID, noticeModalView(title, text)); err != nil {
		b.tell(ctx, w, text)
	}
}
