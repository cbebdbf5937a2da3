package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/approval"
	"github.com/testerbot/testerbot/internal/expiry"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/store"
)

// The App Home tab's view. Pure, and golden-file tested.

const (
	actionHomeInvite = "home_invite"
	actionHomeFind   = "home_find"
)

// homeData is everything the App Home shows one person.
type homeData struct {
	Channels []config.Channel // the mappings the viewer may manage; none: no buttons
	Leads    *config.QALeads
	Recent   []store.Entry  // invitations in those channels
	Problem  string         // mrkdwn: why Slack could not say what the viewer may manage
	Pending  []approval.Ask // requests waiting for a decision, for QA leads (with the buttons)
	// Testers are, by request id, the addresses of a pending request that are testers of its
	// app already. Shown to QA leads only: in the channel it would tell anyone who asks.
	Testers map[string][]string
	Mine    []approval.Ask // the viewer's own requests, for someone who asks
	Ending  []expiry.End   // testers whose access ends soon, in those channels
}

// homeView builds the App Home tab. It is pure, and golden-file tested.
func homeView(d homeData) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Tester invites")),
		section("I invite testers into your private Applivery app store and post who was invited, by whom, in a thread of the channel.", nil),
	}
	switch {
	case d.Problem != "":
		blocks = append(blocks, section(d.Problem, nil))
	case len(d.Channels) > 0:
		blocks = append(blocks, slack.NewActionBlock("home_actions",
			slack.NewButtonBlockElement(actionHomeInvite, "invite", plain("Invite testers")).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement(actionHomeFind, "find", plain("Find or remove a tester")),
		))
		blocks = append(blocks, pendingBlocks(d.Pending, d.Leads, d.Testers)...)
		blocks = append(blocks, mappingBlocks(d.Channels)...)
		blocks = append(blocks, endingBlocks(d.Ending)...)
		blocks = append(blocks, recentBlocks(d.Recent)...)
	case d.Leads != nil:
		blocks = append(blocks, section("Only QA leads invite testers: ask them with `/invite-tester alice@example.com` in a linked channel, and "+leadsText(d.Leads)+" will approve or deny it.", nil))
		blocks = append(blocks, mineBlocks(d.Mine)...)
	default:
		blocks = append(blocks, section("You can invite testers from the channels linked to an Applivery store that you are a member of, and you are not in any. Ask to be added to one. (Guests and people of other organisations never manage testers.)", nil))
	}
	blocks = append(blocks, slack.NewDividerBlock(), section(helpText, nil))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// homeChannelsShown keeps the App Home within Slack's 100-block limit.
const homeChannelsShown = 20

func mappingBlocks(channels []config.Channel) []slack.Block {
	blocks := []slack.Block{slack.NewDividerBlock(), section("*Where you can invite*", nil)}
	for i, ch := range channels {
		if i == homeChannelsShown {
			blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("…and %d more channels.", len(channels)-i))))
			break
		}
		text := mappingText(ch)
		if ch.Source == config.FromSlack {
			text += fmt.Sprintf("\n_Linked from Slack by <@%s>; change it with `/invite-tester setup` there._", ch.LinkedBy)
		}
		blocks = append(blocks, section(text, nil))
	}
	return blocks
}

// homePendingShown keeps the App Home within Slack's 100-block limit: each request takes four.
const homePendingShown = 8

func pendingBlocks(asks []approval.Ask, leads *config.QALeads, testers map[string][]string) []slack.Block {
	if len(asks) == 0 {
		return nil
	}
	blocks := []slack.Block{slack.NewDividerBlock(), section(fmt.Sprintf("*Requests waiting for you* (%d)", len(asks)), nil)}
	for i, a := range asks {
		if i == homePendingShown {
			blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("…and %d more, in their channels.", len(asks)-i))))
			break
		}
		blocks = append(blocks, withAlreadyTesters(askBlocks(a, leads), testers[a.ID])...)
	}
	return blocks
}

func mineBlocks(asks []approval.Ask) []slack.Block {
	if len(asks) == 0 {
		return nil
	}
	var lines []string
	for _, a := range asks {
		lines = append(lines, fmt.Sprintf("• %s %s into *%s* in <#%s>: %s", slackDate(a.CreatedAt),
			plural(len(a.Emails), "address", "addresses"), esc(a.AppName), a.ChannelID, stateWords(a)))
	}
	return []slack.Block{slack.NewDividerBlock(), section("*Your requests*\n"+strings.Join(lines, "\n"), nil)}
}

func endingBlocks(ends []expiry.End) []slack.Block {
	if len(ends) == 0 {
		return nil
	}
	var lines []string
	for _, e := range ends {
		lines = append(lines, fmt.Sprintf("• *%s* in *%s* (<#%s>) %s", esc(e.Email), esc(e.AppName), e.ChannelID, slackDate(e.EndsAt)))
	}
	return []slack.Block{slack.NewDividerBlock(), section("*Access ending soon*\n"+strings.Join(lines, "\n"), nil)}
}

// homeRecentShown is how many invitations the App Home lists.
const homeRecentShown = 15

func recentBlocks(entries []store.Entry) []slack.Block {
	blocks := []slack.Block{slack.NewDividerBlock(), section("*Recent invitations*", nil)}
	if len(entries) == 0 {
		return append(blocks, slack.NewContextBlock("", mrkdwn("None yet.")))
	}
	var lines []string
	for i, e := range entries {
		if i == homeRecentShown {
			break
		}
		lines = append(lines, historyLine(e, true))
	}
	return append(blocks, section(strings.Join(lines, "\n"), nil))
}

// historyLine is one audit entry for people: when, who, whom, where, what happened.
func historyLine(e store.Entry, withUser bool) string {
	by := ""
	if withUser {
		by = fmt.Sprintf(" by <@%s>", e.UserID)
	}
	return fmt.Sprintf("• %s %s *%s* in %s into *%s*%s", slackDate(e.At), outcomeWord(e.Outcome), esc(e.Email),
		channelRef(e.ChannelID), esc(e.AppName), by)
}

func channelRef(id string) string {
	if id == "" {
		return "the App Home"
	}
	return "<#" + id + ">"
}

func outcomeWord(o invite.Outcome) string {
	switch o {
	case invite.Asked:
		return ":raised_hand: asked for"
	case invite.Approved:
		return ":ok_hand: approved the request for"
	case invite.Denied:
		return ":no_entry: denied the request for"
	case invite.AskExpired:
		return ":hourglass: request expired for"
	case invite.Invited:
		return ":white_check_mark: invited"
	case invite.AlreadyInvited:
		return ":information_source: already had"
	case invite.Refused:
		return ":no_entry_sign: refused"
	case invite.Removed:
		return ":wastebasket: removed"
	default:
		return ":x: failed to invite"
	}
}
