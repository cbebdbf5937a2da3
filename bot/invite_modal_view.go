package bot

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
)

// The invite modal's view: where to, the addresses, allowed downloads or, for someone who
// asks, why, and when access ends. Pure, and golden-file tested.

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
