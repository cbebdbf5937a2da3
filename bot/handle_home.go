package bot

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/audit"
)

// publishHome renders the App Home for one person: buttons and mappings for QA leads, an
// explanation and who the leads are for everyone else, and recent invitations.
func (b *Bot) publishHome(ctx context.Context, userID string) {
	lead, err := b.d.Access.IsLead(ctx, userID)
	if err != nil {
		b.log.Warn("could not check QA lead membership for the App Home", "user", userID, "error", err.Error())
	}
	data := homeData{Lead: lead, Leads: b.d.Access.Leads(), Everyone: lead}
	if lead {
		data.Channels = b.d.Mapping.Channels
	}
	data.Recent = b.recent(ctx, lead, userID)
	if err := b.slack.publishHome(ctx, userID, homeView(data)); err != nil {
		b.log.Warn("could not publish the App Home", "user", userID, "error", slackErrorCode(err))
	}
}

func (b *Bot) recent(ctx context.Context, everyone bool, userID string) []audit.Entry {
	if b.d.History == nil {
		return nil
	}
	q := audit.Query{Limit: homeRecentShown}
	if !everyone {
		q.UserID = userID
	}
	entries, err := b.d.History.Recent(ctx, q)
	if err != nil {
		b.log.Warn("could not read the audit log", "error", err.Error())
	}
	return entries
}

// onHomeInvite opens the invite modal from the App Home button. The trigger id expires in 3 s,
// so the only work before views.open is the (cached) lead check and channel names.
func (b *Bot) onHomeInvite(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID}
	return reply{after: func(ctx context.Context) {
		b.openForLead(ctx, w, cb.TriggerID, func() {
			b.openInviteModal(ctx, w, cb.TriggerID, b.anyTargetModal(ctx, audit.SurfaceHome))
		})
	}}
}

// onHomeFind opens the "find or remove a tester" modal.
func (b *Bot) onHomeFind(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID}
	return reply{after: func(ctx context.Context) {
		b.openForLead(ctx, w, cb.TriggerID, func() {
			targets := b.anyTargetModal(ctx, audit.SurfaceHome).Targets
			if _, err := b.slack.openView(ctx, cb.TriggerID, findModalView(findModal{Targets: targets})); err != nil {
				b.log.Warn("could not open the find modal", "user", w.userID, "error", slackErrorCode(err))
			}
		})
	}}
}
