package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/testerbot/testerbot/approval"
	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/expiry"
	"github.com/testerbot/testerbot/invite"
	"github.com/testerbot/testerbot/store"
)

// The App Home: what the bot does, the mappings a person may manage with buttons to invite and
// to find testers, and recent invitations.

const (
	actionHomeInvite = "home_invite"
	actionHomeFind   = "home_find"
)

// homeData is everything the App Home shows one person.
type homeData struct {
	Channels []config.Channel  // the mappings the viewer may manage; none: no buttons
	LinkedBy map[string]string // channel id → who linked it from Slack; absent: the mapping file
	Leads    *config.QALeads
	Recent   []store.Entry  // invitations in those channels
	Problem  string         // mrkdwn: why Slack could not say what the viewer may manage
	Pending  []approval.Ask // requests waiting for a decision, for QA leads (with the buttons)
	Mine     []approval.Ask // the viewer's own requests, for someone who asks
	Ending   []expiry.End   // testers whose access ends soon, in those channels
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
		blocks = append(blocks, pendingBlocks(d.Pending, d.Leads)...)
		blocks = append(blocks, mappingBlocks(d.Channels, d.LinkedBy)...)
		blocks = append(blocks, endingBlocks(d.Ending)...)
		blocks = append(blocks, recentBlocks(d.Recent)...)
	case d.Leads != nil:
		blocks = append(blocks, section("Only QA leads invite testers: ask them with `/invite-tester alice@example.com` in a linked channel, and "+leadsText(d.Leads)+" will approve or deny it.", nil))
		blocks = append(blocks, mineBlocks(d.Mine)...)
	default:
		blocks = append(blocks, section("You can invite testers from the channels linked to an Applivery store that you are a member of, and you are not in any. Ask to be added to one. (Guests never manage testers.)", nil))
	}
	blocks = append(blocks, slack.NewDividerBlock(), section(helpText, nil))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// homeChannelsShown keeps the App Home within Slack's 100-block limit.
const homeChannelsShown = 20

func mappingBlocks(channels []config.Channel, linkedBy map[string]string) []slack.Block {
	blocks := []slack.Block{slack.NewDividerBlock(), section("*Where you can invite*", nil)}
	for i, ch := range channels {
		if i == homeChannelsShown {
			blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("…and %d more channels.", len(channels)-i))))
			break
		}
		text := mappingText(ch)
		if by, ok := linkedBy[ch.ID]; ok {
			text += fmt.Sprintf("\n_Linked from Slack by <@%s>; change it with `/invite-tester setup` there._", by)
		}
		blocks = append(blocks, section(text, nil))
	}
	return blocks
}

// homePendingShown keeps the App Home within Slack's 100-block limit: each request takes four.
const homePendingShown = 8

func pendingBlocks(asks []approval.Ask, leads *config.QALeads) []slack.Block {
	if len(asks) == 0 {
		return nil
	}
	blocks := []slack.Block{slack.NewDividerBlock(), section(fmt.Sprintf("*Requests waiting for you* (%d)", len(asks)), nil)}
	for i, a := range asks {
		if i == homePendingShown {
			blocks = append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("…and %d more, in their channels.", len(asks)-i))))
			break
		}
		blocks = append(blocks, askBlocks(a, leads)...)
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
	data := homeData{Channels: channels, Leads: b.d.Access.Leads(), LinkedBy: map[string]string{}}
	for _, ch := range channels {
		if link, ok := b.d.Mappings.Link(ch.ID); ok {
			data.LinkedBy[ch.ID] = link.LinkedBy
		}
	}
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
	q := store.Query{Limit: homeRecentShown}
	for _, ch := range channels {
		q.ChannelIDs = append(q.ChannelIDs, ch.ID)
	}
	entries, err := b.d.History.Recent(ctx, q)
	if err != nil {
		b.log.Warn("could not read the audit log", "error", err.Error())
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
	ends, err := b.d.Ends.UpcomingEnds(ctx, ids, homeEndingShown)
	if err != nil {
		b.log.Warn("could not read when access ends", "error", err.Error())
	}
	return ends
}

// homeEndingShown is how many ends the App Home lists.
const homeEndingShown = 10

// fillAsks shows QA leads the requests waiting for them, and anyone else their own.
func (b *Bot) fillAsks(ctx context.Context, userID string, manages bool, d *homeData) {
	if b.d.Asks == nil || b.d.Access.Leads() == nil {
		return
	}
	var err error
	if lead, _ := b.d.Access.IsLead(ctx, userID); lead && manages {
		d.Pending, err = b.d.Asks.Pending(ctx, nil, homePendingShown+1)
	} else {
		d.Mine, err = b.d.Asks.Mine(ctx, userID, 10)
	}
	if err != nil {
		b.log.Warn("could not read the requests for testers", "error", err.Error())
	}
}

// onHomeInvite opens the invite modal from the App Home button.
func (b *Bot) onHomeInvite(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID}
	return reply{after: func(ctx context.Context) { b.openAnyTargetModal(ctx, w, cb.TriggerID, originHome) }}
}

// onHomeFind opens the "find or remove a tester" modal.
func (b *Bot) onHomeFind(cb slack.InteractionCallback) reply {
	w := who{userID: cb.User.ID}
	return reply{after: func(ctx context.Context) { b.openFindModal(ctx, w, cb.TriggerID) }}
}
