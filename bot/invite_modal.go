package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/address"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/invite"
)

// The invite modal: opened by the command, both shortcuts and the App Home; submitted here.

const (
	callbackInviteModal = "invite_modal"
	blockEmails         = "emails"
	blockDownloads      = "downloads"
	blockAccessEnds     = "access_ends"
	blockReason         = "reason"
	blockTarget         = "target" // shared with the find modal and type-ahead
)

// maxInput is Slack's limit on a plain_text_input's max_length.
const maxInput = 3000

// inviteModal is everything the invite modal shows.
type inviteModal struct {
	Targets     []target // one: shown as text; several: a select
	Emails      []string // prefilled addresses
	Note        string   // mrkdwn shown at the top, already escaped
	Meta        modalMeta
	MaxEmails   int
	FixedTarget bool // the channel is given (command, message shortcut), only the app may vary
	Ask         bool // the person may not invite: the form asks the QA leads instead
}

// modalMeta travels in the modal's private_metadata, from opening to submission.
type modalMeta struct {
	Origin      string `json:"s"`           // where the modal was opened from
	ThreadTS    string `json:"t,omitempty"` // results go into this thread (message shortcut)
	ResponseURL string `json:"r,omitempty"` // the command's, to reach the person privately
	User        string `json:"u,omitempty"` // whose command it was: the only one its response_url may answer
	Target      string `json:"k,omitempty"` // the only target, when the modal has no select
}

func (m modalMeta) encode() string {
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeMeta(s string) modalMeta {
	var m modalMeta
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

// emailsMaxLength sizes the addresses input for maxEmails of the longest addresses, one per
// line, within Slack's limit for an input.
func emailsMaxLength(maxEmails int) int {
	const longestLine = 254 + 1 // an address and its newline
	return min(maxInput, maxEmails*longestLine)
}

// inviteModalView builds the invite modal. It is pure, and golden-file tested.
func inviteModalView(m inviteModal) slack.ModalViewRequest {
	var blocks []slack.Block
	if m.Note != "" {
		blocks = append(blocks, section(m.Note, nil))
	}
	if len(m.Targets) == 1 {
		t := m.Targets[0]
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("Inviting into *%s* from <#%s>", esc(t.App.Name), t.Channel.ID))))
	} else {
		blocks = append(blocks, targetSelect(m.Targets, "", m.FixedTarget))
	}
	emails := slack.NewPlainTextInputBlockElement(plain("alice@example.com, bob@example.com"), blockEmails)
	emails.Multiline = true
	emails.MaxLength = emailsMaxLength(m.MaxEmails)
	emails.InitialValue = strings.Join(m.Emails, "\n")
	emails.FocusOnLoad = len(m.Emails) == 0
	blocks = append(blocks, slack.NewInputBlock(blockEmails, plain("Email addresses"),
		plain(fmt.Sprintf("One per line, or separated by spaces or commas. Up to %d at once.", m.MaxEmails)), emails))
	if m.Ask {
		reason := slack.NewPlainTextInputBlockElement(plain("Who they are, and why they should test"), blockReason)
		reason.Multiline, reason.MaxLength = true, maxReason
		in := slack.NewInputBlock(blockReason, plain("Why (for the QA leads)"), nil, reason)
		in.Optional = true
		blocks = append(blocks, in)
	} else {
		blocks = append(blocks, downloadsInput(m.Targets))
	}
	blocks = append(blocks, accessEndsInput())
	meta := m.Meta
	if len(m.Targets) == 1 {
		meta.Target = m.Targets[0].key()
	}
	heading, submit := "Invite testers", "Invite"
	if m.Ask {
		heading, submit = "Ask for testers", "Ask"
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackInviteModal,
		Title:           title(heading),
		Submit:          title(submit),
		Close:           title("Cancel"),
		PrivateMetadata: meta.encode(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// maxReason bounds the reason an asker gives, which is shown in the channel.
const maxReason = 500

// accessEndsInput lets access end at a chosen moment; empty, it does not end.
func accessEndsInput() *slack.InputBlock {
	in := slack.NewInputBlock(blockAccessEnds, plain("Access ends"), plain("Optional: the testers are removed then (at most 365 days from now)."),
		slack.NewDateTimePickerBlockElement(blockAccessEnds))
	in.Optional = true
	return in
}

// prefillProblem says why addresses found in a message cannot all go into the form, "" when
// they can: the form must never silently drop some of them.
func prefillProblem(emails []string, maxEmails int) string {
	if len(emails) > maxEmails {
		return fmt.Sprintf("That message lists %d addresses; one request may invite at most %d. Split them over several messages, or paste them into `/invite-tester` in groups.", len(emails), maxEmails)
	}
	if n := len(strings.Join(emails, "\n")); n > emailsMaxLength(maxEmails) {
		return fmt.Sprintf("The %d addresses in that message take %d characters, more than the invite form holds (%d). Split them over several messages, or paste them into `/invite-tester` in groups.", len(emails), n, emailsMaxLength(maxEmails))
	}
	return ""
}

// downloadsInput is prefilled with the channel's default when there is one answer; with several
// targets of different defaults it is left empty, meaning "the chosen channel's default".
func downloadsInput(targets []target) *slack.InputBlock {
	el := slack.NewNumberInputBlockElement(plain("Channel default"), blockDownloads, false)
	el.MinValue = "-1"
	hint := "-1 means unlimited."
	if d, same := commonDownloads(targets); same {
		el.InitialValue = strconv.Itoa(d)
	} else {
		hint += " Leave empty for the chosen channel's default."
	}
	in := slack.NewInputBlock(blockDownloads, plain("Allowed downloads per tester"), plain(hint), el)
	in.Optional = true
	return in
}

func commonDownloads(targets []target) (int, bool) {
	if len(targets) == 0 {
		return 0, false
	}
	d := targets[0].Channel.Downloads
	for _, t := range targets[1:] {
		if t.Channel.Downloads != d {
			return 0, false
		}
	}
	return d, true
}

func (b *Bot) inviteModalRoutes() []route {
	return []route{onInteraction(slack.InteractionTypeViewSubmission, callbackInviteModal, b.onInviteSubmit)}
}

// openChannelModal opens the invite modal for one channel (the command, the message shortcut):
// it opens at once and fills in once access is checked.
func (b *Bot) openChannelModal(ctx context.Context, w who, triggerID string, ch config.Channel, emails []string, meta modalMeta) {
	b.openThenFill(ctx, w, triggerID, "Invite testers", func(ctx context.Context, _ string) slack.ModalViewRequest {
		ok, err := b.d.Access.MayManage(ctx, w.userID, ch.ID)
		switch {
		case err != nil:
			return noticeModalView("Invite testers", b.accessUnknown(w.userID, err))
		case !ok && b.d.Access.Leads() == nil:
			return noticeModalView("Invite testers", b.refusalText(ch.ID))
		}
		m := inviteModal{Targets: channelTargets(ch, ""), Emails: emails, Meta: meta,
			MaxEmails: b.d.Invites.MaxEmails(), FixedTarget: true, Ask: !ok}
		if m.Ask {
			m.Note = "Only QA leads invite testers: this asks them. " + leadsText(b.d.Access.Leads()) + " will approve or deny it in <#" + ch.ID + ">."
		}
		if meta.Origin == originMessageShortcut {
			if problem := prefillProblem(emails, m.MaxEmails); problem != "" {
				return noticeModalView("Invite testers", problem)
			}
			m.Note = strings.TrimSpace(m.Note + " " + foundNote(len(emails)))
		}
		return inviteModalView(m)
	})
}

// openAnyTargetModal opens the invite modal for surfaces without a channel (the global
// shortcut, the App Home): every mapping the person may manage, by name.
func (b *Bot) openAnyTargetModal(ctx context.Context, w who, triggerID string, origin string) {
	b.openThenFill(ctx, w, triggerID, "Invite testers", func(ctx context.Context, _ string) slack.ModalViewRequest {
		channels, err := b.manageable(ctx, w.userID)
		switch {
		case err != nil:
			return noticeModalView("Invite testers", b.accessUnknown(w.userID, err))
		case len(channels) == 0:
			return noticeModalView("Invite testers", b.refusalText(""))
		}
		return inviteModalView(inviteModal{Targets: b.namedTargets(ctx, channels), Meta: modalMeta{Origin: origin},
			MaxEmails: b.d.Invites.MaxEmails()})
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

// onInviteSubmit validates the modal; problems go back in the ack, shown under the right input,
// and nothing is sent to Applivery. A valid submission closes the modal and, once access is
// checked again, invites after the ack.
func (b *Bot) onInviteSubmit(cb slack.InteractionCallback) reply {
	meta := decodeMeta(cb.View.PrivateMetadata)
	sub, problems := b.parseSubmission(cb.View.State, meta)
	if len(problems) > 0 {
		return reply{ack: slack.NewErrorsViewSubmissionResponse(problems)}
	}
	if b.draining.Load() {
		return reply{ack: slack.NewErrorsViewSubmissionResponse(map[string]string{blockEmails: "I'm restarting. Please submit again in a moment."})}
	}
	w := who{userID: cb.User.ID, channelID: sub.target.Channel.ID}
	if meta.User == cb.User.ID {
		w.responseURL = meta.ResponseURL
	}
	req := b.inviteRequest(cb.User.ID, sub.target.Channel, sub.target.App, sub.emails, sub.downloads, meta.Origin,
		invite.Reply{Channel: sub.target.Channel.ID, Thread: meta.ThreadTS})
	req.AccessFor = sub.accessFor
	return reply{after: func(ctx context.Context) { b.inviteOrAsk(ctx, w, sub.target.Channel, req, sub.reason) }}
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
		problems[blockEmails] = truncate("Not email addresses: "+refusalsText(refused), maxPlainText)
	case len(emails) == 0:
		problems[blockEmails] = "Enter at least one email address."
	case b.d.Invites.CheckSize(len(emails)) != nil:
		problems[blockEmails] = fmt.Sprintf("That is %d addresses; at most %d at once.", len(emails), b.d.Invites.MaxEmails())
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
