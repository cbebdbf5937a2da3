package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/store"
)

// The App Home: what the bot does, the mappings a person may manage with buttons to invite and
// to find testers, the requests for testers, access ending soon and recent invitations. Each
// person sees only what they may manage; the view is in home_view.go.

func (b *Bot) homeRoutes() []route {
	return []route{
		onEvent(string(slackevents.AppHomeOpened), b.onHomeOpened),
		onInteraction(slack.InteractionTypeBlockActions, actionHomeInvite, b.onHomeInvite),
		onInteraction(slack.InteractionTypeBlockActions, actionHomeFind, b.onHomeFind),
	}
}

func (b *Bot) onHomeOpened(e slackevents.EventsAPIEvent) reply {
	home, ok := e.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || home.Tab != "home" {
		return reply{}
	}
	return reply{after: func(ctx context.Context) { b.publishHome(ctx, home.User) }}
}

// publishHome renders the App Home for one person, showing only what they may manage.
func (b *Bot) publishHome(ctx context.Context, userID string) {
	channels, err := b.manageable(ctx, userID)
	data := homeData{Channels: channels, Leads: b.d.Access.Leads()}
	if err != nil {
		data.Problem = b.accessUnknown(userID, err)
	}
	if len(channels) > 0 {
		data.Recent = b.recentIn(ctx, channels)
		data.Ending = b.endingIn(ctx, channels)
	}
	b.fillAsks(ctx, userID, len(channels) > 0, &data)
	if err := b.slack.publishHome(ctx, userID, homeView(data)); err != nil {
		b.log.Warn("could not publish the App Home", "user", userID, "error", slackErrorCode(err))
	}
}

// recentIn reads the latest invitations in the given channels from the audit log.
func (b *Bot) recentIn(ctx context.Context, channels []config.Channel) []store.Entry {
	if b.d.History == nil {
		return nil
	}
	var q store.Query
	for _, ch := range channels {
		q.ChannelIDs = append(q.ChannelIDs, ch.ID)
	}
	entries, err := b.recentInDomains(ctx, q, channels, homeRecentShown)
	if err != nil {
		b.log.Warn("could not read the audit log", "error", err)
	}
	return entries
}

// endingIn lists the testers whose access ends soonest in the given channels.
func (b *Bot) endingIn(ctx context.Context, channels []config.Channel) []expiry.End {
	if b.d.Ends == nil {
		return nil
	}
	ids := make([]string, len(channels))
	for i, ch := range channels {
		ids[i] = ch.ID
	}
	ends, err := b.d.Ends.UpcomingEnds(ctx, ids, homeEndingRead)
	if err != nil {
		b.log.Warn("could not read when access ends", "error", err)
	}
	ends = endsInDomains(ends, channels)
	return ends[:min(len(ends), homeEndingShown)]
}

// homeEndingShown is how many ends the App Home lists, of the homeEndingRead soonest: those
// outside their channel's domains are dropped after reading.
const (
	homeEndingShown = 10
	homeEndingRead  = 100
)

// fillAsks shows QA leads the requests waiting for them, and anyone else their own.
func (b *Bot) fillAsks(ctx context.Context, userID string, manages bool, d *homeData) {
	if b.d.Asks == nil || b.d.Access.Leads() == nil {
		return
	}
	var err error
	if lead, _ := b.d.Access.IsLead(ctx, userID); lead && manages {
		d.Pending, err = b.d.Asks.Pending(ctx, nil, homePendingShown+1)
		d.Testers = b.alreadyTesters(ctx, d.Pending[:min(len(d.Pending), homePendingShown)])
	} else {
		d.Mine, err = b.d.Asks.Mine(ctx, userID, 10)
	}
	if err != nil {
		b.log.Warn("could not read the requests for testers", "error", err)
	}
}

// alreadyTesters looks up which addresses of each request are testers of its app already, for
// the leads to see that approving changes nothing of their access. Not knowing is logged.
func (b *Bot) alreadyTesters(ctx context.Context, asks []approval.Ask) map[string][]string {
	if b.d.Invites == nil {
		return nil
	}
	out := map[string][]string{}
	for _, a := range asks {
		testers, err := b.d.Invites.AlreadyTesters(ctx, a.StoreID, a.AppID, a.Emails)
		if err != nil {
			b.log.Warn("could not look up which asked-for addresses are testers already", "ask", a.ID, "error", err)
			continue
		}
		out[a.ID] = testers
	}
	return out
}

// onHomeInvite opens the invite modal from the App Home button.
func (b *Bot) onHomeInvite(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID}
	return reply{opens: true, after: func(ctx context.Context) { b.openAnyTargetModal(ctx, w, cb.TriggerID, originHome) }}
}

// onHomeFind opens the "find or remove a tester" modal.
func (b *Bot) onHomeFind(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID}
	return reply{opens: true, after: func(ctx context.Context) { b.openFindModal(ctx, w, cb.TriggerID) }}
}
