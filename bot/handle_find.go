package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/audit"
	"github.com/testerbot/testerbot/invite"
)

// onFindSubmit answers a search at once with the form showing "Searching…", then fills in the
// results with views.update: Applivery may take longer than Slack's 3 s.
func (b *Bot) onFindSubmit(cb slack.InteractionCallback) reply {
	key := stateValue(cb.View.State, blockTarget).SelectedOption.Value
	t, ok := b.resolveTarget(key)
	if !ok {
		return reply{ack: slack.NewErrorsViewSubmissionResponse(map[string]string{blockTarget: "Choose a channel and app."})}
	}
	m := findModal{Targets: b.cachedTargets(), Selected: key, Filter: strings.TrimSpace(stateValue(cb.View.State, blockFilter).Value),
		Searched: true, Store: t.Channel.Store}
	searching := findModalView(m)
	w := who{userID: cb.User.ID}
	return reply{
		ack: slack.NewUpdateViewSubmissionResponse(&searching),
		after: b.asLead(w, func(ctx context.Context) {
			b.showFindResults(ctx, cb.View.ID, m, t, "")
		}),
	}
}

// showFindResults searches Applivery and replaces the modal's content with what it found.
func (b *Bot) showFindResults(ctx context.Context, viewID string, m findModal, t target, notice string) {
	listing, err := b.d.Invites.List(ctx, t.Channel.Store, []invite.App{{ID: t.App.ID, Name: t.App.Name}}, m.Filter, findResultsShown)
	m.Notice = notice
	if err != nil {
		m.Notice = strings.TrimSpace(notice + "\n:x: " + invite.Explain(err))
		listing = &invite.Listing{}
	}
	m.Results = listing
	if err := b.slack.updateView(ctx, viewID, findModalView(m)); err != nil {
		b.log.Warn("could not update the find modal", "error", slackErrorCode(err))
	}
}

// cachedTargets lists every mapped channel and app with the names already known, without
// calling Slack: the ack of a submission cannot wait.
func (b *Bot) cachedTargets() []target {
	var out []target
	for _, ch := range b.d.Mapping.Channels {
		out = append(out, channelTargets(ch, b.names.cached(ch.ID))...)
	}
	return out
}

// onFindRemove removes a tester from the find modal, then shows the search again.
func (b *Bot) onFindRemove(cb slack.InteractionCallback, action *slack.BlockAction) reply {
	var rt revokeTarget
	_ = json.Unmarshal([]byte(action.Value), &rt)
	var meta findMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta)
	w := who{userID: cb.User.ID}
	return reply{after: b.asLead(w, func(ctx context.Context) {
		t, ok := b.resolveTarget(meta.Target)
		if !ok || t.Channel.Store != rt.Store || t.App.ID != rt.App {
			b.log.Warn("find modal remove for a target no longer mapped", "target", meta.Target)
			return
		}
		notice := b.remove(ctx, w, t.Channel.ID, audit.SurfaceHome, rt)
		m := findModal{Targets: b.cachedTargets(), Selected: meta.Target, Filter: meta.Filter, Searched: true, Store: t.Channel.Store}
		b.showFindResults(ctx, cb.View.ID, m, t, notice)
	})}
}

// remove revokes one tester and returns a sentence about it for people.
func (b *Bot) remove(ctx context.Context, w who, channelID string, surface audit.Surface, rt revokeTarget) string {
	res, err := b.d.Invites.Remove(ctx, invite.RemoveRequest{
		ID: newRef(), UserID: w.userID, ChannelID: channelID, Surface: surface, StoreID: rt.Store,
		Apps: []invite.App{{ID: rt.App, Name: rt.AppName}}, Email: rt.Email, OTPUserID: rt.OTPUserID,
	})
	switch {
	case err != nil:
		return fmt.Sprintf(":x: I couldn't remove *%s*: %s", esc(rt.Email), invite.Explain(err))
	case len(res.Removed) == 0:
		return fmt.Sprintf(":information_source: *%s* is not a tester of *%s* (any more), so there was nothing to remove.", esc(rt.Email), esc(rt.AppName))
	default:
		return fmt.Sprintf(":wastebasket: <@%s> removed *%s* (OTP user %s) from *%s*.", w.userID, esc(rt.Email), code(res.Removed[0].User.ID), esc(rt.AppName))
	}
}
