package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
)

// The App Home: what the bot does, the mappings a person may manage with buttons to invite and
// to find testers, the requests for testers, access ending soon and recent invitations. Each
// person sees only what they may manage; the view is in home_view.go.

// homeTab is the App Home: it reads what it shows, and its buttons open the invite form and the
// find modal.
type homeTab struct {
	replies
	gate    *gate
	reads   *testerReads
	invites *invite.Service   // which asked-for addresses are testers already
	asks    *approval.Service // nil: no requests are shown
	form    *inviteForm
	find    *findFlow
}

func (h *homeTab) routes() []route {
	return []route{
		onEvent(string(slackevents.AppHomeOpened), h.onOpened),
		onInteraction(slack.InteractionTypeBlockActions, actionHomeInvite, h.onInvite),
		onInteraction(slack.InteractionTypeBlockActions, actionHomeFind, h.onFind),
	}
}

func (h *homeTab) onOpened(e slackevents.EventsAPIEvent) reply {
	home, ok := e.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || home.Tab != "home" {
		return reply{}
	}
	return reply{after: func(ctx context.Context) { h.publish(ctx, home.User) }}
}

// publish renders the App Home for one person, showing only what they may manage.
func (h *homeTab) publish(ctx context.Context, userID string) {
	channels, err := h.gate.manageable(ctx, userID)
	data := homeData{Channels: channels, Leads: h.gate.access.Leads()}
	if err != nil {
		data.Problem = h.accessUnknown(userID, err)
	}
	if len(channels) > 0 {
		data.Recent = h.recentIn(ctx, channels)
		data.Ending = h.endingIn(ctx, channels)
	}
	h.fillAsks(ctx, userID, len(channels) > 0, &data)
	if err := h.slack.publishHome(ctx, userID, homeView(data)); err != nil {
		h.log.Warn("could not publish the App Home", "user", userID, "error", slackErrorCode(err))
	}
}

// recentIn reads the latest invitations in the given channels from the audit log.
func (h *homeTab) recentIn(ctx context.Context, channels []config.Channel) []store.Entry {
	if h.reads.history == nil {
		return nil
	}
	var q store.Query
	for _, ch := range channels {
		q.ChannelIDs = append(q.ChannelIDs, ch.ID)
	}
	entries, err := h.reads.recent(ctx, q, channels, homeRecentShown)
	if err != nil {
		h.log.Warn("could not read the audit log", "error", err)
	}
	return entries
}

// endingIn lists the testers whose access ends soonest in the given channels.
func (h *homeTab) endingIn(ctx context.Context, channels []config.Channel) []expiry.End {
	if h.reads.ends == nil {
		return nil
	}
	ids := make([]string, len(channels))
	for i, ch := range channels {
		ids[i] = ch.ID
	}
	ends, err := h.reads.ends.UpcomingEnds(ctx, ids, homeEndingRead)
	if err != nil {
		h.log.Warn("could not read when access ends", "error", err)
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
func (h *homeTab) fillAsks(ctx context.Context, userID string, manages bool, d *homeData) {
	if h.asks == nil || h.gate.access.Leads() == nil {
		return
	}
	var err error
	if lead, _ := h.gate.access.IsLead(ctx, userID); lead && manages {
		d.Pending, err = h.asks.Pending(ctx, nil, homePendingShown+1)
		d.Testers = h.alreadyTesters(ctx, d.Pending[:min(len(d.Pending), homePendingShown)])
	} else {
		d.Mine, err = h.asks.Mine(ctx, userID, 10)
	}
	if err != nil {
		h.log.Warn("could not read the requests for testers", "error", err)
	}
}

// alreadyTesters looks up which addresses of each request are testers of its app already, for
// the leads to see that approving changes nothing of their access. Not knowing is logged.
func (h *homeTab) alreadyTesters(ctx context.Context, asks []approval.Ask) map[string][]string {
	if h.invites == nil {
		return nil
	}
	out := map[string][]string{}
	for _, a := range asks {
		testers, err := h.invites.AlreadyTesters(ctx, a.StoreID, a.AppID, a.Emails)
		if err != nil {
			h.log.Warn("could not look up which asked-for addresses are testers already", "ask", a.ID, "error", err)
			continue
		}
		out[a.ID] = testers
	}
	return out
}

// onInvite opens the invite modal from the App Home button.
func (h *homeTab) onInvite(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID}
	return reply{opens: true, after: func(ctx context.Context) { h.form.openAnyTarget(ctx, w, cb.TriggerID, originHome) }}
}

// onFind opens the "find or remove a tester" modal.
func (h *homeTab) onFind(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID}
	return reply{opens: true, after: func(ctx context.Context) { h.find.open(ctx, w, cb.TriggerID) }}
}
