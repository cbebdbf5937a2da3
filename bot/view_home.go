package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/access"
	"github.com/testerbot/testerbot/audit"
	"github.com/testerbot/testerbot/config"
)

// homeData is everything the App Home shows one person.
type homeData struct {
	Lead     bool // may invite: buttons and mappings are shown
	Leads    *access.Leads
	Channels []config.Channel
	Recent   []audit.Entry
	Everyone bool // Recent holds everyone's invitations (for leads), not only the viewer's
}

// homeView builds the App Home tab. It is pure, and golden-file tested.
func homeView(d homeData) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Tester invites")),
		slack.NewSectionBlock(mrkdwn("I invite testers into your private Applivery app store and post who was invited, by whom, in a thread of the channel."), nil, nil),
	}
	if d.Lead {
		blocks = append(blocks, slack.NewActionBlock("home_actions",
			slack.NewButtonBlockElement(actionHomeInvite, "invite", plain("Invite testers")).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement(actionHomeFind, "find", plain("Find or remove a tester")),
		))
		blocks = append(blocks, mappingBlocks(d.Channels)...)
	} else {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn("Only QA leads can invite testers. "+leadsText(d.Leads)+" can invite someone for you."), nil, nil))
	}
	blocks = append(blocks, recentBlocks(d.Recent, d.Everyone)...)
	blocks = append(blocks, slack.NewDividerBlock(), slack.NewSectionBlock(mrkdwn(helpText), nil, nil))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// homeChannelsShown keeps the App Home within Slack's 100-block limit.
const homeChannelsShown = 20

func mappingBlocks(channels []config.Channel) []slack.Block {
	blocks := []slack.Block{slack.NewDividerBlock(), slack.NewSectionBlock(mrkdwn("*Where you can invite*"), nil, nil)}
	for i, ch := range channels {
		if i == homeChannelsShown {
			blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("…and %d more channels.", len(channels)-i))))
			break
		}
		var apps []string
		for _, a := range ch.Apps {
			apps = append(apps, "*"+esc(a.Name)+"*")
		}
		text := fmt.Sprintf("<#%s> → store %s: %s\nNew testers get %s", ch.ID, code(ch.Store), strings.Join(apps, ", "), downloadsText(ch.Downloads))
		if len(ch.Domains) > 0 {
			text += "; only addresses at " + esc(strings.Join(ch.Domains, ", "))
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil))
	}
	return blocks
}

// homeRecentShown is how many invitations the App Home lists.
const homeRecentShown = 15

func recentBlocks(entries []audit.Entry, everyone bool) []slack.Block {
	title := "*Your recent invitations*"
	if everyone {
		title = "*Recent invitations*"
	}
	blocks := []slack.Block{slack.NewDividerBlock(), slack.NewSectionBlock(mrkdwn(title), nil, nil)}
	if len(entries) == 0 {
		return append(blocks, slack.NewContextBlock("", mrkdwn("None yet.")))
	}
	var lines []string
	for i, e := range entries {
		if i == homeRecentShown {
			break
		}
		lines = append(lines, historyLine(e, everyone))
	}
	return append(blocks, slack.NewSectionBlock(mrkdwn(strings.Join(lines, "\n")), nil, nil))
}

// historyLine is one audit entry for people: when, who, whom, where, what happened.
func historyLine(e audit.Entry, withUser bool) string {
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

func outcomeWord(o audit.Outcome) string {
	switch o {
	case audit.OutcomeInvited:
		return ":white_check_mark: invited"
	case audit.OutcomeAlreadyInvited:
		return ":information_source: already had"
	case audit.OutcomeRefused:
		return ":no_entry_sign: refused"
	case audit.OutcomeRemoved:
		return ":wastebasket: removed"
	default:
		return ":x: failed to invite"
	}
}

// leadsText names the QA leads for people who need one.
func leadsText(l *access.Leads) string {
	if l == nil {
		return "Anyone in a mapped channel"
	}
	var who []string
	for _, u := range l.Users {
		who = append(who, "<@"+u+">")
	}
	for _, g := range l.Usergroups {
		who = append(who, "<!subteam^"+g+">")
	}
	if len(who) == 0 {
		return "Your Slack admin"
	}
	if len(who) == 1 {
		return who[0]
	}
	return strings.Join(who[:len(who)-1], ", ") + " or " + who[len(who)-1]
}
