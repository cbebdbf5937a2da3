package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/address"
	"github.com/testerbot/testerbot/audit"
	"github.com/testerbot/testerbot/config"
)

// channelTargets lists a channel's apps as targets.
func channelTargets(ch config.Channel, name string) []target {
	out := make([]target, 0, len(ch.Apps))
	for _, app := range ch.Apps {
		out = append(out, target{Channel: ch, ChannelName: name, App: app})
	}
	return out
}

// inviteModalFor is the modal for a known channel (the command, the message shortcut). It names
// the channel with Slack's own <#C…> mention, so no Slack call delays views.open.
func (b *Bot) inviteModalFor(ch config.Channel, emails []string, meta modalMeta) inviteModal {
	return inviteModal{Targets: channelTargets(ch, ""), Emails: emails, Meta: meta,
		MaxEmails: b.d.Invites.MaxEmails(), FixedTarget: true}
}

// anyTargetModal is the modal for surfaces without a channel (global shortcut, App Home): every
// mapped channel and app, by name. QA leads manage every mapping.
func (b *Bot) anyTargetModal(ctx context.Context, surface audit.Surface) inviteModal {
	ids := make([]string, 0, len(b.d.Mapping.Channels))
	for _, ch := range b.d.Mapping.Channels {
		ids = append(ids, ch.ID)
	}
	names := b.names.getAll(ctx, ids)
	var targets []target
	for _, ch := range b.d.Mapping.Channels {
		targets = append(targets, channelTargets(ch, names[ch.ID])...)
	}
	if len(targets) > 100 { // Slack's limit for a static select
		targets = targets[:100]
	}
	return inviteModal{Targets: targets, Meta: modalMeta{Surface: surface}, MaxEmails: b.d.Invites.MaxEmails()}
}

// openInviteModal opens the modal with a trigger id that is valid for 3 s and single use, so
// it must be called right after the ack, never retried.
func (b *Bot) openInviteModal(ctx context.Context, w who, triggerID string, m inviteModal) {
	if _, err := b.slack.openView(ctx, triggerID, inviteModalView(m)); err != nil {
		b.log.Warn("could not open the invite modal", "user", w.userID, "error", slackErrorCode(err))
		b.tell(ctx, w, "I couldn't open the invite form ("+code(slackErrorCode(err))+"). Please try again.")
	}
}

// submission is a validated invite modal.
type submission struct {
	target    target
	emails    []string
	downloads int
}

// onInviteSubmit validates the modal; problems go back in the ack, shown under the right input,
// and nothing is sent to Applivery. A valid submission closes the modal and invites after the ack.
func (b *Bot) onInviteSubmit(cb slack.InteractionCallback) reply {
	meta := decodeMeta(cb.View.PrivateMetadata)
	sub, problems := b.parseSubmission(cb.View.State, meta)
	if len(problems) > 0 {
		return reply{ack: slack.NewErrorsViewSubmissionResponse(problems)}
	}
	if b.draining.Load() {
		return reply{ack: slack.NewErrorsViewSubmissionResponse(map[string]string{blockEmails: "I'm restarting. Please submit again in a moment."})}
	}
	w := who{userID: cb.User.ID, channelID: sub.target.Channel.ID, responseURL: meta.ResponseURL}
	req := b.inviteRequest(cb.User.ID, sub.target.Channel, sub.target.App, sub.emails, sub.downloads, meta.Surface)
	dest := destination{channelID: sub.target.Channel.ID, threadTS: meta.ThreadTS, who: w}
	return reply{after: b.asLead(w, func(ctx context.Context) { b.runInvite(ctx, dest, req) })}
}

func stateValue(state *slack.ViewState, block string) slack.BlockAction {
	if state == nil {
		return slack.BlockAction{}
	}
	return state.Values[block][block]
}

// parseSubmission reads the modal's inputs; problems are keyed by block id, as Slack wants them.
func (b *Bot) parseSubmission(state *slack.ViewState, meta modalMeta) (submission, map[string]string) {
	problems := map[string]string{}
	var sub submission
	key := stateValue(state, blockTarget).SelectedOption.Value
	if key == "" {
		key = meta.Target
	}
	t, ok := b.resolveTarget(key)
	if !ok {
		problems[blockTarget] = "Choose where to invite the testers."
	}
	sub.target = t
	emails, refused := address.Parse(stateValue(state, blockEmails).Value)
	switch {
	case len(refused) > 0:
		problems[blockEmails] = truncate("Not email addresses: "+refusalsText(refused), 150)
	case len(emails) == 0:
		problems[blockEmails] = "Enter at least one email address."
	case b.d.Invites.CheckSize(len(emails)) != nil:
		problems[blockEmails] = fmt.Sprintf("That is %d addresses; at most %d at once.", len(emails), b.d.Invites.MaxEmails())
	case ok:
		if outside := outsideDomains(emails, t.Channel); len(outside) > 0 {
			problems[blockEmails] = truncate(fmt.Sprintf("Only addresses at %s may be invited there: %s",
				strings.Join(t.Channel.Domains, ", "), strings.Join(outside, ", ")), 150)
		}
	}
	sub.emails = emails
	sub.downloads = t.Channel.Downloads
	if raw := strings.TrimSpace(stateValue(state, blockDownloads).Value); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n == 0 || n < -1 {
			problems[blockDownloads] = "Use -1 for unlimited, or a whole number from 1."
		}
		sub.downloads = n
	}
	return sub, problems
}

// refusalsText lists what is not an address, each with why, for a plain-text field.
func refusalsText(refused []address.Refusal) string {
	parts := make([]string, 0, len(refused))
	for _, r := range refused {
		parts = append(parts, r.Input+" ("+r.Reason+")")
	}
	return strings.Join(parts, ", ")
}

// resolveTarget finds the chosen channel and app in the mapping.
func (b *Bot) resolveTarget(key string) (target, bool) {
	chID, appID, _ := strings.Cut(key, "/")
	ch, ok := b.d.Mapping.Channel(chID)
	if !ok {
		return target{}, false
	}
	app, ok := ch.App(appID)
	if !ok {
		return target{}, false
	}
	return target{Channel: ch, App: app}, true
}
