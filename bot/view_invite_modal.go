package bot

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/audit"
	"github.com/testerbot/testerbot/config"
)

// target is one place testers can be invited into: a mapped channel and one of its apps.
type target struct {
	Channel     config.Channel
	ChannelName string // "#beta-ios", or the id when Slack would not say
	App         config.App
}

func (t target) key() string { return t.Channel.ID + "/" + t.App.ID }

func (t target) label() string {
	return truncate(t.ChannelName+" · "+t.App.Name, 75) // Slack's option text limit
}

// inviteModal is everything the invite modal shows.
type inviteModal struct {
	Targets     []target // one: shown as text; several: a select
	Emails      []string // prefilled addresses
	Note        string   // mrkdwn shown at the top, already escaped
	Meta        modalMeta
	MaxEmails   int
	FixedTarget bool // the channel is given (command, message shortcut), only the app may vary
}

// modalMeta travels in the modal's private_metadata, from opening to submission.
type modalMeta struct {
	Surface     audit.Surface `json:"s"`
	ThreadTS    string        `json:"t,omitempty"` // results go into this thread (message shortcut)
	ResponseURL string        `json:"r,omitempty"` // the command's, to reach the person privately
	Target      string        `json:"k,omitempty"` // the only target, when the modal has no select
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

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(s, 150), false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, truncate(s, 3000), false, false)
}

// inviteModalView builds the invite modal. It is pure, and golden-file tested.
func inviteModalView(m inviteModal) slack.ModalViewRequest {
	var blocks []slack.Block
	if m.Note != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(m.Note), nil, nil))
	}
	if len(m.Targets) == 1 {
		t := m.Targets[0]
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("Inviting into *%s* from <#%s>", esc(t.App.Name), t.Channel.ID))))
	} else {
		blocks = append(blocks, targetSelect(m.Targets, m.FixedTarget))
	}
	emails := slack.NewPlainTextInputBlockElement(plain("alice@example.com, bob@example.com"), blockEmails)
	emails.Multiline = true
	emails.MaxLength = 3000
	emails.InitialValue = strings.Join(m.Emails, "\n")
	emails.FocusOnLoad = len(m.Emails) == 0
	blocks = append(blocks, slack.NewInputBlock(blockEmails, plain("Email addresses"),
		plain(fmt.Sprintf("One per line, or separated by spaces or commas. Up to %d at once.", m.MaxEmails)), emails))
	blocks = append(blocks, downloadsInput(m.Targets))
	meta := m.Meta
	if len(m.Targets) == 1 {
		meta.Target = m.Targets[0].key()
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackInviteModal,
		Title:           plain("Invite testers"),
		Submit:          plain("Invite"),
		Close:           plain("Cancel"),
		PrivateMetadata: meta.encode(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func targetSelect(targets []target, appOnly bool) *slack.InputBlock {
	options := make([]*slack.OptionBlockObject, 0, len(targets))
	for _, t := range targets {
		label := t.label()
		if appOnly {
			label = truncate(t.App.Name, 75)
		}
		options = append(options, slack.NewOptionBlockObject(t.key(), plain(label), nil))
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose…"), blockTarget, options...)
	if len(options) > 0 {
		sel.InitialOption = options[0]
	}
	label := "Invite into"
	if appOnly {
		label = "App"
	}
	return slack.NewInputBlock(blockTarget, plain(label), nil, sel)
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

// noticeModalView is a modal that only explains something (no submit button).
func noticeModalView(title, text string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  plain(title),
		Close:  plain("Close"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(mrkdwn(text), nil, nil)}},
	}
}
