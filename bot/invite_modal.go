package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/address"
	"github.com/testerbot/testerbot/internal/invite"
)

// The invite modal: opened by the command, both shortcuts (shortcuts.go) and the App Home;
// submitted here. Its view is in invite_modal_view.go.

// inviteForm is the invite modal and the two shortcuts that open it. A submission is invited,
// or asked of the QA leads, by the ask flow.
type inviteForm struct {
	replies
	gate     *gate
	targets  *targetPicker
	mappings Mappings
	invites  *invite.Service // how many addresses one request may hold
	asks     *askFlow
	draining *atomic.Bool // the bot is shutting down: submissions are refused
}

func (f *inviteForm) routes() []route {
	return []route{
		onInteraction(slack.InteractionTypeViewSubmission, callbackInviteModal, f.onSubmit),
		onInteraction(slack.InteractionTypeShortcut, callbackGlobalShortcut, f.onGlobalShortcut),
		onInteraction(slack.InteractionTypeMessageAction, callbackMessageShortcut, f.onMessageShortcut),
	}
}

// openForChannel opens the invite modal for one channel (the command, the message shortcut):
// it opens at once and fills in once access is checked.
func (f *inviteForm) openForChannel(ctx context.Context, w who, triggerID string, ch config.Channel, emails []string, meta modalMeta) {
	f.openThenFill(ctx, w, triggerID, "Invite testers", func(ctx context.Context, _ string) slack.ModalViewRequest {
		return f.channelModal(ctx, w, ch, emails, meta)
	})
}

// openForLookedUpChannel is openForChannel for a channel this process does not know to be
// mapped: the modal opens first, and the channel's link is read from the database after, since
// the trigger id cannot wait for it.
func (f *inviteForm) openForLookedUpChannel(ctx context.Context, w who, triggerID string, emails []string, meta modalMeta) {
	f.openThenFill(ctx, w, triggerID, "Invite testers", func(ctx context.Context, _ string) slack.ModalViewRequest {
		ch, ok, err := f.mappings.Lookup(ctx, w.channelID)
		switch {
		case err != nil:
			f.log.Error("could not look a channel's link up", "channel", w.channelID, "error", err)
			return noticeModalView("Invite testers", ":x: I couldn't read this channel's link from my database. Please try again in a moment.")
		case !ok:
			return noticeModalView("Invite testers", f.gate.unmappedText(w.channelID))
		}
		return f.channelModal(ctx, w, ch, emails, meta)
	})
}

// channelModal is the invite modal for one channel, once access is checked.
func (f *inviteForm) channelModal(ctx context.Context, w who, ch config.Channel, emails []string, meta modalMeta) slack.ModalViewRequest {
	leads := f.gate.access.Leads()
	ok, err := f.gate.access.MayManage(ctx, w.userID, ch.ID)
	switch {
	case err != nil:
		return noticeModalView("Invite testers", f.accessUnknown(w.userID, err))
	case !ok && leads == nil:
		return noticeModalView("Invite testers", f.gate.refusalText(ch.ID))
	}
	m := inviteModal{Targets: channelTargets(ch, ""), Emails: emails, Meta: meta,
		MaxEmails: f.invites.MaxEmails(), FixedTarget: true, Ask: !ok}
	if m.Ask {
		m.Note = "Only QA leads invite testers: this asks them. " + leadsText(leads) + " will approve or deny it in <#" + ch.ID + ">."
	}
	if meta.Origin == originMessageShortcut {
		if problem := prefillProblem(emails, m.MaxEmails); problem != "" {
			return noticeModalView("Invite testers", problem)
		}
		m.Note = strings.TrimSpace(m.Note + " " + foundNote(len(emails)))
	}
	return inviteModalView(m)
}

// openAnyTarget opens the invite modal for surfaces without a channel (the global
// shortcut, the App Home): every mapping the person may manage, by name.
func (f *inviteForm) openAnyTarget(ctx context.Context, w who, triggerID string, origin string) {
	f.targets.openWith(ctx, w, triggerID, "Invite testers", func(targets []target) slack.ModalViewRequest {
		return inviteModalView(inviteModal{Targets: targets, Meta: modalMeta{Origin: origin}, MaxEmails: f.invites.MaxEmails()})
	})
}

// submission is a validated invite modal.
type submission struct {
	target    target
	emails    []string
	downloads int
	accessFor time.Duration // 0: access does not end
	reason    string        // why, for the QA leads, when the form asks
}

// onSubmit validates the modal; problems go back in the ack, shown under the right input,
// and nothing is sent to Applivery. A valid submission closes the modal and, once access is
// checked again, invites after the ack.
func (f *inviteForm) onSubmit(cb slack.InteractionCallback) reply {
	meta := decodeMeta(cb.View.PrivateMetadata)
	sub, problems := f.parseSubmission(cb.View.State, meta)
	if len(problems) > 0 {
		return reply{ack: inputErrors(cb.View, problems)}
	}
	if f.draining.Load() {
		return reply{ack: inputErrors(cb.View, map[string]string{blockEmails: "I'm restarting. Please submit again in a moment."})}
	}
	w := who{userID: cb.User.ID, channelID: sub.target.Channel.ID}
	if meta.User == cb.User.ID {
		w.responseURL = meta.ResponseURL
	}
	req := inviteRequest(cb.User.ID, sub.target.Channel, sub.target.App, sub.emails, sub.downloads, meta.Origin,
		invite.Reply{Channel: sub.target.Channel.ID, Thread: meta.ThreadTS})
	req.AccessFor = sub.accessFor
	return reply{after: func(ctx context.Context) { f.asks.inviteOrAsk(ctx, w, sub.target.Channel, req, sub.reason) }}
}

// refusalsText lists what is not an address, each with why, for a plain-text field.
func refusalsText(refused []address.Refusal) string {
	parts := make([]string, 0, len(refused))
	for _, r := range refused {
		parts = append(parts, r.Input+" ("+r.Reason+")")
	}
	return strings.Join(parts, ", ")
}

func stateValue(state *slack.ViewState, block string) slack.BlockAction {
	if state == nil {
		return slack.BlockAction{}
	}
	return state.Values[block][block]
}

// parseSubmission reads the modal's inputs; problems are keyed by block id, as Slack wants them.
func (f *inviteForm) parseSubmission(state *slack.ViewState, meta modalMeta) (submission, map[string]string) {
	problems := map[string]string{}
	var sub submission
	key := stateValue(state, blockTarget).SelectedOption.Value
	if key == "" {
		key = meta.Target
	}
	t, ok := f.targets.resolve(key)
	switch {
	case !ok && meta.Target != "": // the form named its only target, which is gone
		problems[blockTarget] = "This channel's app is no longer set up for invites: close the form and try again."
	case !ok:
		problems[blockTarget] = "Choose where to invite the testers."
	}
	sub.target = t
	emails, refused := address.Parse(stateValue(state, blockEmails).Value)
	switch {
	case len(refused) > 0:
		problems[blockEmails] = truncate("Not email addresses: "+refusalsText(refused), maxPlainText)
	case len(emails) == 0:
		problems[blockEmails] = "Enter at least one email address."
	case f.invites.CheckSize(len(emails)) != nil:
		problems[blockEmails] = fmt.Sprintf("That is %d addresses; at most %d at once.", len(emails), f.invites.MaxEmails())
	case ok:
		if outside := outsideDomains(emails, t.Channel); len(outside) > 0 {
			problems[blockEmails] = truncate(fmt.Sprintf("Only addresses at %s may be invited there: %s",
				strings.Join(t.Channel.Domains, ", "), strings.Join(outside, ", ")), maxPlainText)
		}
	}
	sub.emails = emails
	sub.downloads = t.Channel.Downloads
	sub.reason = strings.TrimSpace(stateValue(state, blockReason).Value)
	if at := stateValue(state, blockAccessEnds).SelectedDateTime; at != 0 {
		sub.accessFor = time.Until(time.Unix(at, 0))
		switch {
		case sub.accessFor < invite.MinAccess:
			problems[blockAccessEnds] = "That is in the past, or less than a minute away: choose a later time."
		case sub.accessFor > invite.MaxAccess:
			problems[blockAccessEnds] = "Access can last at most 365 days: choose an earlier date."
		}
	}
	if raw := strings.TrimSpace(stateValue(state, blockDownloads).Value); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n == 0 || n < -1 {
			problems[blockDownloads] = "Use -1 for unlimited, or a whole number from 1."
		}
		sub.downloads = n
	}
	return sub, problems
}
